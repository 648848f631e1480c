"""PostgreSQL backups: ``pg_dump --format=custom``, checked with ``pg_restore --list``.

The password reaches the programs through PGPASSWORD in their environment (the variables
Django's own ``dbshell`` sets: PGPASSWORD, PGSSLMODE, PGSERVICE, ...), never through argv.
"""

from __future__ import annotations

from pathlib import Path

from .errors import secrets_of
from .programs import find_program, pipe, run

FORMAT = "pg_dump-custom"

# A clean restore drops and recreates what the dump holds, but tables made after the backup
# (a newer release's models) would survive it: they break the next migrate, and their foreign
# keys block dropping the tables they reference. So every table and view we own, except an
# extension's own, is dropped first, in the same transaction as the restore (psql opens it with
# BEGIN; the script's own BEGIN is then a no-op, and its final COMMIT commits everything).
DROP_RELATIONS = """
DO $$
DECLARE target text;
BEGIN
  FOR target IN
    SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
                  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                 WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                  n.nspname, c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
      AND pg_has_role(c.relowner, 'USAGE')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE target;
  END LOOP;
END $$
"""


def dump(connection, path: Path) -> None:
    """``pg_dump --format=custom`` of the configured database into ``path``."""
    options, env = client_options(connection.settings_dict, connection.client)
    argv = [find_program("pg_dump"), *options, "--format=custom", f"--file={path}"]
    run(argv, env=env, secrets=secrets_of({"": connection.settings_dict}))


def check_readable(path: Path) -> str:
    """``pg_restore --list`` must read the whole table of contents."""
    run([find_program("pg_restore"), "--list", str(path)])
    return "pg_restore --list reads it"


def restore(connection, path: Path) -> None:
    """``pg_restore --clean --if-exists --no-owner --single-transaction`` into ``psql``, after
    the drops above in the same transaction. The script commits only at its very end: a
    failure, or a script cut short, leaves the database as it was."""
    options, env = client_options(connection.settings_dict, connection.client)
    script = [find_program("pg_restore"), "--clean", "--if-exists", "--no-owner"]
    script += ["--single-transaction", "--file=-", str(path)]
    load = [find_program("psql"), *options, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"]
    load += ["--command=BEGIN", f"--command={DROP_RELATIONS}", "--file=-"]
    connection.close()
    pipe(script, load, env=env, secrets=secrets_of({"": connection.settings_dict}))


def client_options(settings: dict, client) -> tuple[list[str], dict[str, str]]:
    """libpq options for argv (no password) and the environment that carries the rest."""
    _, env = client.settings_to_cmd_args_env(settings, [])
    options = ["--no-password"]
    for flag, key in (("host", "HOST"), ("port", "PORT"), ("username", "USER")):
        if settings.get(key):
            options.append(f"--{flag}={settings[key]}")
    service = (settings.get("OPTIONS") or {}).get("service")
    name = settings.get("NAME") or (None if service else "postgres")
    if name:
        options.append(f"--dbname={name}")
    return options, env or {}


def run_client(argv: list[str], env: dict[str, str], settings: dict) -> None:
    """Run a PostgreSQL client program with the connection's secrets masked in its errors."""
    run(argv, env=env, secrets=secrets_of({"": settings}))
