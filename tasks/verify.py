"""fab verify: is the primary's database what the live release's models expect?"""

from __future__ import annotations

import posixpath
import sys

from rich.markup import escape

from deployment.errors import SchemaMismatch, UsageError
from deployment.layout import Layout
from deployment.remote import django
from deployment.remote.commands import all_of, either, to_stderr

from . import environment as environments
from . import render
from .errors import reported
from .options import task

VERIFY_SCHEMA_EXITS = (0, 1, 2)  # no problem, problems, usage or database unreadable
NOTHING_DEPLOYED = 125


@task(
    iterable=["app"],
    help={
        "env": "environment (inventory/<env>.yml); or pass a host with fab -H HOST",
        "app": "only this app's models (repeatable)",
        "json": "print verify_schema's JSON document on stdout, nothing else",
    },
)
@reported
def verify(c, env=None, app=None, json=False):
    """Run verify_schema on the primary host, with the live release's code and settings.

    Missing or extra tables and columns, types, nullability, keys, foreign keys, unique
    constraints, indexes, checks and critical relationships, as ``manage.py verify_schema``
    reports them there. Exit 0 no problem, 1 problems, 2 bad usage, connection, nothing
    deployed, or a database that cannot be read. With --json, verify_schema's own document
    (or, when it could not run, the failure document).

        fab verify --env=production
        fab verify --env=staging --app=content --json
    """
    environment = environments.resolve(c, env)
    layout = Layout(environment.primary.deploy_to)
    args = ["verify_schema", *(["--format", "json"] if json else [])]
    args += [arg for name in app or () for arg in ("--app", name)]
    host = environments.connector(c, environment)(environment.primary)
    # The release's name goes to stderr first, so that stdout stays verify_schema's own.
    named = either(to_stderr(["readlink", layout.current]), ["exit", str(NOTHING_DEPLOYED)])
    run = django.command(layout.current, environment.managed, *args)
    try:
        result = host.run(all_of(named, run))
    finally:
        host.close()
    if result.exit_code == NOTHING_DEPLOYED:
        raise UsageError(
            f"nothing deployed on {environment.name} yet: no {layout.current} to verify"
        )
    said, _, rest = result.stderr.partition("\n")
    render.err.print(
        f"verify_schema on {escape(environment.name)} ({escape(host.name)}), "
        f"release {escape(posixpath.basename(said.strip()))}:"
    )
    if result.exit_code not in VERIFY_SCHEMA_EXITS or (json and not result.stdout.strip()):
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise UsageError(
            f"verify_schema could not run on {host.name}: {lines[-1] if lines else 'no output'}"
            f" (check `manage` in the {environment.name} inventory)"
        )
    render.raw_json(result.stdout) if json else sys.stdout.write(result.stdout)
    sys.stderr.write(rest)
    if result.exit_code == 1:
        raise SchemaMismatch()
    if result.exit_code:
        raise UsageError()  # verify_schema said why (usage, or a database it cannot read)
