"""deployment/remote/scripts: the shell programs the engine runs on hosts, each passed to
``sh -c`` with its values as arguments. POSIX sh, shellcheck-clean; run by their users' tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deployment.remote.commands import SCRIPTS, render, script

ALL = sorted(SCRIPTS.glob("*.sh"))
SHELLCHECK = Path(sys.executable).parent / "shellcheck"  # from requirements.txt


def test_there_are_scripts():
    assert {path.stem for path in ALL} >= {"in_order", "round_trip", "healthcheck", "releases"}


@pytest.mark.parametrize("path", ALL, ids=lambda path: path.name)
def test_each_script_parses_and_passes_shellcheck(path: Path):
    assert subprocess.run(["sh", "-n", str(path)]).returncode == 0
    done = subprocess.run(
        [str(SHELLCHECK), "--shell=sh", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout


def test_a_script_gets_its_values_as_arguments_never_as_text(tmp_path: Path):
    hostile = "$(touch pwned); `touch pwned` 'q' \"dq\""
    folder = tmp_path / hostile
    folder.mkdir()
    (folder / "a.json").write_text('{"id": "a"}')
    command = render(script("documents", str(folder), "@@m"))
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == '\n@@m a.json\n{"id": "a"}'
    assert sorted(p.name for p in tmp_path.iterdir()) == [hostile]
