"""The catalog is read in a constant number of queries, however many tables and models."""

from __future__ import annotations

import pytest
from project import manage

COUNT_QUERIES = """
from django.core.management import call_command
from django.db import connection
count = [0]
def counter(execute, sql, params, many, context):
    count[0] += 1
    return execute(sql, params, many, context)
with connection.execute_wrapper(counter):
    try:
        call_command("verify_schema", *{args!r}, format="json", stdout=open("/dev/null", "w"))
    except SystemExit:
        pass
print(count[0])
"""


def _queries(url: str, *args: str) -> int:
    run = manage(url, "shell", "-v0", "-c", COUNT_QUERIES.format(args=list(args)))
    assert run.code == 0, run.stderr
    return int(run.stdout.strip())


def _more_tables(vendor: str, count: int) -> list[str]:
    statements = []
    for n in range(count):
        statements += [
            f"CREATE TABLE extra_{n} (id integer PRIMARY KEY, parent_id integer "
            f"REFERENCES resource (id), code varchar(10) UNIQUE, qty integer CHECK (qty >= 0))",
            f"CREATE INDEX extra_{n}_qty ON extra_{n} (qty)",
        ]
    if vendor == "mysql":  # resource.id is a bigint there and the FK must match it
        statements = [s.replace("parent_id integer", "parent_id bigint") for s in statements]
    return statements


@pytest.mark.parametrize("vendor", ["postgresql", "mysql"])
def test_query_count_does_not_grow_with_tables_or_models(vendor, request):
    server = request.getfixturevalue(
        "postgres_server" if vendor == "postgresql" else "mysql_server"
    )
    name = f"queries_{vendor}"
    server.drop_database(name)
    server.create_database(name)
    url = server.url(name)
    assert manage(url, "migrate", "-v0").code == 0

    one_app = _queries(url, "--app", "content")
    two_apps = _queries(url, "--app", "content", "--app", "zoo")
    statements = _more_tables(vendor, 40)
    for statement in statements[:2]:
        server.execute(name, statement)
    one_extra_table = _queries(url)  # a problem now: the migration history is read too
    for statement in statements[2:]:
        server.execute(name, statement)
    forty_extra_tables = _queries(url)

    assert one_app == two_apps
    assert one_extra_table == forty_extra_tables
    assert forty_extra_tables <= 16
