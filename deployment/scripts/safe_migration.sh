#!/usr/bin/env bash
# The seed's safe_migration.sh, kept for teams used to it: runs `fab migrate --env=ENV` from the
# repository root (where fabfile.py is), with any further arguments passed through.
#
#   deployment/scripts/safe_migration.sh staging [--yes] [--dry-run] [--lock-wait=SECONDS]
#
# SKIP_VERIFICATION=true travels in the environment to fab. fab is the one of the repository's
# .venv when there is one, else the first on PATH.
set -euo pipefail

if [[ $# -lt 1 || -z "$1" || "$1" == -* ]]; then
	echo "usage: $0 ENV [fab migrate options]  (runs: fab migrate --env=ENV)" >&2
	exit 2
fi
environment=$1
shift

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fab="$root/.venv/bin/fab"
if [[ ! -x "$fab" ]]; then
	fab=$(command -v fab) || {
		echo "fab not found: run \`make venv\` in $root (or pip install -r requirements.txt)" >&2
		exit 2
	}
fi
cd "$root"
exec "$fab" migrate --env="$environment" "$@"
