"""deployment.remote.round_trip and the pre-deploy questions: exact strings, and the script run
by a real shell and parsed back.

Running the generated script with ``bash -c`` / ``sh -c`` is the unit under test here: the
markers, the exit codes and the quoting only mean something to a real shell.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from deployment import checks
from deployment.checks import questions as probe
from deployment.layout import Layout
from deployment.remote import round_trip
from deployment.remote.commands import Fragment, render
from deployment.remote.round_trip import MARKER, Section, new_marker, parse


def Question(name, command, slow=False):  # noqa: N802 (reads as the class it builds)
    """A question whose command is shell text (as written), or a built command."""
    command = Fragment(command) if isinstance(command, str) else command
    return round_trip.Question(name, command, slow)


def script(questions, marker=MARKER) -> str:
    return render(round_trip.command(questions, marker))


SHELLS = [s for s in ("bash", "sh") if shutil.which(s)]
GIT = (  # every git command: only the transports the docs list
    "git -c protocol.allow=never -c protocol.file.allow=always -c protocol.https.allow=always "
    "-c protocol.ssh.allow=always"
)
HOSTILE_DIR = "a b 'q' \"dq\" $(touch X); touch X `touch X` && touch X"
HOSTILE_BRANCH = "x;touch X"
ODD_BRANCH = "feat;touch_X$(touch_X)"  # a valid ref name that a shell would misread


def run(command: str, shell: str = "bash", cwd: Path | None = None, env=None) -> str:
    done = subprocess.run(
        [shell, "-c", command],
        cwd=cwd,
        env=env,
        input="stdin must not be read\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr == "", "every section merges its stderr into stdout"
    return done.stdout


def ask(*pairs: tuple[str, str], shell: str = "bash") -> dict[str, Section]:
    return parse(run(script([Question(name, command) for name, command in pairs]), shell))


# --- exact strings ---


def test_markers_are_unguessable_per_script():
    first, second = new_marker(), new_marker()
    assert first.startswith(MARKER + "-") and first != second


def test_a_script_is_read_back_with_its_own_marker_only():
    marker = new_marker()
    output = run(script([Question("a", "echo hi")], marker), "bash")
    assert parse(output, marker) == {"a": Section("a", 0, "hi\n")}
    assert parse(output) == {}


def test_the_script_takes_each_question_as_arguments():
    questions = [Question("current", ["readlink", "/srv/a b"]), Question("slow", "true", True)]
    command = script(questions)
    assert command.startswith("sh -c ")
    assert command.endswith(
        " round_trip @@schema-safety current quick 'readlink '\"'\"'/srv/a b'\"'\"'' slow slow true"
    )


def test_shell_questions_exact_strings_with_hostile_values():
    questions = probe.shell_questions(Layout("/srv/my app"), "git@h:a/b.git", "x;touch X", True)
    assert {q.name: render(q.command) for q in questions} == {
        "current": "readlink '/srv/my app/current'",
        "commit": f"{GIT} -C '/srv/my app/current' rev-parse HEAD",
        "git_status": f"{GIT} -C '/srv/my app/current' status --porcelain",
        "branch": f"{GIT} ls-remote --heads --end-of-options git@h:a/b.git 'x;touch X'",
        "remote": f"{{ {GIT} -C '/srv/my app/repo' config --get remote.origin.url 2>/dev/null; }}"
        " || { true; }",
        "on_branch": f"{GIT} -C '/srv/my app/repo' merge-base --is-ancestor --end-of-options "
        f"\"$({GIT} -C '/srv/my app/current' rev-parse HEAD)\" 'refs/heads/x;touch X'",
        "disk": "{ df -P -B1 '/srv/my app'; } || { df -P -B1 /; }",
        "lock": "cat '/srv/my app/.deploy/lock/info.json' 2>/dev/null",
        "containers": "cd '/srv/my app/current' && "
        "{ docker compose ps --all --format json; } || { podman compose ps --format json; }",
    }


def test_shell_questions_quote_a_hostile_repository():
    questions = probe.shell_questions(Layout("/srv"), "/r/$(touch X);x", "main", False)
    branch = next(q for q in questions if q.name == "branch")
    assert render(branch.command) == (
        f"{GIT} ls-remote --heads --end-of-options '/r/$(touch X);x' main"
    )


def test_containers_are_asked_only_when_configured():
    without = probe.shell_questions(Layout("/srv"), "r", "main", False)
    with_ = probe.shell_questions(Layout("/srv"), "r", "main", True)
    names = ["current", "commit", "git_status", "branch", "remote", "on_branch", "disk", "lock"]
    assert [q.name for q in without] == names
    assert [q.name for q in with_] == [*names, "containers"]


def test_django_question_uses_manage_as_written_in_the_current_release():
    question = probe.django_question(Layout("/srv/my app"), "env A=1 .venv/bin/python manage.py")
    assert question.name == "django" and question.slow
    assert render(question.command) == (
        "cd '/srv/my app/current' && env A=1 .venv/bin/python manage.py predeploy_report"
    )


@pytest.mark.parametrize("shell", SHELLS)
def test_a_slow_question_runs_beside_the_quick_ones_and_its_section_comes_last(shell, tmp_path):
    """The quick question waits for a file that only the slow one writes: in sequence, it
    would never see it; beside it, it does. The slow one's output stays in its section."""
    flag = tmp_path / "slow-started"
    wait_for_flag = f"i=0; until [ -e {flag} ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done"
    wait_for_flag += f"; [ -e {flag} ]"
    questions = [
        Question("django", f"touch {flag}; echo '{{\"ok\": true}}'; echo warn >&2; false", True),
        Question("quick", wait_for_flag),
    ]
    held = tmp_path / "tmp"
    held.mkdir()
    env = {"PATH": os.environ["PATH"], "TMPDIR": str(held)}
    output = run(script(questions), shell, env=env)
    sections = parse(output)
    assert sections["quick"].ok, "the quick question ran while the slow one did"
    assert sections["django"] == Section("django", 1, '{"ok": true}\nwarn\n')
    assert output.index("begin quick") < output.index("begin django")
    assert not list(held.iterdir()), "the file holding the slow section is removed"


