"""Shared fixtures for the test suite."""

from collections.abc import Iterator

import pytest
from servers import MariaDBServer, PostgresServer

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
