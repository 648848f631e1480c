"""deployment.remote.commands: the exact strings commands render to, hostile inputs included."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from deployment.remote.commands import (
    Fragment,
    all_of,
    either,
    failed_step,
    in_dir,
    in_order,
    pipe,
    quiet,
    render,
    to_file,
)


def sh(argv):
    """One argument list, rendered (as ``Host.run`` does)."""
    return render(argv)


def raw(text):
    """Shell text used as written, as an inventory fragment is."""
    return Fragment(text)


HOSTILE = [
    "; touch pwned",
    "$(touch pwned)",
    "`touch pwned`",
    "it's",
    'say "hi"',
    "two\nlines",
    "&& touch pwned || true",
    "* ~ $HOME ${HOME} \\",
    "",
    "-rf",
    "é ü",
]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["git", "status"], "git status"),
        (["echo", "a b"], "echo 'a b'"),
        (["printf", "%s", "; touch /tmp/pwned"], "printf %s '; touch /tmp/pwned'"),
        (["echo", "$(touch x)"], "echo '$(touch x)'"),
        (["echo", "`touch x`"], "echo '`touch x`'"),
        (["echo", "it's"], "echo 'it'\"'\"'s'"),
        (["echo", 'say "hi"'], "echo 'say \"hi\"'"),
        (["echo", "two\nlines"], "echo 'two\nlines'"),
        (["echo", ""], "echo ''"),
        (["echo", "*"], "echo '*'"),
        (["ls", "--", "-rf"], "ls -- -rf"),
    ],
)
def test_sh_quotes_every_word(argv: list[str], expected: str) -> None:
    assert sh(argv) == expected


@pytest.mark.parametrize("value", HOSTILE)
def test_sh_passes_hostile_values_to_bash_as_one_word(value: str, tmp_path: Path) -> None:
    command = render(in_dir(str(tmp_path), ["printf", "%s|", value, "end"]))

    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)

    assert result.stdout == f"{value}|end|"
    assert list(tmp_path.iterdir()) == []


def test_all_of_joins_with_and() -> None:
    assert render(all_of(["a"], ["b"], ["c"])) == "a && b && c"


def test_all_of_groups_compound_commands() -> None:
    assert render(all_of(raw("a | b"), raw("c || d"), ["e"])) == "{ a | b; } && { c || d; } && e"
    assert render(all_of(["echo", "a;b"], ["c"])) == "{ echo 'a;b'; } && c"


def test_either_groups_both_sides() -> None:
    assert render(either(all_of(["a"], ["b"]), ["c"])) == "{ a && b; } || { c; }"


def test_pipe() -> None:
    assert render(pipe(["a"], ["grep", "x y"], ["wc", "-l"])) == "a | grep 'x y' | wc -l"


@pytest.mark.parametrize(
    ("directory", "expected"),
    [
        ("/srv/cms", "cd /srv/cms && ls"),
        ("/srv/my app", "cd '/srv/my app' && ls"),
        ("$(touch pwned)", "cd '$(touch pwned)' && ls"),
        ("/srv/x; rm -rf /", "cd '/srv/x; rm -rf /' && ls"),
    ],
)
def test_in_dir_quotes_the_directory(directory: str, expected: str) -> None:
    assert render(in_dir(directory, ["ls"])) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/tmp/out", "date > /tmp/out"),
        ("/tmp/a b", "date > '/tmp/a b'"),
        ("x; touch pwned", "date > 'x; touch pwned'"),
    ],
)
def test_to_file_quotes_the_path(path: str, expected: str) -> None:
    assert render(to_file(["date"], path)) == expected


def test_quiet_discards_stderr() -> None:
    assert render(quiet(["ls", "missing dir"])) == "ls 'missing dir' 2>/dev/null"


def test_combinators_run_as_written(tmp_path: Path) -> None:
    out = tmp_path / "out file"
    command = all_of(
        in_dir(str(tmp_path), to_file(["printf", "%s", "$(not run)"], str(out))),
        either(quiet(["false"]), ["printf", "fallback"]),
    )

    result = subprocess.run(
        ["bash", "-c", render(command)], capture_output=True, text=True, check=True
    )

    assert result.stdout == "fallback"
    assert out.read_text() == "$(not run)"


def _bash(script, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", render(script)], cwd=cwd, capture_output=True, text=True)


def test_in_order_runs_every_step_and_succeeds(tmp_path: Path) -> None:
    script = in_order(("one", ["touch", "a"]), ("two", raw("touch b # a trailing comment")))
    done = _bash(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a").exists() and (tmp_path / "b").exists()
    assert failed_step(done.stderr) == (None, "")


def test_in_order_stops_at_the_first_failure_and_names_it(tmp_path: Path) -> None:
    script = in_order(
        ("creating", ["touch", "a"]),
        ("build `make`", raw("echo compiling; echo 'no rule to make' >&2; exit 3")),
        ("never", ["touch", "never"]),
    )
    done = _bash(script, tmp_path)
    assert done.returncode == 3
    assert not (tmp_path / "never").exists()
    assert failed_step(done.stderr) == ("build `make`", "no rule to make")


def test_a_step_that_exits_cannot_end_the_others(tmp_path: Path) -> None:
    done = _bash(in_order(("quits", raw("exit 0")), ("after", ["touch", "after"])), tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "after").exists()


def test_in_order_keeps_hostile_labels_as_text(tmp_path: Path) -> None:
    label = "build `$(touch pwned)`; touch pwned2 '\""
    done = _bash(in_order((label, ["false"])), tmp_path)
    assert failed_step(done.stderr)[0] == label
    assert not list(tmp_path.iterdir())
