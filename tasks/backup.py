"""fab backup, fab backups, fab restore: the primary's database backups, outside a deploy."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from fabric import task
from rich.markup import escape

from deployment import backup as engine
from deployment import bookkeeping, history, lock
from deployment.errors import DeployError, NotConfirmed, UsageError
from deployment.layout import Layout

from . import backup_list, progress, render
from . import environment as environments
from .confirm import confirmer
from .errors import reported

ENV = {"env": "environment (inventory/<env>.yml); or pass a host with fab -H HOST"}
JSON = {"json": "print the result as one JSON document on stdout, nothing else"}
LOCK_WAIT = {"lock_wait": "seconds to wait for another operation's lock (default: refuse at once)"}


@task(help={**ENV, **JSON, **LOCK_WAIT})
@reported
def backup(c, env=None, json=False, lock_wait=0):
    """Back up the database now, with the live release's code, on the primary host.

    The backup (id ``manual-<UTC stamp>``) is verified (size, sha256, readable by the restore
    tool) and recorded in the history. Exit 0 done, 1 failed or nothing deployed,
    2 usage/connection, 3 locked.

        fab backup --env=production
        fab backup --env=staging --json
    """
    environment = environments.resolve(c, env)
    host = environments.connector(c, environment)(environment.primary)
    layout = Layout(environment.primary.deploy_to)
    try:
        with _locked(c, environment, host, layout, "backup", None, lock_wait):
            current = engine.live(host, layout)
            event = _event(environment.name, "backup", current, engine.manual_id())
            with _recorded(host, layout, event) as outcome:
                with progress.working(f"backing up {environment.name}"):
                    manifest = engine.take(host, layout, environment.manage, current, event.backup)
                outcome["message"] = f"{manifest['size']} bytes, sha256 {manifest['sha256']}"
    finally:
        host.close()
    if json:
        render.as_json(manifest)
        return
    render.out.print(f"[bold green]backed up[/] {environment.name}: {escape(manifest['id'])}")
    render.out.print(f"size {manifest['size']} bytes, sha256 {manifest['sha256']}")


@task(help={**ENV, **JSON})
@reported
def backups(c, env=None, json=False):
    """List the database backups kept on the primary host, newest first.

    Deploy backups are named after their release, ``manual-...`` ones come from
    ``fab backup``, ``safety-...`` ones were taken before a restore.

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
        "yes": "confirm without asking (CI)",
    }
)
@reported
def restore(c, env=None, backup=None, yes=False, lock_wait=0):
    """Restore the database from a backup, after taking a safety backup of the data as it is.

    The backup is verified first: a damaged one is refused and nothing changes. Confirmation
    as for a deploy (--yes in CI). Exit 0 restored, 1 failed or refused, 2 usage/connection,
    3 locked, 4 not confirmed.

        fab restore --env=staging --backup=manual-20261124101500
    """
    if not backup:
        raise UsageError("pass --backup=ID (fab backups lists them)")
    environment = environments.resolve(c, env)
    confirm = confirmer(environment, yes)
    host = environments.connector(c, environment)(environment.primary)
    layout = Layout(environment.primary.deploy_to)
    try:
        with _locked(c, environment, host, layout, "restore", backup, lock_wait):
            current = engine.live(host, layout)
            manifest = engine.find(engine.manifests(host, layout), backup, host.name)
            _ask(confirm, environment, host, layout, current, manifest)
            event = _event(environment.name, "restore", current, backup)
            with _recorded(host, layout, event) as outcome:
                with progress.working(f"restoring {backup} (after a safety backup)"):
                    safety = engine.restore(host, layout, environment.manage, current, manifest)
                outcome["message"] = f"restored {backup}; safety backup {safety['id']}"
    finally:
        host.close()
    render.out.print(
        f"[bold green]restored[/] {escape(backup)} on {escape(environment.name)}; the data as it "
        f"was is in safety backup {escape(safety['id'])}"
    )


@contextlib.contextmanager
def _locked(c, environment, host, layout, task_name, ref, lock_wait):
    """The deploy lock on the primary; SIGTERM unwinds like Ctrl-C while it is held."""
    holder = lock.Holder(task_name, environment.name, ref)
    reconnect = environments.reconnector(c, environment)
    wait = float(lock_wait)
    with (
        lock.terminate_as_interrupt(),
        lock.Lock(host, layout, holder, connect=reconnect, wait_seconds=wait),
    ):
        yield


def _event(env: str, kind: str, current: engine.Live, backup_id: str) -> history.Event:
    return history.Event(
        kind, "success", env=env, commit=current.commit, release=current.release, backup=backup_id
    )


@contextlib.contextmanager
def _recorded(host, layout: Layout, event: history.Event):
    """Record ``event`` when the block ends: success with its message, or failed with why."""
    outcome: dict = {}
    try:
        yield outcome
    except (DeployError, KeyboardInterrupt) as error:
        why = str(error) if isinstance(error, DeployError) else "interrupted"
        try:
            history.record(host, layout, replace(event, outcome="failed", message=why))
        except DeployError as unrecorded:  # the first error matters more; say both
            error.add_note(f"and the history could not be written: {unrecorded}")
        raise
    history.record(host, layout, replace(event, message=outcome.get("message")))


def _ask(confirm, environment, host, layout, current, manifest) -> None:
    state = (bookkeeping.read_meta(host, layout, current.release) or {}).get("state")
    render.err.print(
        f"the database of {escape(environment.name)} goes back to backup "
        f"{escape(manifest['id'])} (taken {manifest.get('created', '?')}, commit "
        f"{str(manifest.get('commit') or '?')[:7]}); a safety backup is taken first"
    )
    for line in engine.drift(manifest, state):
        render.err.print(f"[yellow]warning[/]: {escape(current.release)} migrations differ: {line}")
    summary = {
        "env": environment.name,
        "release": current.release,
        "commit": current.commit,
        "plan": {},
        "backup": manifest["id"],
        "hosts": [environment.primary.name],
        "action": "restore",
    }
    if not confirm(summary):
        raise NotConfirmed("not confirmed: nothing was changed")
