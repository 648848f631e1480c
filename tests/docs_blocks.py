"""The commands and transcripts the docs show, and how a shown transcript matches a real run.

In README.md and docs/*.md, a fenced block without a language (or ``sh``) holds commands, one
per line (``\\`` continues a line, ``# ...`` comments). A ``console`` block is a transcript:
``$ command`` lines, each followed by what the tool printed; ``# exit N`` on a ``$`` line is
the exit code it must end with (default 0), and ``...`` marks output left out (a whole line,
or a part of one). Blocks in any other language (yaml, python, text) are not
commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", *(f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md"))))
COMMAND_LANGUAGES = {"", "sh", "shell"}
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
HEADING = re.compile(r"^#+\s+(.*)$")


@dataclass(frozen=True)
class Shown:
    """One command as a doc shows it, and where."""

    command: str  # whitespace collapsed, comment removed
    doc: str
    line: int
    section: str
    transcript: bool = False  # shown with its output, in a console block
    code: int = 0  # the exit code a transcript says it ends with
    output: tuple[str, ...] = ()  # what a transcript says it prints

    def where(self) -> str:
        return f"{self.doc}:{self.line} ({self.section})"


@dataclass
class Block:
    doc: str
    line: int  # of the opening fence
    section: str
    language: str
    lines: list[str] = field(default_factory=list)

    @property
    def is_transcript(self) -> bool:
        return self.language == "console"


@cache
def blocks(doc: str) -> tuple[Block, ...]:
    found, section, current, indent = [], "", None, ""
    for number, line in enumerate((ROOT / doc).read_text().splitlines(), start=1):
        fence = FENCE.match(line)
        if current is None and fence:
            indent = fence.group(1)
            current = Block(doc, number, section, fence.group(2))
        elif current is not None and fence:
            found.append(current)
            current = None
        elif current is not None:
            current.lines.append(line.removeprefix(indent))
        elif heading := HEADING.match(line):
            section = heading.group(1).strip()
    return tuple(found)


def shown(doc: str | None = None, section: str | None = None) -> list[Shown]:
    """Every command of the command blocks and transcripts (of one doc, one section)."""
    found = []
    for document in (doc,) if doc else DOCS:
        for block in blocks(document):
            if section is not None and block.section != section:
                continue
            if block.is_transcript:
                found += _transcript(block)
            elif block.language in COMMAND_LANGUAGES:
                found += [Shown(c, block.doc, n, block.section) for n, c in _commands(block)]
    assert found, f"no commands shown in {doc} {section or ''}"
    return found


def _commands(block: Block) -> list[tuple[int, str]]:
    found, pending, start = [], "", 0
    for offset, line in enumerate(block.lines, start=block.line + 1):
        text = line.strip() if pending else strip_comment(line.strip())
        if not pending:
            start = offset
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        command = " ".join((pending + strip_comment(text)).split())
        pending = ""
        if command:
            found.append((start, command))
    return found


def _transcript(block: Block) -> list[Shown]:
    found: list[Shown] = []
    lines = block.lines
    index = 0
    while index < len(lines):
        line = lines[index]
        assert line.startswith("$ "), f"{block.doc}:{block.line}: transcript must start with $"
        number, text = block.line + 1 + index, line[2:]
        while text.rstrip().endswith("\\"):
            index += 1
            text = text.rstrip()[:-1] + " " + lines[index].strip()
        exit_code = re.search(r"#\s*exits?\s+(\d+)\s*$", text)
        output = []
        index += 1
        while index < len(lines) and not lines[index].startswith("$ "):
            output.append(lines[index])
            index += 1
        command = " ".join(strip_comment(text).split())
        code = int(exit_code.group(1)) if exit_code else 0
        found.append(Shown(command, block.doc, number, block.section, True, code, tuple(output)))
    return found


def strip_comment(line: str) -> str:
    """``fab x --reason="a # b"  # why`` -> ``fab x --reason="a # b"``."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def fab_task(words: list[str]) -> str | None:
    """The task of ``fab [core options] task [options]``, as words."""
    value_next = False
    for word in words[1:]:
        if not value_next and not word.startswith("-"):
            return word
        value_next = word in {"-H", "--hosts", "-i", "--identity", "-S", "--ssh-config"}
    return None
