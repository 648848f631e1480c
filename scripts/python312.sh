#!/usr/bin/env bash
# Print the path of a Python 3.12 (Django 6.0 needs it) for `make test-django6`:
# python3.12 on PATH when it runs, else the newest 3.12 pyenv has.
set -euo pipefail

if python3.12 -c '' 2>/dev/null; then
    command -v python3.12
    exit 0
fi

if command -v pyenv >/dev/null; then
    version=$(pyenv versions --bare | grep -E '^3\.12(\.[0-9]+)?$' | sort -V | tail -n 1 || true)
    if [[ -n "$version" ]]; then
        echo "$(pyenv root)/versions/$version/bin/python3.12"
        exit 0
    fi
fi

echo "Python 3.12 not found (Django 6.0 needs it): pyenv install 3.12, or apt-get install python3.12" >&2
exit 1
