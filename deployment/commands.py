"""Shell commands as argument lists; quoted once, here, right before they run.

Builders elsewhere return ``list[str]``; ``sh`` turns one into a string with
``shlex.join``, and the combinators below add the only shell operators we use.
No value is ever interpolated into a command string any other way.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

Argv = Sequence[str]


def sh(argv: Argv) -> str:
    """One command, every word quoted."""
    return shlex.join(argv)


def all_of(*commands: str) -> str:
    """Run each in turn, stop at the first failure (``a && b``)."""
    return " && ".join(_group(c) for c in commands)


def either(first: str, fallback: str) -> str:
    """``a || b``"""
    return f"{{ {first}; }} || {{ {fallback}; }}"


def pipe(*commands: str) -> str:
    return " | ".join(_group(c) for c in commands)


def in_dir(directory: str, command: str) -> str:
    """``cd DIR && command``, the directory quoted."""
    return f"cd {shlex.quote(directory)} && {command}"


def to_file(command: str, path: str) -> str:
    """``command > path``, the path quoted."""
    return f"{_group(command)} > {shlex.quote(path)}"


def quiet(command: str) -> str:
    """Discard stderr: ``command 2>/dev/null``."""
    return f"{_group(command)} 2>/dev/null"


def _group(command: str) -> str:
    """``{ a && b; }`` where the command has operators, so what follows applies to all of it."""
    compound = any(op in command for op in ("&&", "||", "|", ";"))
    return f"{{ {command}; }}" if compound else command


def substitute(command: str) -> str:
    """The output of ``command`` as one argument: ``"$(command)"``."""
    return f'"$({command})"'


def words(*parts: str) -> str:
    """Join pieces already quoted (``sh``, ``substitute``, ``shlex.quote``) into one command."""
    return " ".join(parts)
