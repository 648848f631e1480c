"""The deployed project's manage.py on a host: schema_safety commands that answer in JSON."""

from __future__ import annotations

import json

from ..errors import RemoteCommandFailed
from . import compose, detached
from .commands import fragment, in_dir, with_env_file


def command(release_path: str, manage, *args: str, tty: bool = False):
    """``cd RELEASE && <manage> ARGS``: ``manage`` is the inventory's shell fragment, as written
    (a ``Manage``: with its environment file sourced first; or the bare text). For a Compose
    release, it runs in a one-off container of the release's image (a terminal with ``tty``)."""
    if isinstance(manage, str):
        return in_dir(release_path, fragment(manage, *args))
    if manage.compose is not None:
        run = compose.manage(manage.compose, manage.backups, manage.text, *args, tty=tty)
    else:
        run = fragment(manage.text, *args)
    return in_dir(release_path, with_env_file(manage.env_file, run))


def run_json(
    host, release_path: str, manage: str, *args: str, accept=(0,), detached_in=None
) -> dict:
    """Run a JSON-speaking management command; its document, or RemoteCommandFailed.

    ``detached_in`` (a ``Layout``): run it detached from the session (``remote.detached``),
    for the long steps that must not die with the connection: migrate, backup, restore.
    """
    run = command(release_path, manage, *args)
    if detached_in is not None:
        result = detached.run(host, detached_in, args[0], run)
    else:
        result = host.run(run)
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
