"""Where the commands shown in the docs run: a world is a shell, its environment and its files.

``World.run(shown)`` runs a command exactly as the doc shows it, through bash, from the
repository root (``python manage.py`` and ``git``: from ``world.project``), with this
virtualenv first on PATH, after the few substitutions a world declares: its own paths for the
doc's (``/tmp/schema-safety-demo``, ``inventory/known_hosts``) and values only known at run
time for the doc's placeholders (``BACKUP_ID``). ``play(shown)`` also checks a transcript's
exit code and lines; ``play_section`` does both for every command of a doc's section.
``DOCS_DUMP=FILE`` appends every command run, its exit code, time and output to FILE.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from docs_allowed import allowed
from docs_blocks import ROOT, Shown, shown
from docs_output import missing

from deployment.history import current_operator

BIN = Path(sys.executable).parent
COLUMNS = "1000"  # no line of the tool's output wraps; the docs show lines whole
OPERATOR = "alice@laptop"  # who the docs say runs the commands
Hook = Callable[[], object]


class World:
    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "SKIP_VERIFICATION"},
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "COLUMNS": COLUMNS,
            "NO_COLOR": "1",
            "PYTHONUNBUFFERED": "1",  # stdout and stderr interleave as on a terminal
            **env,
        }
        self.to_real: list[tuple[str, str]] = []  # (as the doc says, as here)
        self.to_doc: dict[str, str] = {current_operator(): OPERATOR}  # printed here -> shown
        self.values: dict[str, Callable[[], str]] = {}  # placeholder -> its value now
        self.rules: list[tuple[str, Callable[[str], str]]] = []  # (command prefix, rewrite)
        self.ran: set[str] = set()
        self.played: list[tuple[str, str]] = []  # the sections played through
        self.project: Path = ROOT  # where `python manage.py` and `git` run

    def command(self, text: str) -> str:
        for prefix, rewrite in self.rules:
            if text.startswith(prefix):
                text = rewrite(text)
        for shown_as, real in self.to_real:
            text = text.replace(shown_as, real)
        for name, value in self.values.items():
            if re.search(rf"\b{name}\b", text):
                text = re.sub(rf"\b{name}\b", value(), text)
        return text

    def run(self, item: Shown) -> str:
        """Run ``item``; it must exit with the code its transcript says (else 0)."""
        command = self.command(item.command)
        in_project = item.command.startswith(("python manage.py", "git "))
        prefix = re.match(r"(?:[A-Z_]+=\S+ )*", item.command).group(0)
        own = {word.split("=")[0] for word in prefix.split()}  # it sets these itself
        started = time.monotonic()
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.project if in_project else ROOT,
            env={k: v for k, v in self.env.items() if k not in own},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=180,
        )
        self.ran.add(item.command)
        if os.environ.get("DOCS_DUMP"):  # what it really printed, to write the docs from
            took = time.monotonic() - started
            with open(os.environ["DOCS_DUMP"], "a") as dump:
                dump.write(f"\n$ {item.command}  # exit {done.returncode}, {took:.1f} s\n")
                dump.write(done.stdout)
        assert done.returncode == item.code, (
            f"{item.where()}: `{item.command}` exited {done.returncode}, expected {item.code}"
            f"\n(ran: {command})\n{done.stdout}"
        )
        return done.stdout

    def play(self, item: Shown) -> str:
        """Run a transcript's command and check that its shown lines are in the output."""
        output = self.run(item)
        absent = missing(item.output, output, self.to_doc)
        assert not absent, (
            f"{item.where()}: `{item.command}` did not print, in this order:\n  "
            + "\n  ".join(absent)
            + f"\n--- it printed ---\n{output}"
        )
        return output

    def play_section(
        self, doc: str, section: str, before: dict[str, Hook] | None = None, after=None
    ) -> None:
        """Every command of a section, in order: transcripts played, other commands run
        unless an earlier section ran them (or they are allow-listed). ``before[command]``
        and ``after[command]`` run around that command's first occurrence."""
        before, after = dict(before or {}), dict(after or {})
        for item in shown(doc, section):
            if allowed(item.command):
                continue
            if item.command in before:
                before.pop(item.command)()
            if item.transcript:
                self.play(item)
            elif item.command not in self.ran:
                self.run(item)
            if item.command in after:
                after.pop(item.command)()
        unused = set(before) | set(after)
        assert not unused, f"{doc} ({section}) no longer shows {unused}"
        self.played.append((doc, section))
