"""fab backup, fab backups, fab restore: the primary's database backups, outside a deploy."""

from __future__ import annotations

from rich.markup import escape

from deployment.database import backups as engine
from deployment.errors import UsageError
from deployment.layout import Layout
from deployment.operations.backup import Restore, TakeBackup

from . import backup_list, progress, render
from . import environment as environments
from .confirm import confirmer
from .errors import reported
from .operate import perform
from .options import ENV, JSON, LOCK_WAIT, YES, task


@task(help={**ENV, **JSON, **LOCK_WAIT})
@reported
def backup(c, env=None, json=False, lock_wait=0):
    """Back up the database now, with the live release's code, on the primary host.

    The backup (id ``manual-<UTC stamp>``) is verified (size, sha256, readable by the restore
    tool) and recorded in the history. Exit 0 done, 1 failed or nothing deployed,
    2 usage, inventory or connection, 3 locked, 130 / 143 stopped by Ctrl-C / SIGTERM.

        fab backup --env=production
        fab backup --env=staging --json
    """
    environment = environments.resolve(c, env)
    host = environments.connector(c, environment)(environment.primary)
    work = TakeBackup(environment, host, working=progress.working)
    try:
        manifest = perform(c, environment, work, progress.Steps(), lock_wait)
    finally:
        host.close()
    if json:
        render.as_json(manifest)
        return
    render.out.print(
        f"[bold green]backed up[/] {environment.name}: {escape(manifest['id'])}", soft_wrap=True
    )
    render.out.print(f"size {manifest['size']} bytes, sha256 {manifest['sha256']}", soft_wrap=True)


@task(help={**ENV, **JSON})
@reported
def backups(c, env=None, json=False):
    """List the database backups kept on the primary host, newest first.

    Deploy backups are named after their release, ``manual-...`` ones come from
    ``fab backup``, ``safety-...`` ones were taken before a restore. Exit 0, 2 usage,
    inventory or connection.

        fab backups --env=production
        fab backups --env=production --json
    """
    environment = environments.resolve(c, env)
    host = environments.connector(c, environment)(environment.primary)
    try:
        found = engine.manifests(host, Layout(environment.primary.deploy_to))
    finally:
        host.close()
    if json:
        render.as_json({"env": environment.name, "backups": found})
    elif not found:
        render.out.print(f"no backups on {escape(environment.name)} yet")
    else:
        backup_list.show(environment.name, found)


@task(
    help={
        **ENV,
        **LOCK_WAIT,
        "backup": "id of the backup to restore (see fab backups)",
        **YES,
        **JSON,
    }
)
@reported
def restore(c, env=None, backup=None, yes=False, lock_wait=0, json=False):
    """Restore the database from a backup, after taking a safety backup of the data as it is.

    The backup is verified first: a damaged one is refused and nothing changes. Confirmation
    as for a deploy (--yes in CI). Exit 0 restored, 1 failed or refused, 2 usage (an
    unknown backup), inventory or connection, 3 locked, 4 not confirmed, 5 left inconsistent
    (fab recover), 130 / 143 stopped by Ctrl-C / SIGTERM.

        fab restore --env=staging --backup=manual-20261124101500
    """
    if not backup:
        raise UsageError("pass --backup=ID (fab backups lists them)")
    environment = environments.resolve(c, env)
    confirm = confirmer(environment, yes)
    host = environments.connector(c, environment)(environment.primary)
    work = Restore(environment, host, ref=backup, working=progress.working, confirm=confirm)
    try:
        safety = perform(c, environment, work, progress.Steps(), lock_wait)
    finally:
        host.close()
    if json:
        render.as_json(
            {"ok": True, "env": environment.name, "restored": backup, "safety_backup": safety}
        )
        return
    render.out.print(
        f"[bold green]restored[/] {escape(backup)} on {escape(environment.name)}; the data as it "
        f"was is in safety backup {escape(safety['id'])}",
        soft_wrap=True,
    )
