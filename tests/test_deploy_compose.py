"""Docker Compose deploys end to end: one image per release, built on the host, migrated from a
one-off container of the new image, rolled back to the old image.

One host behind a real sshd whose sessions reach a real dockerd (tests/servers/dockerd.py),
PostgreSQL on the host's network, and a git origin laid out as the example project's build
context (examples/cms/Dockerfile and compose.yaml). The tests run in order, each from the
state the previous one left, as a team's week of deploys would.
"""

from __future__ import annotations

import http.client
import json
import shutil

import pytest
from deploying import ADD_HOMEPAGE, HOMEPAGE, add_field, add_migration, columns, events, live
from fleet import Fleet, Origin, git
from servers.base import free_port
from servers.images import CMS_SOURCES, REPOSITORY, SKIPPED

PROJECT = "cmsprod"
SHORT_NAMES = (
    "        migrations.AddConstraint('resource', models.CheckConstraint("
    "condition=models.Q(name__regex='^.{0,3}$'), name='resource_name_short')),"
)


class BuildContext(Origin):
    """The team's repository as a Compose project keeps it: schema_safety/ and examples/cms/
    (with its Dockerfile and compose.yaml) at the root; ``work`` is the Django project in it."""

    def __init__(self, folder):
        root = folder / "work-root"
        for source in CMS_SOURCES:
            if (REPOSITORY / source).is_dir():
                shutil.copytree(REPOSITORY / source, root / source, ignore=SKIPPED)
            else:
                shutil.copyfile(REPOSITORY / source, root / source)
        (root / ".gitignore").write_text("wheels/\n.env\n__pycache__/\n")
        self.work = root / "examples" / "cms"
        self.bare = folder / "origin.git"
        git("init", "-q", "-b", "main", cwd=root)
        self.commit("the example project, as a Compose project")
        git("clone", "-q", "--bare", str(root), str(self.bare))


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, sshd_servers, docker_server, base_image, cms_wheels, postgres_server):
    folder = tmp_path_factory.mktemp("compose")
    host = sshd_servers.start("127.0.0.95", extra=(docker_server.sshd_setenv(),))
    port = free_port()
    postgres_server.drop_database("deploy_compose")
    postgres_server.create_database("deploy_compose")
    url = postgres_server.url("deploy_compose")
    keys = {
        "manage": "python manage.py",
        "compose": {"file": "examples/cms/compose.yaml", "service": "web", "project": PROJECT},
        "env_file": "shared/.env",
        "shared": ["examples/cms/.env"],
        "build": [f"cp -al {cms_wheels} wheels 2>/dev/null || cp -a {cms_wheels} wheels"],
        "healthcheck": {"url": f"http://127.0.0.1:{port}/healthz", "timeout": 60},
        "confirm": "none",
        "checks": {"admin_user": False},
    }
    fleet = Fleet(folder, BuildContext(folder), [host], url, **keys)
    fleet.trust()
    fleet.db, fleet.port, fleet.docker, fleet.keys = "deploy_compose", port, docker_server, keys
    shared = fleet.deploy_to[0] / "shared"
    (shared / "examples" / "cms").mkdir(parents=True)
    # For compose's interpolation (the host's shell reads it), then for the containers.
    (shared / ".env").write_text(f"CMS_PORT={port}\nBASE_IMAGE={base_image.name}\n")
    (shared / "examples" / "cms" / ".env").write_text(f"DATABASE_URL={url}\n")
    yield fleet
    containers = docker_server.run("ps", "-aq", "--filter", f"label={LABEL}={PROJECT}").stdout
    if containers.split():
        docker_server.run("rm", "-f", *containers.split(), check=False)


LABEL = "com.docker.compose.project"


def image(fleet, release: str) -> str | None:
    """The id of the web image of ``release``; None when there is none."""
    done = fleet.docker.run(
        "image", "inspect", "--format", "{{.Id}}", f"{PROJECT}-web:{release}", check=False
    )
    return done.stdout.strip() if done.returncode == 0 else None


def serving(fleet) -> tuple[str, str]:
    """(the image the running web container was made from, the release the site says)."""
    (container,) = fleet.docker.run(
        "ps", "-q", "--filter", f"label={LABEL}={PROJECT}"
    ).stdout.split()
    made_from = fleet.docker.run("inspect", "--format", "{{.Config.Image}}", container).stdout
    connection = http.client.HTTPConnection("127.0.0.1", fleet.port, timeout=10)
    try:
        connection.request("GET", "/version")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200, body[-2000:]
    return made_from.strip(), json.loads(body)["release"]


