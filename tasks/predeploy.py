"""fab predeploy: every pre-deploy check on every host, at a glance."""

from __future__ import annotations

import posixpath

from deployment import history
from deployment.checks import predeploy as engine
from deployment.errors import ChecksFailed, DeployError, HostsUnreachable
from deployment.layout import Layout

from . import environment as environments
from . import render
from .errors import reported
from .options import task


@task(
    help={
        "env": "environment (inventory/<env>.yml); or pass a host with fab -H HOST",
        "json": "print the report as one JSON document on stdout, nothing else",
        "skip_verification": "emergency override: check nothing (also SKIP_VERIFICATION=true)",
    }
)
@reported
def predeploy(c, env=None, json=False, skip_verification=False):
    """Run every pre-deploy check on every host (in parallel): is it safe to deploy?

    Checks: connectivity, git_status, branch, containers, schema, migrations,
    critical_relationships, admin_user, disk_space, lock. Exit 0 when none failed
    (warnings allowed), 1 when one did, 2 on bad usage, inventory, or a host that
    could not be reached (the others are still checked and reported).

        fab predeploy --env=production
        fab -H staging predeploy --json
    """
    environment = environments.resolve(c, env)
    if environments.skip_verification(skip_verification):
        render.override_warning(environment.name)
        _record_override(c, environment)
        report = engine.skipped(environment)
    else:
        connect = environments.connector(c, environment)
        report = engine.run(environment, connect, connector=environments.connectors(c))
    if json:
        render.as_json(report.as_json())
    else:
        render.predeploy(report)
    if report.unreachable:
        raise HostsUnreachable()
    if not report.ok:
        raise ChecksFailed()


def _record_override(c, environment) -> None:
    """Write the override to the history once there is one (an emergency may lack a host)."""
    layout = Layout(environment.primary.deploy_to)
    event = history.Event(
        event="override",
        outcome="success",
        env=environment.name,
        message="fab predeploy: every check skipped (SKIP_VERIFICATION)",
    )
    try:
        primary = environments.connector(c, environment)(environment.primary)
        if primary.run(["test", "-d", posixpath.dirname(layout.history)]).ok:
            history.record(primary, layout, event)
        primary.close()
    except DeployError as error:
        render.err.print(f"[yellow]the override could not be recorded: {error}[/]")
