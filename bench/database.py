"""The benchmark's databases on a throwaway PostgreSQL server: build, and fingerprint."""

from __future__ import annotations

import time

from genproject import Project

# Everything a schema check looks at, in a form two databases can be compared by.
FINGERPRINT = """
SELECT 'column', c.relname || '.' || a.attname,
       format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
  AND NOT a.attisdropped
UNION ALL
SELECT 'constraint', c.relname || '.' || con.conname, pg_get_constraintdef(con.oid)
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
WHERE c.relnamespace = 'public'::regnamespace
UNION ALL
SELECT 'index', tablename || '.' || indexname, indexdef
FROM pg_indexes WHERE schemaname = 'public'
ORDER BY 1, 2, 3
"""


def build(server, project: Project, name: str, *, migrate: bool = False) -> tuple[str, float]:
    """Create database ``name`` with the project's schema; return its URL and the seconds taken.

    ``migrate=True`` runs ``manage.py migrate``; otherwise ``build_schema.py`` (same DDL, fast).
    """
    started = time.perf_counter()
    server.create_database(name)
    url = server.url(name)
    args = ["manage.py", "migrate", "--no-input", "-v0"] if migrate else ["build_schema.py"]
    done = project.run(args, url)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return url, time.perf_counter() - started


def fingerprint(server, name: str) -> list[tuple]:
    """Every column, constraint and index of database ``name``, sorted."""
    return server.execute(name, FINGERPRINT)
