"""Does a transcript shown in the docs match what the tool really printed? Line by line.

Both sides are normalised the same way: colours and table borders removed, runs of spaces
made one, and the parts that differ on every run (release names, commits, times, backup
stamps, durations, sizes) replaced by placeholders such as ``<release>`` and ``<time>``. The
doc may show realistic values (``20261124101500-3f2a9c1``) or the placeholders themselves.
Every shown line must then equal a real line, in the same order; real lines the doc leaves
out are allowed (a ``...`` line in the doc says so), and ``...`` within a shown line stands
for any text there (``deployed <release> ...``).
"""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
BORDERS = re.compile(r"[\u2500-\u257f]")
UNITS = "B|KiB|MiB|GiB|bytes|ms|s|sec|min|h"
PLACEHOLDERS = [  # order matters: releases before stamps before commits (7 digits: a commit)
    (re.compile(r"\b\d{8}T?\d{6}-[0-9a-f]{7}\b"), "<release>"),
    (re.compile(r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"), "<time>"),
    (re.compile(r"\b\d{14}\b"), "<stamp>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b"), "<commit>"),
    (re.compile(rf"(?<![.\d])\b\d{{7}}\b(?![.\d]| ?(?:{UNITS})\b)"), "<commit>"),
    (re.compile(r"\b\d+(?:\.\d+)? ?(?:B|KiB|MiB|GiB|bytes)\b"), "<size>"),
    (re.compile(r"\b\d+(?:\.\d+)? ?(?:ms|s|sec|min|h)\b"), "<duration>"),
]
OMITTED = "..."


def normalise(text: str, world: dict[str, str] | None = None) -> list[str]:
    """Lines as compared: ``world`` maps this run's own strings (paths, operator) to the
    doc's; then placeholders, borders and spaces as described above. Blank lines go."""
    text = ANSI.sub("", text).replace("\r\n", "\n")
    for real, shown in sorted((world or {}).items(), key=lambda item: -len(item[0])):
        text = text.replace(real, shown)
    lines = []
    for line in text.splitlines():
        line = BORDERS.sub(" ", line)
        for pattern, placeholder in PLACEHOLDERS:
            line = pattern.sub(placeholder, line)
        line = " ".join(line.split())
        if line:
            lines.append(line)
    return lines


def missing(shown: list[str] | tuple[str, ...], real: str, world: dict[str, str]) -> list[str]:
    """The shown lines (normalised) not found, in order, in the real output; [] when all are."""
    expected = normalise("\n".join(shown))
    actual = normalise(real, world)
    position, absent = 0, []
    for line in expected:
        if line == OMITTED:
            continue
        found = _find(line, actual, position)
        if found is None:
            absent.append(line)
        else:
            position = found + 1
    return absent


def _find(line: str, actual: list[str], start: int) -> int | None:
    pattern = re.compile(".*".join(re.escape(part) for part in line.split(OMITTED)))
    for index in range(start, len(actual)):
        if pattern.fullmatch(actual[index]):
            return index
    return None
