"""A Compose release's commands as exact strings: manage.py in a one-off container of the
release's image, its build, going live, the image named and removed (deployment.remote.compose
and the builders that use it)."""

from __future__ import annotations

import shlex

from deployment.inventory.spec import Compose, Healthcheck, Manage
from deployment.layout import Layout
from deployment.releases import live, prune, worktree
from deployment.releases.worktree import Listing, Release
from deployment.remote import compose, django
from deployment.remote.commands import render, script_text

CMS = Compose("compose.yaml", "web", "cms")
SCRIPT = shlex.quote(script_text("compose"))
LAYOUT = Layout("/srv/cms")


def compose_sh(verb: str, *args: str) -> str:
    """``sh -c <compose.sh> compose compose.yaml cms web VERB ARGS``, as rendered."""
    words = ["compose.yaml", "cms", "web", verb, *args]
    return f"sh -c {SCRIPT} compose " + " ".join(shlex.quote(w) for w in words)


def test_manage_runs_in_a_one_off_container_with_the_backups_mounted():
    manage = Manage("python manage.py", "shared/.env", compose=CMS, backups="/srv/cms/backups")

    command = render(django.command("/srv/cms/releases/r1", manage, "migration_plan", "--json"))

    inner = compose_sh("manage", "/srv/cms/backups", "notty", "python manage.py")
    assert command == (
        "cd /srv/cms/releases/r1 && set -a && . ../../shared/.env && set +a && "
        f"{{ {inner} migration_plan --json; }}"
    )


def test_manage_on_a_terminal_asks_for_one():
    manage = Manage("python manage.py", compose=CMS, backups="/srv/cms/backups")

    command = render(django.command("/srv/cms/current", manage, "createsuperuser", tty=True))

    inner = compose_sh("manage", "/srv/cms/backups", "tty", "python manage.py")
    assert command == f"cd /srv/cms/current && {inner} createsuperuser"


def test_hostile_arguments_stay_arguments():
    manage = Manage("python manage.py", compose=CMS, backups="/srv/cms/backups")
    hostile = "--rm; touch pwned $(id)"

    command = render(django.command("/srv/cms/current", manage, "restore_database", hostile))

    assert command.endswith(" restore_database '--rm; touch pwned $(id)'")


def test_without_compose_manage_is_the_inventory_fragment_as_before():
    manage = Manage(".venv/bin/python manage.py")

    command = render(django.command("/srv/cms/current", manage, "verify_release"))

    assert command == "cd /srv/cms/current && .venv/bin/python manage.py verify_release"


def steps(command) -> dict[str, str]:
    """An ``in_order`` script's steps: label -> the command, rendered."""
    pairs = list(command[5:])
    return dict(zip(pairs[::2], pairs[1::2], strict=True))


def test_the_build_ends_with_the_images_and_names_the_service_image():
    release = Release("20261208101500-3f2a9c1", "3f2a9c1" + "0" * 33)

    found = steps(worktree.create_and_build(LAYOUT, release, (), ("make",), None, (), CMS))

    path = "/srv/cms/releases/20261208101500-3f2a9c1"
    assert list(found)[-3:] == ["build `make`", "docker compose build", "the release's image"]
    assert found["docker compose build"] == f"cd {path} && {compose_sh('compose', 'build')}"
    assert found["the release's image"] == f"cd {path} && {compose_sh('image')}"


def test_going_live_puts_the_release_up_after_the_switch_and_before_the_restarts():
    check = Healthcheck("http://127.0.0.1:8000/healthz", 45)

    found = steps(live.script(LAYOUT, "r2", ("./notify.sh",), check, "shared/.env", CMS))

    assert list(found) == [
        "switching",
        "docker compose up",
        "restart `./notify.sh`",
        "health check",
    ]
    assert found["docker compose up"] == (
        "cd /srv/cms/current && set -a && . ../../shared/.env && set +a && "
        f"{{ {compose_sh('up', '45')}; }}"
    )
    assert found["restart `./notify.sh`"] == (
        "cd /srv/cms/current && set -a && . ../../shared/.env && set +a && ./notify.sh"
    )


def test_up_waits_the_default_without_a_health_check():
    assert render(compose.up(CMS, None)) == compose_sh("up", str(compose.DEFAULT_WAIT))


def test_pruning_a_release_removes_its_image_only():
    listing = Listing(("r1", "r2", "r3", "r4"), "r4")

    commands = []
    host = type("Recorder", (), {"run": lambda self, c: commands.append(render(c))})()
    prune.tidy(host, LAYOUT, listing, 2, {"r3"}, compose=CMS)

    (command,) = commands
    assert f"cd /srv/cms/releases/r1 && {compose_sh('remove')}" in command
    assert "/srv/cms/releases/r2" in command
    assert "releases/r3" not in command and "releases/r4" not in command


def test_the_image_line_is_read_back():
    output = "Building web\ncms-web:r1 sha256:" + "a" * 64 + "\n"

    assert compose.parse_image(output) == ("cms-web:r1", "sha256:" + "a" * 64)
    assert compose.parse_image("Error: No such image: cms-web:r1\n") is None