# --- parse, without a shell ---


def test_parse_nothing():
    assert parse("") == {}


def test_parse_ignores_text_around_sections_and_drops_an_unfinished_one():
    output = (
        "Welcome to web1 (motd)\n"
        "@@schema-safety begin a@@\nhello\n\n@@schema-safety end a 0@@\n"
        "noise\n"
        "@@schema-safety begin b@@\npartial output, connection lost\n"
    )
    assert parse(output) == {"a": Section("a", 0, "hello\n")}


def test_section_ok_is_exit_code_zero():
    assert Section("a", 0, "").ok
    assert not Section("a", 1, "").ok
    assert not Section("a", 127, "").ok


# --- round trip through a real shell ---


@pytest.mark.parametrize("shell", SHELLS)
def test_exit_codes_are_kept(shell: str):
    sections = ask(
        ("ok", "true"),
        ("failed", "echo before; false"),
        ("missing", "no-such-command-schema-safety"),
        ("three", "sh -c 'exit 3'"),
        shell=shell,
    )
    assert sections["ok"] == Section("ok", 0, "")
    assert sections["failed"] == Section("failed", 1, "before\n")
    assert sections["missing"].exit_code == 127
    assert "no-such-command-schema-safety" in sections["missing"].output
    assert sections["three"] == Section("three", 3, "")


