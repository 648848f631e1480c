"""Run one management command in-process and count its SQL queries.

Runs inside a generated project (``DJANGO_SETTINGS_MODULE`` and ``DATABASE_URL`` set):

    python count_queries.py verify_schema --format json
    python count_queries.py sqldiff -a

Prints one JSON object: ``queries``, ``exit`` (0 unless the command exited), ``output`` (what
the command printed) and, for sqldiff, ``differences`` (each ``[app, model, type, args]``).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys

import django
from django.core.management import call_command
from django.db import connection

found: list[list] = []


def record_differences() -> None:
    """Keep sqldiff's findings: its own list of differences, before it prints them."""
    from django_extensions.management.commands import sqldiff

    original = sqldiff.SQLDiff.print_diff

    def print_diff(self, *args, **kwargs):
        for app, model, diffs in self.differences:
            found.extend([app, model, kind, [str(a) for a in args_]] for kind, args_ in diffs)
        return original(self, *args, **kwargs)

    sqldiff.SQLDiff.print_diff = print_diff


def main(argv: list[str]) -> None:
    django.setup()
    if argv[0] == "sqldiff":
        record_differences()
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    out, code = io.StringIO(), 0
    with connection.execute_wrapper(count), contextlib.redirect_stdout(out):
        try:
            call_command(*argv, stdout=out, stderr=sys.stderr)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    summary = {"queries": queries, "exit": code, "output": out.getvalue(), "differences": found}
    print(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1:])
