"""Checks of the host itself: the connection, its containers, free disk, a deploy lock."""

from __future__ import annotations

import json

from ..remote import compose as compose_commands
from ..remote.round_trip import Section
from . import containers as compose
from .check import FAIL, NOTHING_DEPLOYED, PASS, SKIP, WARN, Check, Facts, last_line


def connectivity(facts: Facts) -> Check:
    shell = "local shell ok" if facts.local else "ssh ok"
    if facts.django is None:
        return Check("connectivity", PASS, shell)
    database = facts.django.get("connectivity", {})
    status = PASS if database.get("ok") else FAIL
    return Check("connectivity", status, f"{shell}; database: {database.get('detail', '?')}")


def containers(facts: Facts) -> Check:
    if not facts.containers:
        return Check("containers", SKIP, "no containers in the inventory")
    if not facts.deployed():
        return Check("containers", SKIP, NOTHING_DEPLOYED)
    answer = facts.sections.get("containers")
    if answer is None or not answer.ok:
        detail = last_line(answer.output if answer else "") or "compose ps failed"
        return Check("containers", FAIL, f"docker compose ps: {detail}")
    try:
        found = compose.parse_ps(answer.output)
    except compose.UnreadableOutput as error:
        return Check("containers", FAIL, str(error))
    status, detail = compose.assess(facts.containers, found)
    return Check("containers", status, detail + _image(facts.sections.get("image")))


def _image(answer: Section | None) -> str:
    """`` (image NAME, ID)`` of a Compose release's live image, when the host told it."""
    found = compose_commands.parse_image(answer.output) if answer and answer.ok else None
    return f" (image {found[0]}, {found[1][:19]})" if found else ""


def disk_space(facts: Facts) -> Check:
    free = _free_bytes(facts.sections.get("disk"))
    if free is None:
        return Check("disk_space", WARN, "could not read free space (df)")
    size = (facts.django or {}).get("database_size_bytes")
    if not facts.primary or size is None:
        return Check("disk_space", PASS, f"{_human(free)} free")
    if free < 2 * size:
        return Check("disk_space", FAIL, f"{_human(free)} free, backups need 2 x {_human(size)}")
    return Check("disk_space", PASS, f"{_human(free)} free, database {_human(size)}")


def lock(facts: Facts) -> Check:
    answer = facts.sections.get("lock")
    if answer is None or not answer.ok or not answer.output.strip():
        return Check("lock", PASS, "no deploy in progress")
    try:
        info = json.loads(answer.output)
        holder = (
            f"{info.get('task', '?')} by {info.get('operator', '?')} since {info.get('time', '?')}"
        )
    except (json.JSONDecodeError, AttributeError):
        holder = "an unreadable lock"
    return Check("lock", FAIL, f"held: {holder}; wait, or `fab unlock` if its holder is gone")


def _free_bytes(answer: Section | None) -> int | None:
    if answer is None:
        return None
    for line in reversed(answer.output.strip().splitlines()):
        fields = line.split()
        if len(fields) >= 4 and fields[3].isdigit():
            return int(fields[3])
    return None


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
