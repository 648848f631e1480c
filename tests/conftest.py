"""Shared fixtures for the test suite."""

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import fabric
import pytest
from fault_report import fault_verdicts, pytest_configure, pytest_terminal_summary  # noqa: F401
from servers import MariaDBServer, PostgresServer
from servers.dockerd import DockerServer
from servers.images import CMS_REQUIREMENTS, BaseImage, import_base_image, wheelhouse
from servers.sshd import SshdServer, SshdServers

from deployment.hosts import Host, KnownHosts, connect
from deployment.inventory import ENV_VAR
from deployment.layout import Layout

# pytest-xdist gives its workers COLUMNS=80 and LINES=24; fab, run by the tests with a pipe for
# its output, would then wrap at 80 columns as it does for an operator who sets COLUMNS.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for variable in ("COLUMNS", "LINES"):
        os.environ.pop(variable, None)


# The fab and manage.py processes the tests start keep their bytecode, in a folder of its own
# (never beside the sources: the tests compare release folders before and after): where the
# environment says PYTHONDONTWRITEBYTECODE, each of those thousands of processes would
# compile the orchestrator from source again, about 0.2 s of CPU each.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault(
    "PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "schema-safety-pycache")
)


# --- an inventory folder ---


@pytest.fixture
def inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``inventory/`` folder, the working directory its parent (for short labels)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    directory = tmp_path / "inventory"
    directory.mkdir()
    return directory


# --- throwaway database servers ---
# Started on first use and stopped at the end of the session; see tests/servers/.


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A brand-new PostgreSQL cluster on 127.0.0.1 (user ``postgres``, trust auth)."""
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[MariaDBServer]:
    """A brand-new MariaDB server on 127.0.0.1 (user ``root``, empty password)."""
    server = MariaDBServer.start()
    try:
        yield server
    finally:
        server.stop()


# --- a throwaway Docker daemon ---
# A real dockerd (vfs storage, host networking only) with Compose v2 as its CLI plugin, stopped
# at the end of the session; see tests/servers/dockerd.py. It needs root and docker.io: when it
# cannot start, the tests that use it fail (they are never skipped).


@pytest.fixture(scope="session")
def docker_server() -> Iterator[DockerServer]:
    """A brand-new dockerd: ``env`` (DOCKER_HOST, DOCKER_CONFIG) reaches it from any docker CLI,
    ``run(*args, cwd=None, env=None, check=True)`` runs ``docker ARGS...`` against it."""
    server = DockerServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def base_image(docker_server: DockerServer) -> BaseImage:
    """The locally made base image in ``docker_server``: ``.name`` (``schema-safety-base:<suite>``,
    the Dockerfiles' default ``BASE_IMAGE``), ``.python``. The first run on a machine pays for
    debootstrap; later runs import the tarball cached in the system temp folder."""
    return import_base_image(docker_server)


@pytest.fixture(scope="session")
def cms_wheels(base_image: BaseImage) -> Path:
    """A wheelhouse of examples/cms/requirements.txt for the base image's Python (cached in the
    system temp folder): the ``wheels/`` of the example project's build context."""
    return wheelhouse(CMS_REQUIREMENTS, base_image)


# --- throwaway OpenSSH servers ---
# Real sshd processes on 127.0.0.x loopback addresses, stopped at the end of the session;
# see tests/servers/sshd.py. They need root: without it the suite fails, loudly, rather than
# passing with its SSH half skipped.


@pytest.fixture(scope="session")
def sshd_servers() -> Iterator[SshdServers]:
    """A factory: ``sshd_servers.start(address="127.0.0.2", port=None) -> SshdServer``."""
    if os.geteuid() != 0:
        pytest.fail(
            "the OpenSSH test servers need root (sshd privilege separation, root login): "
            "run the suite as root (make test in a container or VM), not as a user",
            pytrace=False,
        )
    servers = SshdServers.create()
    try:
        yield servers
    finally:
        servers.stop_all()


@pytest.fixture(scope="session")
def sshd_server(sshd_servers: SshdServers) -> SshdServer:
    """One shared server on 127.0.0.2, for tests that neither stop nor re-key it."""
    return sshd_servers.start("127.0.0.2")


@pytest.fixture(scope="session")
def known_hosts_file(sshd_servers: SshdServers) -> Callable[..., Path]:
    """``known_hosts_file(*servers, hashed=False) -> Path``: a known_hosts file for them."""
    return sshd_servers.known_hosts


# --- connections to those servers, for engine tests ---

Connect = Callable[[], Host]


def fabric_config(key: Path) -> fabric.Config:
    """Only ``key`` authenticates (no agent, no ~/.ssh keys), no ssh_config file."""
    connect_kwargs = {"key_filename": [str(key)], "allow_agent": False, "look_for_keys": False}
    return fabric.Config(runtime_ssh_path=os.devnull, overrides={"connect_kwargs": connect_kwargs})


@pytest.fixture
def opener(sshd_server, known_hosts_file) -> Iterator[Connect]:
    """``opener()``: a new connection to the test server as root; all closed afterwards."""
    known = KnownHosts([known_hosts_file(sshd_server)])
    config = fabric_config(sshd_server.client_key_path)
    opened: list[Host] = []

    def open_host() -> Host:
        host = connect(
            sshd_server.host, port=sshd_server.port, user="root", known_hosts=known, config=config
        )
        opened.append(host)
        return host

    yield open_host
    for host in opened:
        host.close()


@pytest.fixture
def host(opener: Connect) -> Host:
    return opener()


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(str(tmp_path / "srv"))


@pytest.fixture
def fleet(tmp_path: Path, sshd_server):
    """An environment ``test`` on the shared sshd host, no database work (modules may override)."""
    from fleet import Fleet, Origin

    fleet = Fleet(tmp_path, Origin(tmp_path), [sshd_server], "sqlite:///unused.sqlite3")
    fleet.trust()
    return fleet
