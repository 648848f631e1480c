"""Shell commands as data: argument lists joined by a few combinators, rendered once.

A builder returns an argument list (``["git", "-C", path, "status"]``) or a combinator of
them (``all_of``, ``either``, ``pipe``, ``in_dir``, ...); every word is quoted by ``render``,
which ``Host.run`` calls right before the command runs. Nothing else writes shell syntax:
the longer shell programs are files under ``scripts/`` that take their values as arguments
(``script``). Two kinds of text are used as written, and only through a named type:
``Fragment``, a shell fragment from the inventory (``manage``, ``build``, ``restart``), and
``Substitute``, the output of another command as one word.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SCRIPTS = Path(__file__).with_name("scripts")


@dataclass(frozen=True)
class Fragment:
    """A shell fragment from the inventory (``manage``, ``build``, ``restart``), as written."""

    text: str


@dataclass(frozen=True)
class Substitute:
    """The output of ``command`` as one word: ``"$(command)"``."""

    command: Command


Word = str | Fragment | Substitute


@dataclass(frozen=True)
class Joined:
    """Commands joined by one shell operator: ``&&``, ``||``, ``|`` or ``;``."""

    operator: str
    commands: tuple[Command, ...]


@dataclass(frozen=True)
class Redirected:
    """``command`` with its output sent somewhere: ``> path``, ``>> path``, ``2>/dev/null``."""

    command: Command
    operator: str
    path: str | None = None


@dataclass(frozen=True)
class InDir:
    """``cd DIR && command``."""

    directory: str
    command: Command


Command = Sequence[Word] | Fragment | Joined | Redirected | InDir


def render(command: Command) -> str:
    """The shell text of ``command``, every word quoted; ``Host.run`` calls it."""
    if isinstance(command, Fragment):
        return command.text
    if isinstance(command, Joined):
        return _joined(command)
    if isinstance(command, Redirected):
        target = "" if command.path is None else " " + shlex.quote(command.path)
        return f"{_group(render(command.command))} {command.operator}{target}"
    if isinstance(command, InDir):
        return f"cd {shlex.quote(command.directory)} && {render(command.command)}"
    if isinstance(command, str):
        raise TypeError(f"a command is an argument list, not a string: {command!r}")
    return " ".join(_word(word) for word in command)


def _word(word: Word) -> str:
    if isinstance(word, Fragment):
        return word.text
    if isinstance(word, Substitute):
        return f'"$({render(word.command)})"'
    return shlex.quote(word)


def _joined(command: Joined) -> str:
    parts = [render(part) for part in command.commands]
    if command.operator == "||":
        return " || ".join(f"{{ {part}; }}" for part in parts)
    if command.operator == ";":
        return "; ".join(parts)
    return f" {command.operator} ".join(_group(part) for part in parts)


def _group(text: str) -> str:
    """``{ a && b; }`` where the text has operators, so what follows applies to all of it."""
    compound = any(op in text for op in ("&&", "||", "|", ";"))
    return f"{{ {text}; }}" if compound else text


def all_of(*commands: Command) -> Joined:
    """Run each in turn, stop at the first failure (``a && b``)."""
    return Joined("&&", commands)


def either(first: Command, fallback: Command) -> Joined:
    """``a || b``"""
    return Joined("||", (first, fallback))


def pipe(*commands: Command) -> Joined:
    return Joined("|", commands)


def each(*commands: Command) -> Joined:
    """Run each whatever the others did (``a; b``)."""
    return Joined(";", commands)


def in_dir(directory: str, command: Command) -> InDir:
    """``cd DIR && command``, the directory quoted."""
    return InDir(directory, command)


def to_file(command: Command, path: str) -> Redirected:
    """``command > path``, the path quoted."""
    return Redirected(command, ">", path)


def append_to(command: Command, path: str) -> Redirected:
    """``command >> path``, the path quoted."""
    return Redirected(command, ">>", path)


def quiet(command: Command) -> Redirected:
    """Discard stderr: ``command 2>/dev/null``."""
    return Redirected(command, "2>/dev/null")


def to_stderr(command: Command) -> Redirected:
    """Send stdout to stderr: ``command >&2``."""
    return Redirected(command, ">&2")


def with_env_file(env_file: str | None, command: Command) -> Command:
    """``command`` with the KEY=VALUE lines of ``env_file`` (a path relative to deploy_to)
    exported: sourced by the host's shell, so that no value is ever in argv or in output.

    The file is named from the release folder the command runs in (``releases/<name>``, a
    preview under ``.deploy/``, or ``current``, which the kernel resolves to its release), so
    ``../../`` is deploy_to on every host, whatever its own deploy_to is."""
    if env_file is None:
        return command
    return all_of(["set", "-a"], [".", f"../../{env_file}"], ["set", "+a"], command)


def fragment(text: str, *args: str) -> list[Word]:
    """An inventory shell fragment (``manage``) followed by quoted arguments."""
    return [Fragment(text), *args]


def shell_with(variables: dict[str, str], text: str) -> list[Word]:
    """``env NAME=VALUE... sh -c TEXT``: an inventory shell command (a hook) with values in
    its environment; each assignment is one quoted word, never part of the command's text."""
    return ["env", *(f"{name}={value}" for name, value in variables.items()), "sh", "-c", text]


def script(name: str, *args: str) -> list[Word]:
    """``sh -c <scripts/NAME.sh> NAME ARGS...``: a shell program of ours, its values as $1..."""
    return ["sh", "-c", script_text(name), name, *args]


@cache
def script_text(name: str) -> str:
    return (SCRIPTS / f"{name}.sh").read_text(encoding="utf-8")


# What ``in_order`` prints on stderr, before the label of the command that failed.
FAILED_STEP = "@@schema-safety-failed-step"


def in_order(*steps: tuple[str, Command]) -> list[Word]:
    """Run ``(label, command)`` pairs in turn, each in a subshell, stopping at the first failure.

    Then the label goes to stderr after ``FAILED_STEP`` and the failed command's exit
    status is kept, so one round trip runs many steps and still says which one failed.
    A subshell each: a command that calls ``exit`` or ``set -e`` cannot end the others.
    """
    pairs = [word for label, command in steps for word in (label, render(command))]
    return script("in_order", FAILED_STEP, *pairs)


def failed_step(stderr: str) -> tuple[str | None, str]:
    """(label of the failed step, its last line of output) from an ``in_order`` run's stderr."""
    label, detail = None, ""
    for line in stderr.splitlines():
        if line.startswith(FAILED_STEP + " "):
            label = line[len(FAILED_STEP) + 1 :]
        elif line.strip():
            detail = line.strip()
    return label, detail
