"""fab recover: finish or undo an interrupted operation, or bring an inconsistent environment
back to one release that matches its database."""

from __future__ import annotations

from deployment.operations.recover import Recover

from . import environment as environments
from . import progress, render
from .confirm import confirmer
from .errors import reported
from .operate import perform
from .options import ENV, JSON, LOCK_WAIT, YES, task


@task(help={**ENV, **YES, **LOCK_WAIT, **JSON})
@reported
def recover(c, env=None, yes=False, lock_wait=0, json=False):
    """Finish or undo an interrupted deploy, rollback, migrate or restore.

    Reads the journal the operation left on the primary, waits for a migration or backup
    still running there, then goes forward (the new release is migrated: every host goes
    live on it) or back (the database to the state before, every host on the release it
    served), and checks that every host serves one release matching the database. Takes
    over a lock whose holder is gone. Exit 0 consistent, 1 failed, 2 usage/connection,
    3 a running operation holds the lock, 4 not confirmed, 5 still inconsistent,
    130 / 143 stopped by Ctrl-C / SIGTERM.

        fab recover --env=production
        fab recover --env=staging --yes
    """
    environment = environments.resolve(c, env)
    confirm = confirmer(environment, yes)
    hosts = environments.connect_all(c, environment)
    work = Recover(environment, hosts, confirm, notify=progress.Steps())
    done = perform(c, environment, work, work.notify, lock_wait, take_over=True)
    render.recovered(done, work, work.notify.outcomes, json_output=json)
