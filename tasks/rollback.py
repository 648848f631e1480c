"""fab rollback: the previous good release, with the database state it ran with."""

from __future__ import annotations

from deployment.operations.rollback import Rollback

from . import environment as environments
from . import progress, render
from .confirm import confirmer
from .errors import reported
from .operate import perform
from .options import ENV, JSON, LOCK_WAIT, YES, task


@task(
    help={
        **ENV,
        "to": "release to go back to (default: the newest good release before the current one)",
        **YES,
        **LOCK_WAIT,
        **JSON,
    }
)
@reported
def rollback(c, env=None, to=None, yes=False, lock_wait=0, json=False):
    """Roll back to the previous good release, and the database to the state it ran with.

    Reverse migrations run with the code that has them; an irreversible step back restores
    the backup taken before the current release migrated, after a safety backup. Exit 0
    rolled back, 1 failed (undone as reported), 2 usage (a --to release not on every host),
    inventory or connection, 3 locked, 4 not confirmed, 5 left inconsistent (fab recover),
    130 / 143 stopped by Ctrl-C / SIGTERM.

        fab rollback --env=production
        fab rollback --env=production --to=20261124101500-3f2a9c1
    """
    environment = environments.resolve(c, env)
    confirm = confirmer(environment, yes)
    hosts = environments.connect_all(c, environment)
    work = Rollback(environment, hosts, confirm, to=to, notify=progress.Steps())
    done = perform(c, environment, work, work.notify, lock_wait)
    render.rolled_back(done, work.notify.outcomes, json_output=json)
