#!/usr/bin/env bash
# The seed's safe_migration.sh, kept for teams used to it: `fab migrate --env=ENV`.
#
#   deployment/scripts/safe_migration.sh staging [--yes] [--dry-run] [--lock-wait=SECONDS]
set -euo pipefail
WRAPPER=$0 exec "$(dirname "${BASH_SOURCE[0]}")/fab-env.sh" migrate "$@"
