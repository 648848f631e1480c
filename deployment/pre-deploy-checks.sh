#!/usr/bin/env bash
# The seed's pre-deploy-checks.sh, kept for teams used to it: `fab predeploy --env=ENV`.
#
#   deployment/pre-deploy-checks.sh production [--json]
set -euo pipefail
WRAPPER=$0 exec "$(dirname "${BASH_SOURCE[0]}")/scripts/fab-env.sh" predeploy "$@"
