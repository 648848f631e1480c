"""Every ``*.json`` file of a remote folder in one round trip (backup manifests, release records).

The command prints each file after a marker line naming it; ``parse`` splits them
back into ``{stem: document}``. A file that is not a JSON object is left out.
"""

from __future__ import annotations

import json
import re

from .commands import sh
from .probe import new_marker

SCRIPT = (
    'for f in "$1"/*.json; do [ -f "$f" ] || continue; '
    'printf \'\\n%s %s\\n\' "$2" "${f##*/}"; cat -- "$f"; done'
)


def command(folder: str, marker: str) -> str:
    """Each JSON file of ``folder`` after a ``<marker> <file name>`` line; exit 0 if none."""
    return sh(["sh", "-c", SCRIPT, "documents", folder, marker])


def parse(output: str, marker: str) -> dict[str, dict]:
    pattern = re.compile(rf"^{re.escape(marker)} (.+)\.json$", re.M)
    parts = pattern.split(output)[1:]  # name, body, name, body, ...
    found = {name: _object(body) for name, body in zip(parts[::2], parts[1::2], strict=True)}
    return {name: document for name, document in found.items() if document is not None}


def read(host, folder: str) -> dict[str, dict]:
    """The JSON files of ``folder`` on ``host`` by stem; none when the folder is missing."""
    marker = new_marker()
    return parse(host.run(command(folder, marker)).stdout, marker)


def _object(text: str) -> dict | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
