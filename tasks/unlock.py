"""fab unlock: clear a deploy lock whose holder is gone, and say so in the history."""

from __future__ import annotations

from dataclasses import asdict

from rich.markup import escape

from deployment import history, lock
from deployment.errors import UsageError
from deployment.layout import Layout

from . import environment as environments
from . import render
from .errors import reported
from .options import ENV, JSON, task


@task(
    help={
        **ENV,
        "reason": "why the lock may go (required; recorded in the history)",
        **JSON,
    }
)
@reported
def unlock(c, env=None, reason=None, json=False):
    """Clear the deploy lock of an environment, after its holder died or was cancelled.

    Only for a lock whose holder is gone: `fab predeploy` and a refused deploy say who holds
    it and when it last showed signs of life. Records who cleared it and why in the history.
    An operation still running notices at its next step and stops. Exit 0 when cleared or
    when there was no lock, 2 usage (no --reason), inventory or connection.

        fab unlock --env=staging --reason="CI job 4711 was cancelled mid-deploy"
    """
    if not (reason or "").strip():
        raise UsageError('pass --reason="..." (it is recorded in the history)')
    environment = environments.resolve(c, env)
    host = environments.connector(c, environment)(environment.primary)
    try:
        cleared = _clear(host, Layout(environment.primary.deploy_to), environment.name, reason)
    finally:
        host.close()
    if json:
        held = None if cleared is None else _as_json(cleared)
        render.as_json({"ok": True, "env": environment.name, "cleared": held, "reason": reason})
    elif cleared is None:
        render.out.print(f"no deploy lock on {escape(environment.name)}: nothing to clear")
    else:
        render.out.print(f"cleared the deploy lock on {escape(environment.name)}, {_held(cleared)}")


def _clear(host, layout: Layout, env: str, reason: str) -> lock.LockInfo | None:
    """Remove the lock, then record who removed whose lock, and why."""
    operator = history.current_operator()
    cleared = lock.clear(host, layout, operator, reason)
    if cleared is not None:
        message = f"cleared the lock of {cleared.holder()} since {cleared.time or '?'}: {reason}"
        event = history.Event("unlock", "success", env=env, operator=operator, message=message)
        history.record(host, layout, event)
    return cleared


def _held(info: lock.LockInfo) -> str:
    text = f"held by {info.holder()}"
    if info.pid and info.host:
        text += f", pid {info.pid} on {info.host}"
    text += f" since {info.time or '?'}"
    if info.idle_seconds is not None:
        text += f", last refreshed {lock.duration(info.idle_seconds)} ago"
    return escape(text)


def _as_json(info: lock.LockInfo) -> dict:
    """The lock that was cleared, as JSON (its token stays out: it proves nothing now)."""
    return {key: value for key, value in asdict(info).items() if key != "token"}
