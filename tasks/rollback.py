"""fab rollback: the previous good release, with the database state it ran with."""

from __future__ import annotations

from fabric import task

from deployment.operations.rollback import Rollback

from . import environment as environments
from . import progress, render
from .confirm import confirmer
from .errors import reported
from .operate import perform


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
    done = perform(c, environment, work, work.notify, lock_wait)
    render.rolled_back(done)