def applied(postgres_server, fleet) -> list[str]:
    query = "SELECT name FROM django_migrations WHERE app = 'content' ORDER BY name"
    return [name for (name,) in postgres_server.execute(fleet.db, query)]


def test_a_first_deploy_builds_the_release_image_migrates_with_it_and_serves_it(
    fleet, postgres_server
):
    done = fleet.fab("deploy", "--env=test", "--yes")

    assert done.returncode == 0, done.stderr
    (release,) = live(fleet)
    assert image(fleet, release) is not None
    assert serving(fleet) == (f"{PROJECT}-web:{release}", release)
    assert applied(postgres_server, fleet) == ["0001_initial", "0002_asset_description"]
    status = json.loads(fleet.fab("status", "--env=test", "--json").stdout)
    assert status["hosts"][0]["image"] == f"{PROJECT}-web:{release} {image(fleet, release)}"
    assert events(fleet)[-1]["image"] == status["hosts"][0]["image"]


def test_a_migration_that_only_the_new_image_holds_is_applied(fleet, postgres_server):
    """The new release's migration is removed from the host's release folder before migrate
    (a before_migrate hook): only the new image still has it, and it is applied."""
    first = live(fleet)[0]
    add_field(fleet.origin, HOMEPAGE)
    add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)
    migration = "examples/cms/content/migrations/0003_resource_homepage.py"
    fleet.write_inventory(**fleet.keys, hooks={"before_migrate": [f"rm {migration}"]})

    done = fleet.fab("deploy", "--env=test", "--yes")

    assert done.returncode == 0, done.stderr
    (second,) = live(fleet)
    release = fleet.deploy_to[0] / "releases" / second
    assert not (release / migration).exists()
    assert "homepage" in columns(postgres_server, fleet)
    assert events(fleet)[-1]["migrations"]["applied"] == ["content.0003_resource_homepage"]
    assert serving(fleet) == (f"{PROJECT}-web:{second}", second)
    assert image(fleet, first) is not None  # a kept release keeps its image
    git("checkout", "--", migration, cwd=release)
    fleet.write_inventory(**fleet.keys)


def test_a_failing_migration_is_undone_while_the_old_containers_serve(fleet, postgres_server):
    """The rehearsal has no rows, so the constraint fails only in production's migrate."""
    before, (old,) = serving(fleet), live(fleet)
    insert = "INSERT INTO resource (name, slug, created, is_active) VALUES (%s, 's', now(), true)"
    postgres_server.execute(fleet.db, insert, ["far too long a name"])
    add_migration(fleet.origin, "0004_resource_name_short", SHORT_NAMES)

    done = fleet.fab("deploy", "--env=test", "--yes")

    assert done.returncode == 1, done.stderr
    assert "failed at migrate" in done.stderr and "resource_name_short" in done.stderr
    assert live(fleet) == [old]
    assert serving(fleet) == before
    assert applied(postgres_server, fleet)[-1] == "0003_resource_homepage"
    last = events(fleet)[-1]
    assert (last["event"], last["outcome"]) == ("deploy", "rolled_back")
    assert image(fleet, last["release"]) is None  # the undone release's image went with it


def test_a_rollback_brings_the_previous_image_back_with_its_database_state(fleet, postgres_server):
    (newer,) = live(fleet)
    first = events(fleet)[0]["release"]

    done = fleet.fab("rollback", "--env=test", "--yes")

    assert done.returncode == 0, done.stderr
    assert live(fleet) == [first]
    assert serving(fleet) == (f"{PROJECT}-web:{first}", first)
    assert "homepage" not in columns(postgres_server, fleet)
    assert applied(postgres_server, fleet) == ["0001_initial", "0002_asset_description"]
    assert image(fleet, newer) is not None  # a deploy back to it needs no build


def test_the_containers_check_names_the_image_and_fails_on_a_stopped_service(fleet):
    code, report = fleet.predeploy()
    (host,) = report["hosts"]
    check = next(c for c in host["checks"] if c["name"] == "containers")
    (release,) = live(fleet)
    assert check["status"] == "pass", check
    assert f"image {PROJECT}-web:{release}" in check["detail"]

    (container,) = fleet.docker.run(
        "ps", "-q", "--filter", f"label={LABEL}={PROJECT}"
    ).stdout.split()
    fleet.docker.run("stop", container)
    code, report = fleet.predeploy()

    (host,) = report["hosts"]
    check = next(c for c in host["checks"] if c["name"] == "containers")
    assert code == 1
    assert check["status"] == "fail" and check["detail"].startswith("web exited"), check
