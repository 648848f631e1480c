"""The deployed project's manage.py on a host: schema_safety commands that answer in JSON."""

from __future__ import annotations

import json

from ..errors import RemoteCommandFailed
from .commands import fragment, in_dir


def command(release_path: str, manage: str, *args: str):
    """``cd RELEASE && <manage> ARGS``: ``manage`` is the inventory's shell fragment, as written."""
    return in_dir(release_path, fragment(manage, *args))


def run_json(host, release_path: str, manage: str, *args: str, accept=(0,)) -> dict:
    """Run a JSON-speaking management command; its document, or RemoteCommandFailed."""
    result = host.run(command(release_path, manage, *args))
    document = parse(result.stdout)
    if result.exit_code not in accept or document is None:
        detail = (document or {}).get("error") or last_line(result.stderr or result.stdout)
        raise RemoteCommandFailed(f"manage.py {args[0]} failed on {host.name}: {detail}")
    return document


def parse(output: str) -> dict | None:
    """The first JSON object in ``output`` (warnings may come before it)."""
    start = output.find("{")
    if start < 0:
        return None
    try:
        document, _ = json.JSONDecoder().raw_decode(output[start:])
    except json.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"
