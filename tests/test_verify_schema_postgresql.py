"""PostgreSQL specifics: search_path, catalog-only reads, and short lock timeouts."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from project import manage, problems


@pytest.fixture(scope="module")
def database(postgres_server):
    name = "pg_specifics"
    postgres_server.drop_database(name)
    postgres_server.create_database(name)
    postgres_server.execute(name, "CREATE SCHEMA cms")
    url = postgres_server.url(name) + "?options=" + quote("-c search_path=cms")
    migrated = manage(url, "migrate", "-v0")
    assert migrated.code == 0, migrated.stderr
    return postgres_server, name, url


def test_tables_outside_the_search_path_are_not_the_projects(database):
    server, name, url = database
    server.execute(name, "CREATE TABLE public.unrelated (id integer)")
    server.execute(name, "CREATE TABLE public.asset (id integer)")  # same name, other schema
    run = manage(url, "verify_schema", "--format", "json")
    assert run.json()["problems"] == [] and run.code == 0


def test_drift_in_the_search_path_schema_is_reported(database):
    server, name, url = database
    server.execute(name, "ALTER TABLE cms.content_tag ADD COLUMN note text")
    try:
        run = manage(url, "verify_schema", "--format", "json")
        assert ("extra_column", "content_tag", "note", "warning") in problems(run.json())
    finally:
        server.execute(name, "ALTER TABLE cms.content_tag DROP COLUMN note")


def test_no_user_table_is_read_but_the_critical_ones(database):
    """A role that may read nothing but the recorder and the critical tables still verifies."""
    server, name, url = database
    server.execute(
        name,
        "DROP ROLE IF EXISTS catalog_only; CREATE ROLE catalog_only LOGIN; "
        "GRANT USAGE ON SCHEMA cms TO catalog_only; "
        "GRANT SELECT ON cms.django_migrations, cms.asset, cms.resource TO catalog_only",
    )
    restricted = url.replace("postgres://postgres@", "postgres://catalog_only@")
    run = manage(restricted, "verify_schema", "--format", "json")
    assert run.code == 0, run.stderr
    assert run.json()["problems"] == []


def test_a_locked_table_makes_it_give_up_quickly_not_hang(database):
    server, name, url = database
    with server.connect(name) as holder:
        holder.autocommit = False
        holder.execute("LOCK TABLE cms.asset IN ACCESS EXCLUSIVE MODE")
        run = manage(url, "verify_schema", "--format", "json")
        holder.rollback()
    assert run.code == 2
    assert "lock timeout" in run.stderr and "Traceback" not in run.stderr
