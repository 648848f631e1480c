"""Every `fab` command shown in the README and docs names a task and options that exist."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FAB = Path(sys.executable).with_name("fab")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CORE_WITH_VALUE = {"-H", "--hosts", "-i", "--identity", "-S", "--ssh-config"}


def shown_commands() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for block in re.findall(r"```\n(.*?)```", doc.read_text(), re.S):
            for line in block.splitlines():
                command = line.split(" #")[0].strip()
                if re.match(r"^([A-Z_]+=\S+ )*fab ", command):
                    found.append((doc.name, command))
    return found


def task_and_options(command: str) -> tuple[str, list[str]]:
    words = [w for w in shlex.split(command) if not re.fullmatch(r"[A-Z_]+=\S*", w)][1:]
    task, options, skip = None, [], False
    for word in words:
        if skip:
            skip = False
        elif word in CORE_WITH_VALUE:
            skip = True
        elif word.startswith("-"):
            if task is not None:
                options.append(word.split("=")[0])
        elif task is None:
            task = word
    return task, options


@cache
def help_text(task: str) -> str:
    done = subprocess.run([str(FAB), "-h", task], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"fab -h {task}: {done.stderr.strip()}"
    return done.stdout


def test_the_docs_show_fab_commands():
    assert len(shown_commands()) >= 20


@pytest.mark.parametrize(("doc", "command"), shown_commands())
def test_each_shown_command_names_a_real_task_and_real_options(doc, command):
    task, options = task_and_options(command)
    if task is None:  # `fab -l`
        return
    text = help_text(task)
    for option in options:
        assert re.search(rf"(^|[ ,]){re.escape(option)}(=|[ ,\n])", text, re.M), (
            f"{doc}: `{command}`: fab {task} has no option {option}"
        )
