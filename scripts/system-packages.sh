#!/usr/bin/env bash
# Ensure the Debian packages the test suite needs: database servers, OpenSSH, git, Docker's
# daemon and debootstrap (for the locally made base image), and what building mysqlclient takes.
# Quick and silent when everything is installed.
set -euo pipefail

wanted=(mariadb-server mariadb-client openssh-server openssh-client git libmariadb-dev pkg-config
    build-essential python3-dev docker.io debootstrap debian-archive-keyring)

missing=()

# Any PostgreSQL major version will do, as long as its server binaries are there.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    missing+=(postgresql)
fi

for package in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$package")
    fi
done

# Debian's own python3 needs python3-venv to create .venv; other Pythons bring venv along.
python=$(command -v python3.11 || command -v python3 || true)
if [[ -z "$python" ]] || ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    missing+=(python3-venv)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

command="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
    echo "Missing system packages: ${missing[*]}. Install them as root: $command" >&2
    exit 1
fi

echo "Installing system packages: ${missing[*]}" >&2
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