@pytest.mark.parametrize("shell", SHELLS)
def test_a_failing_section_does_not_stop_the_next(shell: str):
    sections = ask(
        ("first", "false"),
        ("second", "no-such-command-schema-safety"),
        ("third", "echo still here"),
        shell=shell,
    )
    assert list(sections) == ["first", "second", "third"]
    assert sections["third"] == Section("third", 0, "still here\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_multi_line_output_is_kept_verbatim(shell: str):
    sections = ask(("lines", "printf '  a\\nb  \\n\\n\\tc\\n'"), ("next", "echo n"), shell=shell)
    assert sections["lines"].output == "  a\nb  \n\n\tc\n"
    assert sections["next"].output == "n\n"


@pytest.mark.parametrize("shell", SHELLS)
def test_stderr_is_merged_in_order(shell: str):
    sections = ask(("mixed", "echo out; echo err >&2; echo out2; (exit 5)"), shell=shell)
    assert sections["mixed"] == Section("mixed", 5, "out\nerr\nout2\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_stdin_is_not_read(shell: str):
    assert ask(("reads", "cat"), shell=shell)["reads"] == Section("reads", 0, "")


@pytest.mark.parametrize("shell", SHELLS)
def test_marker_like_output_does_not_confuse_parsing(shell: str):
    lookalikes = [
        "@@schema-safety begin other@@",
        "@@schema-safety end other 0@@",
        "@@schema-safety end tricky@@",
        "@@schema-safety end tricky x@@",
        "say @@schema-safety end tricky 0@@",
        "@@schema-safety begin tricky@@",
    ]
    printed = "".join(line + "\n" for line in lookalikes)
    command = "printf '%s\\n' " + " ".join(f"'{line}'" for line in lookalikes) + "; false"
    sections = ask(("tricky", command), ("other", "echo real"), shell=shell)
    assert sections["tricky"] == Section("tricky", 1, printed)
    assert sections["other"] == Section("other", 0, "real\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_output_without_a_final_newline(shell: str):
    sections = ask(("bare", "printf abc"), ("next", "echo n"), shell=shell)
    assert sections["bare"] == Section("bare", 0, "abc")


# --- the real questions against a hostile layout ---


def _git(*args: str, cwd: Path | None = None) -> str:
    env = os.environ | {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _repository(path: Path, *branches: str) -> dict[str, str]:
    """A bare repository with one commit per branch; returns {branch: sha}."""
    source = path.parent / (path.name + "-src")
    _git("init", "-q", "-b", "base", str(source))
    _git("commit", "-q", "--allow-empty", "-m", "base", cwd=source)
    tips = {}
    for name in branches:
        _git("checkout", "-q", "-b", name, "base", cwd=source)
        (source / "app.py").write_text(name)
        _git("add", "app.py", cwd=source)
        _git("commit", "-q", "-m", name, cwd=source)
        tips[name] = _git("rev-parse", "HEAD", cwd=source)
    _git("clone", "-q", "--bare", str(source), str(path))
    return tips


@pytest.fixture
def hostile(tmp_path: Path):
    """A deployed layout under a hostile deploy_to, and a clean cwd."""
    deploy_to = tmp_path / HOSTILE_DIR
    deploy_to.mkdir()
    tips = _repository(deploy_to / "repo", "main", ODD_BRANCH)
    release = deploy_to / "releases" / "20240101-0000-abc1234 $(touch X)"
    _git("-C", str(deploy_to / "repo"), "worktree", "add", "-q", "--detach", str(release), "main")
    (deploy_to / "current").symlink_to(Path("releases") / release.name)
    (release / "app.py").write_text("edited on the host")
    (release / "new file; touch X").write_text("")
    (deploy_to / ".deploy" / "lock").mkdir(parents=True)
    info = {"task": "deploy", "operator": "alice@laptop", "time": "2024-05-02T12:00:00Z"}
    (deploy_to / ".deploy" / "lock" / "info.json").write_text(json.dumps(info) + "\n")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = os.environ | {"LC_ALL": "C"}
    return tmp_path, deploy_to, release, tips, cwd, env


def _no_marker_file(root: Path) -> None:
    assert list(root.rglob("X")) == []
    assert not Path("X").exists()


@pytest.mark.parametrize("shell", SHELLS)
def test_hostile_deploy_to_and_branch_are_passed_literally(hostile, shell: str):
    root, deploy_to, release, tips, cwd, env = hostile
    questions = probe.shell_questions(
        Layout(str(deploy_to)), str(deploy_to / "repo"), ODD_BRANCH, True
    )
    questions.append(probe.django_question(Layout(str(deploy_to)), "pwd; echo"))
    sections = parse(run(script(questions), shell, cwd=cwd, env=env))

    _no_marker_file(root)
    assert sections["current"] == Section("current", 0, f"releases/{release.name}\n")
    assert sections["commit"] == Section("commit", 0, tips["main"] + "\n")
    assert sections["git_status"].ok
    assert "app.py" in sections["git_status"].output
    assert "new file; touch X" in sections["git_status"].output
    assert sections["branch"] == Section(
        "branch", 0, f"{tips[ODD_BRANCH]}\trefs/heads/{ODD_BRANCH}\n"
    )
    assert sections["on_branch"].exit_code == 1, "main's commit is not on the other branch"
    assert sections["disk"].ok
    assert json.loads(sections["lock"].output)["operator"] == "alice@laptop"
    # Compose runs in the live release's folder (no daemon answers here; the Compose
    # deploy tests read a real one).
    (containers,) = [q for q in questions if q.name == "containers"]
    assert render(containers.command) == (
        f"cd {shlex.quote(str(deploy_to / 'current'))} && "
        "{ docker compose ps --all --format json; } || { podman compose ps --format json; }"
    )
    assert sections["django"] == Section("django", 0, f"{deploy_to}/current\npredeploy_report\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_hostile_layout_evaluated(hostile, shell: str):
    root, deploy_to, release, tips, cwd, env = hostile
    layout = Layout(str(deploy_to))
    questions = probe.shell_questions(layout, str(deploy_to / "repo"), "main", True)
    sections = parse(run(script(questions), shell, cwd=cwd, env=env))
    facts = checks.Facts(
        sections=sections,
        branch="main",
        repository=sections["remote"].output.strip(),  # the mirror follows the inventory
        containers=("web",),
        primary=False,
        primary_name="web1",
    )
    found = {c.name: (c.status, c.detail) for c in checks.evaluate(facts)}

    _no_marker_file(root)
    assert found["git_status"][0] == "fail"
    assert "app.py" in found["git_status"][1]
    assert found["branch"] == ("pass", f"main at {tips['main'][:7]}")
    assert found["containers"][0] == "fail"  # no daemon answers compose ps here
    assert found["disk_space"][0] == "pass"
    assert found["lock"][0] == "fail"
    assert "deploy by alice@laptop since 2024-05-02T12:00:00Z" in found["lock"][1]


@pytest.mark.parametrize("shell", SHELLS)
def test_a_branch_that_is_a_command_is_looked_up_not_run(hostile, shell: str):
    root, deploy_to, _, _, cwd, env = hostile
    questions = probe.shell_questions(
        Layout(str(deploy_to)), str(deploy_to / "repo"), HOSTILE_BRANCH, False
    )
    sections = parse(run(script(questions), shell, cwd=cwd, env=env))

    _no_marker_file(root)
    assert sections["branch"] == Section("branch", 0, "")
    assert sections["on_branch"].exit_code != 0
    facts = checks.Facts(sections, HOSTILE_BRANCH, "mirror", (), False, "web1")
    assert checks.branch(facts) == checks.Check(
        "branch", "fail", "branch x;touch X does not exist on mirror"
    )


@pytest.mark.parametrize("shell", SHELLS)
def test_nothing_deployed_under_a_hostile_path(tmp_path: Path, shell: str):
    deploy_to = tmp_path / HOSTILE_DIR
    _repository(tmp_path / "mirror", "main")
    questions = probe.shell_questions(
        Layout(str(deploy_to)), str(tmp_path / "mirror"), "main", True
    )
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    sections = parse(run(script(questions), shell, cwd=cwd))

    _no_marker_file(tmp_path)
    assert sections["current"].exit_code == 1
    assert sections["disk"].ok, "falls back to df /"
    assert sections["lock"] == Section("lock", 1, "")
    facts = checks.Facts(sections, "main", "mirror", ("web",), True, "web1")
    found = {c.name: (c.status, c.detail) for c in checks.evaluate(facts)}
    for name in ("git_status", "containers", "schema", "migrations", "admin_user"):
        assert found[name] == ("skip", "nothing deployed yet")
    assert found["branch"][0] == "pass"
    assert found["lock"] == ("pass", "no deploy in progress")


def test_a_held_lock_written_without_a_newline_fails(hostile):
    _, deploy_to, _, _, cwd, env = hostile
    info = {"task": "migrate", "operator": "bob", "time": "2024-05-02T12:00:00Z"}
    (deploy_to / ".deploy" / "lock" / "info.json").write_text(json.dumps(info))
    questions = probe.shell_questions(
        Layout(str(deploy_to)), str(deploy_to / "repo"), "main", False
    )
    sections = parse(run(script(questions), cwd=cwd, env=env))
    facts = checks.Facts(sections, "main", "mirror", (), False, "web1")
    assert checks.lock(facts).status == "fail"


# --- git ls-remote matches patterns on the tail of a ref name ---


def _branch_check(tmp_path: Path, branch: str) -> checks.Check:
    layout = Layout(str(tmp_path / "nothing-here"))
    questions = probe.shell_questions(layout, str(tmp_path / "mirror"), branch, False)
    sections = parse(run(script(questions), cwd=tmp_path))
    return checks.branch(checks.Facts(sections, branch, "mirror", (), False, "web1"))


def test_branch_tip(tmp_path: Path):
    tips = _repository(tmp_path / "mirror", "main", "develop")
    assert _branch_check(tmp_path, "main") == checks.Check(
        "branch", "pass", f"main at {tips['main'][:7]}"
    )


def test_a_branch_ending_in_the_name_is_not_the_branch(tmp_path: Path):
    _repository(tmp_path / "mirror", "feature/main")
    assert _branch_check(tmp_path, "main").status == "fail"


def test_the_tip_is_the_branch_itself_not_one_ending_in_its_name(tmp_path: Path):
    tips = _repository(tmp_path / "mirror", "main", "feature/main")
    assert _branch_check(tmp_path, "main").detail == f"main at {tips['main'][:7]}"
