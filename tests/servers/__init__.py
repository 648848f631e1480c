"""Throwaway PostgreSQL and MariaDB servers for the test suite.

Each server is brand new: its own data directory in a temporary folder, its own free port on
127.0.0.1, tuned for speed rather than durability, and removed again by ``stop()``. Nothing
depends on a database service the machine may or may not run.

    server = PostgresServer.start()
    server.create_database("shop")
    server.execute("shop", "SELECT 1")   # -> [(1,)]
    server.url("shop")                   # -> "postgres://postgres@127.0.0.1:PORT/shop"
    server.stop()
"""

from .base import Server, ServerError
from .mariadb import MariaDBServer
from .postgres import PostgresServer

__all__ = ["MariaDBServer", "PostgresServer", "Server", "ServerError"]
