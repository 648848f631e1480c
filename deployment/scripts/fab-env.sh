#!/usr/bin/env bash
# Run `fab TASK --env=ENV [more options]` from the repository root (where fabfile.py is), for
# the seed's wrapper scripts. fab is the one of the repository's .venv when there is one,
# else the first on PATH. SKIP_VERIFICATION=true travels in the environment to fab.
#
#   deployment/scripts/fab-env.sh migrate staging --yes
set -euo pipefail

task=${1:?usage: fab-env.sh TASK ENV [options]}
shift
if [[ $# -lt 1 || -z "$1" || "$1" == -* ]]; then
	echo "usage: ${WRAPPER:-$0} ENV [fab $task options]  (runs: fab $task --env=ENV)" >&2
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
exec "$fab" "$task" --env="$environment" "$@"
