"""Shared fixtures for the test suite."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servers import MariaDBServer, PostgresServer
from servers.sshd import SshdServer, SshdServers

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


# --- throwaway OpenSSH servers ---
# Real sshd processes on 127.0.0.x loopback addresses, stopped at the end of the session;
# see tests/servers/sshd.py. They need root: without it these tests are skipped.


@pytest.fixture(scope="session")
def sshd_servers() -> Iterator[SshdServers]:
    """A factory: ``sshd_servers.start(address="127.0.0.2", port=None) -> SshdServer``."""
    if os.geteuid() != 0:
        pytest.skip("the OpenSSH test servers need root (sshd privilege separation, root login)")
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
