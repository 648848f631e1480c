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


# What ``in_order`` prints on stderr, before the label of the command that failed.
FAILED_STEP = "@@schema-safety-failed-step"


def in_order(*steps: tuple[str, str]) -> str:
    """Run ``(label, command)`` pairs in turn, each in a subshell, stopping at the first failure.

    Then the label goes to stderr after ``FAILED_STEP`` and the failed command's exit
    status is kept, so one round trip runs many steps and still says which one failed.
    A subshell each: a command that calls ``exit`` or ``set -e`` cannot end the others.
    """
    chain = " && ".join(
        f"__step={shlex.quote(label)} && ( {command}\n)" for label, command in steps
    )
    report = f'__rc=$?; printf \'\\n%s %s\\n\' {FAILED_STEP} "$__step" >&2; (exit "$__rc")'
    return either(chain, report)


def failed_step(stderr: str) -> tuple[str | None, str]:
    """(label of the failed step, its last line of output) from an ``in_order`` run's stderr."""
    label, detail = None, ""
    for line in stderr.splitlines():
        if line.startswith(FAILED_STEP + " "):
            label = line[len(FAILED_STEP) + 1 :]
        elif line.strip():
            detail = line.strip()
    return label, detail


def words(*parts: str) -> str:
    """Join pieces already quoted (``sh``, ``substitute``, ``shlex.quote``) into one command."""
    return " ".join(parts)
