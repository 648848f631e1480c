"""One round trip per host: every shell-side pre-deploy question in a single script.

The script prints each answer between markers with its exit status, so a
failing part never hides the others. ``parse`` turns the output back into
``{name: Section}``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from .commands import either, in_dir, quiet, sh, substitute, words
from .layout import Layout

BEGIN = "@@schema-safety begin "
END = "@@schema-safety end "
_SECTION = re.compile(
    rf"^{re.escape(BEGIN)}(?P<name>\w+)@@\n(?P<body>.*?)"
    rf"^{re.escape(END)}(?P=name) (?P<code>\d+)@@$",
    re.S | re.M,
)


@dataclass(frozen=True)
class Section:
    name: str
    exit_code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def section(name: str, command: str) -> str:
    """Run ``command`` (stderr merged) between markers that carry its exit status."""
    return (
        f"printf '%s\\n' {shlex.quote(BEGIN + name + '@@')}; "
        f"{{ {command}; }} </dev/null 2>&1; "
        f"printf '%s %s@@\\n' {shlex.quote(END + name)} \"$?\""
    )


@dataclass(frozen=True)
class Question:
    name: str
    command: str


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
    return Question("django", in_dir(layout.current, words(manage, "predeploy_report")))


def script(questions) -> str:
    return "; ".join(section(q.name, q.command) for q in questions)


def parse(output: str) -> dict[str, Section]:
    return {
        m["name"]: Section(m["name"], int(m["code"]), m["body"]) for m in _SECTION.finditer(output)
    }
