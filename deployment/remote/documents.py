"""Every ``*.json`` file of a remote folder in one round trip (backup manifests, release records).

``scripts/documents.sh`` prints each file after a marker line naming it; ``parse`` splits
them back into ``{stem: document}``. A file that is not a JSON object is left out.
"""

from __future__ import annotations

import json
import re

from .commands import script
from .round_trip import new_marker


def command(folder: str, marker: str) -> list:
    """Each JSON file of ``folder`` after a ``<marker> <file name>`` line; exit 0 if none."""
    return script("documents", folder, marker)


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
