"""Make one drift behind Django's back, read verify_schema's report, put the drift back."""

from __future__ import annotations

from contextlib import contextmanager

from . import manage


@contextmanager
def drifted(database, *statements: str, undo: tuple[str, ...] = ()):
    """verify_schema's report on ``database`` (server, name, url) with ``statements`` applied."""
    server, name, url = database
    for statement in statements:
        server.execute(name, statement)
    try:
        run = manage(url, "verify_schema", "--format", "json")
        assert run.code in (0, 1), run.stderr
        yield run.json()
    finally:
        for statement in undo:
            server.execute(name, statement)


def only(report: dict, kind: str) -> dict:
    """The one problem of the report, which must be of ``kind``."""
    found = report["problems"]
    assert [p["kind"] for p in found] == [kind], found
    return found[0]
