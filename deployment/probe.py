"""One round trip per host: every shell-side pre-deploy question in a single script.

The script prints each answer between markers with its exit status, so a
failing part never hides the others. ``parse`` turns the output back into
``{name: Section}``.
"""

from __future__ import annotations

import re
import secrets
import shlex
from dataclasses import dataclass

from .commands import either, in_dir, quiet, sh, substitute, words
from .layout import Layout

MARKER = "@@schema-safety"


def new_marker() -> str:
    """A marker no command output can guess, one per script."""
    return f"{MARKER}-{secrets.token_hex(6)}"


def _pattern(marker: str) -> re.Pattern:
    begin, end = re.escape(f"{marker} begin "), re.escape(f"{marker} end ")
    return re.compile(
        rf"^{begin}(?P<name>\w+)@@\n(?P<body>.*?)\n^{end}(?P=name) (?P<code>\d+)@@$", re.S | re.M
    )


@dataclass(frozen=True)
class Section:
    name: str
    exit_code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def section(name: str, command: str, marker: str = MARKER) -> str:
    """Run ``command`` (stderr merged) between markers that carry its exit status.

    A newline goes before the end marker, so output without a final newline still ends.
    """
    return (
        f"printf '%s\\n' {shlex.quote(f'{marker} begin {name}@@')}; "
        f"{{ {command}; }} </dev/null 2>&1; "
        f"printf '\\n%s %s@@\\n' {shlex.quote(f'{marker} end {name}')} \"$?\""
    )


@dataclass(frozen=True)
class Question:
    name: str
    command: str
    slow: bool = False  # started first, in the background (see ``script``)


def shell_questions(layout: Layout, repository: str, branch: str, containers: bool):
    """What every host answers from its shell."""
    current = layout.current
    questions = [
        Question("current", sh(["readlink", current])),
        Question("commit", sh(["git", "-C", current, "rev-parse", "HEAD"])),
        Question("git_status", sh(["git", "-C", current, "status", "--porcelain"])),
        Question("branch", sh(["git", "ls-remote", "--heads", repository, branch])),
        Question(
            "on_branch",
            words(
                sh(["git", "-C", layout.repo, "merge-base", "--is-ancestor"]),
                substitute(sh(["git", "-C", current, "rev-parse", "HEAD"])),
                shlex.quote(f"refs/heads/{branch}"),
            ),
        ),
        Question(
            "disk", either(sh(["df", "-P", "-B1", layout.deploy_to]), sh(["df", "-P", "-B1", "/"]))
        ),
        Question("lock", quiet(sh(["cat", layout.lock + "/info.json"]))),
    ]
    if containers:
        compose_ps = either(
            sh(["docker", "compose", "ps", "--all", "--format", "json"]),
            sh(["podman", "compose", "ps", "--format", "json"]),
        )
        questions.append(Question("containers", in_dir(current, compose_ps)))
    return questions


def django_question(layout: Layout, manage: str) -> Question:
    """The primary's database-side answers: one Django process, one JSON document.

    ``manage`` comes from the inventory as a shell fragment (it may set variables),
    so it is used as written; nothing else is added to it but the subcommand.
    """
    command = in_dir(layout.current, words(manage, "predeploy_report"))
    return Question("django", command, slow=True)


def script(questions, marker: str = MARKER) -> str:
    """Every question's section, in one script.

    The slow ones (a Django start-up) start first, in the background, their sections held
    in a temporary file and printed after the others': the quick questions (and the
    network wait of ``git ls-remote``) then cost no time of their own.
    """
    quick = "; ".join(section(q.name, q.command, marker) for q in questions if not q.slow)
    slow = "; ".join(section(q.name, q.command, marker) for q in questions if q.slow)
    if not slow:
        return quick
    return (
        f'__held=$(mktemp); {{ {slow}; }} > "$__held" 2>&1 & __slow=$!; '
        f'{quick or ":"}; wait "$__slow"; cat "$__held"; rm -f "$__held"'
    )


def ask(host, questions) -> dict[str, Section]:
    """Every question in one round trip to ``host``: ``{name: Section}`` of those answered."""
    marker = new_marker()
    return parse(host.run(script(questions, marker)).stdout, marker)


def parse(output: str, marker: str = MARKER) -> dict[str, Section]:
    found = _pattern(marker).finditer(output)
    return {m["name"]: Section(m["name"], int(m["code"]), m["body"]) for m in found}
