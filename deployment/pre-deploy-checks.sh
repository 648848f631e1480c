#!/usr/bin/env bash
# The seed's pre-deploy-checks.sh, kept for teams used to it: runs `fab predeploy --env=ENV` from the
# repository root (where fabfile.py is), with any further arguments passed through.
#
#   deployment/pre-deploy-checks.sh production [--json]
#
# SKIP_VERIFICATION=true travels in the environment to fab. fab is the one of the repository's
# .venv when there is one, else the first on PATH.
set -euo pipefail

if [[ $# -lt 1 || -z "$1" || "$1" == -* ]]; then
	echo "usage: $0 ENV [fab predeploy options]  (runs: fab predeploy --env=ENV)" >&2
	exit 2
fi
environment=$1
shift

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fab="$root/.venv/bin/fab"
if [[ ! -x "$fab" ]]; then
	fab=$(command -v fab) || {
		echo "fab not found: run \`make venv\` in $root (or pip install -r requirements.txt)" >&2
		exit 2
	}
fi
cd "$root"
exec "$fab" predeploy --env="$environment" "$@"
