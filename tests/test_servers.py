"""The throwaway database servers work: databases, raw SQL, URLs, templates, clean-up."""

import shutil
import socket
import tempfile
from pathlib import Path

import dj_database_url
import MySQLdb
import psycopg
import pytest
from servers import MariaDBServer, PostgresServer, ServerError


def test_postgres_runs_sql_in_a_new_database(postgres_server: PostgresServer) -> None:
    postgres_server.create_database("servers_pg_plain")

    assert postgres_server.execute("servers_pg_plain", "SELECT 1") == [(1,)]
    assert postgres_server.execute(None, "SHOW fsync") == [("off",)]
    assert postgres_server.execute(None, "SHOW listen_addresses") == [("127.0.0.1",)]


def test_postgres_url_reaches_the_database(postgres_server: PostgresServer) -> None:
    postgres_server.create_database("servers_pg_url")
    url = postgres_server.url("servers_pg_url")

    settings = dj_database_url.parse(url)

    assert url == f"postgres://postgres@127.0.0.1:{postgres_server.port}/servers_pg_url"
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"]
    ) as connection:
        assert connection.execute("SELECT current_database()").fetchone() == ("servers_pg_url",)


def test_postgres_copies_a_template(postgres_server: PostgresServer) -> None:
    postgres_server.create_database("servers_pg_template")
    postgres_server.execute(
        "servers_pg_template",
        "CREATE TABLE animal (name text); INSERT INTO animal VALUES ('okapi')",
    )
    with psycopg.connect(postgres_server.url("servers_pg_template")):
        postgres_server.create_database("servers_pg_copy", template="servers_pg_template")

    assert postgres_server.execute("servers_pg_copy", "SELECT name FROM animal") == [("okapi",)]


def test_postgres_drops_a_database_in_use(postgres_server: PostgresServer) -> None:
    postgres_server.create_database("servers_pg_busy")
    busy = psycopg.connect(postgres_server.url("servers_pg_busy"))

    postgres_server.drop_database("servers_pg_busy")

    names = postgres_server.execute(None, "SELECT datname FROM pg_database")
    assert ("servers_pg_busy",) not in names
    busy.close()


def test_mariadb_runs_sql_in_a_new_database(mysql_server: MariaDBServer) -> None:
    mysql_server.create_database("servers_my_plain")
    mysql_server.execute("servers_my_plain", "CREATE TABLE animal (name varchar(20))")
    mysql_server.execute("servers_my_plain", "INSERT INTO animal VALUES (%s)", ["okapi"])

    assert mysql_server.execute("servers_my_plain", "SELECT 1") == [(1,)]
    assert mysql_server.execute("servers_my_plain", "SELECT name FROM animal") == [("okapi",)]
    assert mysql_server.execute(None, "SELECT @@character_set_server") == [("utf8mb4",)]


def test_mariadb_url_reaches_the_database(mysql_server: MariaDBServer) -> None:
    mysql_server.create_database("servers_my_url")
    url = mysql_server.url("servers_my_url")

    settings = dj_database_url.parse(url)

    assert url == f"mysql://root@127.0.0.1:{mysql_server.port}/servers_my_url"
    assert settings["ENGINE"] == "django.db.backends.mysql"
    connection = MySQLdb.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], database="mysql"
    )
    cursor = connection.cursor()
    cursor.execute("SELECT DATABASE()")
    assert cursor.fetchone() == ("mysql",)
    connection.close()


def test_mariadb_refuses_templates(mysql_server: MariaDBServer) -> None:
    with pytest.raises(NotImplementedError, match="template"):
        mysql_server.create_database("servers_my_copy", template="servers_my_plain")


def test_mariadb_drops_a_database_in_use(mysql_server: MariaDBServer) -> None:
    mysql_server.create_database("servers_my_busy")
    mysql_server.execute("servers_my_busy", "CREATE TABLE animal (name varchar(20))")
    busy = MySQLdb.connect(
        host=mysql_server.host, port=mysql_server.port, user="root", database="servers_my_busy"
    )
    busy.cursor().execute("LOCK TABLES animal WRITE")

    mysql_server.drop_database("servers_my_busy")

    assert ("servers_my_busy",) not in mysql_server.execute(None, "SHOW DATABASES")
    busy.close()


@pytest.mark.parametrize("server_class", [PostgresServer, MariaDBServer])
def test_a_taken_port_fails_loudly_and_cleans_up(
    server_class: type[PostgresServer] | type[MariaDBServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A private temporary folder (other servers of this machine come and go meanwhile),
    # traversable by the unprivileged user PostgreSQL runs as.
    private = Path(tempfile.mkdtemp(prefix="schema-safety-test-"))
    private.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    try:
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", 0))
            squatter.listen()
            monkeypatch.setattr("servers.base.free_port", lambda: squatter.getsockname()[1])

            with pytest.raises(ServerError, match="exited"):
                server_class.start()

            assert list(private.iterdir()) == []
    finally:
        shutil.rmtree(private, ignore_errors=True)
