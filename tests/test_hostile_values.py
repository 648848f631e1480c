"""Hostile values through every builder of a remote command, run by a real sshd's shell: each
value arrives as ONE argument of the program meant to get it, and nothing it says runs.

The programs are stand-ins that record their argv (NUL-separated) and do nothing else, put
first on PATH, so that a value like ``--upload-pack=touch pwned`` or ``$(touch pwned)``
would show up as a separate argument or a created file if quoting or ``--end-of-options``
failed. Values come from hypothesis: option-like, substitutions, quotes, newlines, unicode,
long. Generated inventories prove that a bad file is one line and exit 2, never a traceback.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deployment.checks import questions
from deployment.checks.promotion_gate import ls_remote
from deployment.layout import Layout
from deployment.releases import mirror, worktree
from deployment.releases.worktree import Release
from deployment.remote.commands import render

PROGRAMS = ("git", "rm", "ln", "mkdir", "mv", "readlink", "df", "cat", "tar", "ls")
PIECES = ["-", "--", "--upload-pack=touch pwned", "$(touch pwned)", "`touch pwned`", "'", '"']
PIECES += ["\n", ";", "&&", "|", "*", " ", "é", "\\", "-rf", "..", "/"]
HOSTILE = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",))),
    ),
    min_size=1,
    max_size=6,
).map("".join)
SLOW = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def recorded(tmp_path: Path):
    """Stand-ins for the programs, recording into ``log``; ``run(command)`` on the host."""
    stubs, log = tmp_path / "stubs", tmp_path / "calls"
    stubs.mkdir()
    recorder = stubs / "record"
    recorder.write_text(  # one file per call: its argv, NUL-separated
        "#!/bin/sh\n"
        f'printf \'%s\\0\' "${{0##*/}}" "$@" > "$(mktemp {shlex.quote(str(log))}/c.XXXXXX)"\n'
    )
    recorder.chmod(0o755)
    for name in PROGRAMS:
        (stubs / name).symlink_to(recorder)
    return stubs, log


def _calls(log: Path) -> list[list[str]]:
    return [call.read_bytes().decode().split("\0")[:-1] for call in log.iterdir()]


def _run(host, stubs: Path, log: Path, command, cwd: Path) -> list[list[str]]:
    shutil.rmtree(log, ignore_errors=True)
    log.mkdir()
    prefix = f"cd {shlex.quote(str(cwd))} && PATH={shlex.quote(str(stubs))}:$PATH && export PATH"
    host.run(f"{prefix} && {{ {render(command)}\n}}")
    return _calls(log)


def _one_argument(calls: list[list[str]], value: str, program: str = "git") -> None:
    made = [call for call in calls if call and call[0] == program]
    assert made, calls
    assert any(value in call[1:] for call in made), (value, made)


@pytest.mark.integration
@SLOW
@given(value=HOSTILE)
def test_repository_and_branch_reach_git_ls_remote_as_one_argument_each(
    value, host, recorded, tmp_path
):
    stubs, log = recorded
    found = questions.shell_questions(Layout("/srv/cms"), value, "main", False)
    branch = next(q for q in found if q.name == "branch").command
    calls = _run(host, stubs, log, branch, tmp_path)
    _one_argument(calls, value)
    (call,) = [call for call in calls if value in call[1:]]
    assert call[call.index(value) - 1] == "--end-of-options"
    calls = _run(host, stubs, log, ls_remote(value), tmp_path)
    _one_argument(calls, value)
    assert not list(tmp_path.glob("pwned*"))


@pytest.mark.integration
@SLOW
@given(value=HOSTILE)
def test_a_ref_and_a_repository_reach_the_mirror_as_one_argument(value, host, recorded, tmp_path):
    stubs, log = recorded
    layout = Layout("/srv/" + value.replace("\n", "n"))
    _one_argument(
        _run(host, stubs, log, mirror.resolve(layout, value), tmp_path), f"{value}^{{commit}}"
    )
    calls = _run(host, stubs, log, mirror.prepare(layout, value), tmp_path)
    assert any(call[-2:] == [value, layout.repo] or value in call for call in calls), calls
    assert not list(tmp_path.glob("pwned*"))


@pytest.mark.integration
@SLOW
@given(value=HOSTILE)
def test_release_names_and_paths_stay_whole(value, host, recorded, tmp_path):
    stubs, log = recorded
    layout = Layout("/srv/" + value.replace("\n", "n"))
    name = value.replace("/", "_")
    for command in (
        worktree.remove(layout, name),
        worktree.switch(layout, name),
        worktree.create(layout, Release(name, "a" * 40), (".env",)),
    ):
        calls = _run(host, stubs, log, command, tmp_path)
        assert any(layout.release(name) in call for call in calls), calls
    assert not list(tmp_path.glob("pwned*"))


@settings(max_examples=60, deadline=None)
@given(
    data=st.dictionaries(
        st.sampled_from(["hosts", "repository", "branch", "deploy_to", "manage", "port", "x"]),
        st.one_of(st.text(), st.integers(), st.lists(st.text()), st.none(), st.booleans()),
    )
)
def test_a_generated_inventory_is_loaded_or_refused_in_one_line(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("inventory")
    (folder / "staging.yml").write_text(yaml.safe_dump(data))
    program = (
        "import sys; from deployment.errors import InventoryError\n"
        "from deployment.inventory import load\n"
        "try:\n    load('staging', __import__('pathlib').Path(sys.argv[1]))\n"
        "except InventoryError as error:\n    print(error); sys.exit(2)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, str(folder)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in done.stderr, done.stderr
    if done.returncode:
        assert done.returncode == 2 and len(done.stdout.strip().splitlines()) == 1, done.stdout
