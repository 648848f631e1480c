"""What the pre-deploy checks ask each host, in one round trip (``remote.round_trip``)."""

from __future__ import annotations

from ..layout import Layout
from ..releases.git import END, git
from ..releases.mirror import remote_url
from ..remote import compose as compose_commands
from ..remote import django
from ..remote.commands import Substitute, either, in_dir, quiet
from ..remote.round_trip import Question


def shell_questions(layout: Layout, repository: str, branch: str, containers: bool, compose=None):
    """What every host answers from its shell (of a Compose release: its project's
    containers and the live release's image)."""
    current = layout.current
    head = git("-C", current, "rev-parse", "HEAD")
    questions = [
        Question("current", ["readlink", current]),
        Question("commit", head),
        Question("git_status", git("-C", current, "status", "--porcelain")),
        Question("branch", git("ls-remote", "--heads", END, repository, branch)),
        Question("remote", remote_url(layout)),
        Question(
            "on_branch",
            [
                *git("-C", layout.repo, "merge-base", "--is-ancestor", END),
                Substitute(head),
                f"refs/heads/{branch}",
            ],
        ),
        Question("disk", either(["df", "-P", "-B1", layout.deploy_to], ["df", "-P", "-B1", "/"])),
        Question("lock", quiet(["cat", layout.lock + "/info.json"])),
    ]
    if compose is not None:
        questions.append(Question("containers", in_dir(current, compose_commands.ps(compose))))
        questions.append(Question("image", in_dir(current, compose_commands.image(compose))))
    elif containers:
        compose_ps = either(
            ["docker", "compose", "ps", "--all", "--format", "json"],
            ["podman", "compose", "ps", "--format", "json"],
        )
        questions.append(Question("containers", in_dir(current, compose_ps)))
    return questions


def django_question(layout: Layout, manage) -> Question:
    """The primary's database-side answers: one Django process, one JSON document.

    ``manage`` comes from the inventory as a shell fragment (it may set variables),
    so it is used as written; nothing else is added to it but the subcommand (and, before
    it, the environment file).
    """
    return Question("django", django.command(layout.current, manage, "predeploy_report"), True)
