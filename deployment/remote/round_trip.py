"""Many questions to one host in one round trip (``scripts/round_trip.sh``).

The script prints each answer between markers with its exit status, so a failing part
never hides the others; ``parse`` turns the output back into ``{name: Section}``.
The marker is new for each script, so no command's output can fake one.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from .commands import Command, render, script

MARKER = "@@schema-safety"


def new_marker() -> str:
    """A marker no command output can guess, one per script."""
    return f"{MARKER}-{secrets.token_hex(6)}"


@dataclass(frozen=True)
class Section:
    """One question's answer: its exit status and output (stderr merged)."""

    name: str
    exit_code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


@dataclass(frozen=True)
class Question:
    name: str
    command: Command
    slow: bool = False  # started first, in the background (a Django start-up)


def command(questions, marker: str = MARKER) -> list:
    """Every question, in one script; the slow ones start first, in the background, so
    the quick ones (and the network wait of ``git ls-remote``) cost no time of their own."""
    triples = [
        word
        for q in questions
        for word in (q.name, "slow" if q.slow else "quick", render(q.command))
    ]
    return script("round_trip", marker, *triples)


def ask(host, questions, marker: str | None = None) -> dict[str, Section]:
    """Every question in one round trip to ``host``: ``{name: Section}`` of those answered.

    ``marker``: when a question's own output is marked with something derived from it."""
    marker = marker or new_marker()
    return parse(host.run(command(questions, marker)).stdout, marker)


def parse(output: str, marker: str = MARKER) -> dict[str, Section]:
    found = _pattern(marker).finditer(output)
    return {m["name"]: Section(m["name"], int(m["code"]), m["body"]) for m in found}


def _pattern(marker: str) -> re.Pattern:
    begin, end = re.escape(f"{marker} begin "), re.escape(f"{marker} end ")
    return re.compile(
        rf"^{begin}(?P<name>\w+)@@\n(?P<body>.*?)\n^{end}(?P=name) (?P<code>\d+)@@$", re.S | re.M
    )
