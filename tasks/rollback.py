"""fab rollback: the previous good release, with the database state it ran with."""

from __future__ import annotations

from fabric import task

from deployment import history, lock
from deployment.layout import Layout
from deployment.rollback import Rollback
from deployment.steps import StepFailed

from . import environment as environments
from . import progress, render
from .confirm import confirmer
from .errors import reported


@task(
    help={
        "env": "environment (inventory/<env>.yml)",
        "to": "release to go back to (default: the newest good release before the current one)",
        "yes": "confirm without asking (CI)",
        "lock_wait": "seconds to wait for another operation's lock",
    }
)
@reported
def rollback(c, env=None, to=None, yes=False, lock_wait=0):
    """Roll back to the previous good release, and the database to the state it ran with.

    Reverse migrations run with the code that has them; an irreversible step back restores
    the backup taken before the current release migrated, after a safety backup.

        fab rollback --env=production
        fab rollback --env=production --to=20261124101500-3f2a9c1
    """
    environment = environments.resolve(c, env)
    confirm = confirmer(environment, yes)
    hosts = environments.connect_all(c, environment)
    work = Rollback(environment, hosts, confirm, to=to, notify=progress.Steps())
    layout = Layout(environment.primary.deploy_to)
    holder = lock.Holder("rollback", environment.name, to)
    reconnect = environments.reconnector(c, environment)
    with (
        lock.terminate_as_interrupt(),
        lock.Lock(work.primary, layout, holder, connect=reconnect, wait_seconds=float(lock_wait)),
    ):
        try:
            outcome = work.run()
        except StepFailed as failure:
            _record(work, layout, "failed", failure.outcome.durations_ms, str(failure))
            raise
        _record(work, layout, "success", outcome.durations_ms, None)
    render.rolled_back(work, outcome.durations_ms)


def _record(work, layout, outcome, durations, message) -> None:
    event = history.Event(
        event="rollback",
        outcome=outcome,
        env=work.environment.name,
        release=work.target,
        previous_release=work.current,
        backup=work.restored,
        migrations=history.Migrations(tuple(work.applied), tuple(work.reversed)),
        durations_ms=durations,
        message=message,
    )
    history.record(work.primary, layout, event)
