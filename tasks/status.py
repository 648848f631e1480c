"""fab status: what each host serves, who holds the lock, the last event, and a verdict."""

from __future__ import annotations

from rich.markup import escape

from deployment import lock
from deployment.errors import Attention, HostsUnreachable, Inconsistent
from deployment.status import gather as engine
from deployment.status.reports import status_report

from . import environment as environments
from . import render
from .errors import reported
from .options import task
from .releases import HELP


@task(help=HELP)
@reported
def status(c, env=None, json=False):
    """Show what each host serves, who holds the deploy lock, the last event, and a verdict.

    Exit 0 fine, 1 it needs attention (the verdict says why), 2 a host could not be reached
    (the others are shown), 5 inconsistent: hosts on different releases, or an interrupted
    operation's journal (``fab recover`` repairs).

        fab status --env=production
        fab -H web2.example.com status --json
    """
    environment = environments.resolve(c, env)
    connect = environments.connector(c, environment)
    states, primary = engine.gather(environment, connect, "status")
    report = status_report(environment.name, states, primary)
    if json:
        render.as_json(report)
    else:
        _show_status(report, primary.lock)
    _exit(report["exit_code"])


def _show_status(report: dict, info: lock.LockInfo | None) -> None:
    out = render.out
    out.print(f"[bold]status of {escape(report['env'])}[/]")
    for host in report["hosts"]:
        serving = host["error"] or (
            f"{host['current']} ({(host['commit'] or '?')[:7]})"
            if host["current"]
            else "nothing deployed"
        )
        if host.get("image"):
            name, _, found = host["image"].partition(" ")
            serving += f", image {name} ({found[:19]})"
        out.print(f"  {escape(host['host'])}: {escape(serving)}")
    out.print(f"  lock: {escape(_lock(info))}")
    last = report["last_event"]
    if last is not None:
        out.print(
            f"  last: {last['event']} {last['outcome']} at {last['time']} by "
            f"{escape(last['operator'])}"
            + (f" ({escape(last['release'])})" if last["release"] else "")
        )
    style = "bold green" if report["ok"] else "bold red"
    out.print(f"[{style}]{'ok' if report['ok'] else 'attention'}[/]: {escape(report['verdict'])}")


def _lock(info: lock.LockInfo | None) -> str:
    if info is None:
        return "free"
    text = f"held by {info.holder()} since {info.time or '?'}"
    if info.pid and info.host:
        text += f", pid {info.pid} on {info.host}"
    if info.idle_seconds is not None:
        text += f", last refreshed {lock.duration(info.idle_seconds)} ago"
    if info.left_for_recover:
        return text + " (left for fab recover)"
    return text + (" (holder looks gone: fab unlock)" if info.stale else "")


def _exit(code: int) -> None:
    """The verdict was printed: only the exit code is left to give."""
    errors = {1: Attention, 2: HostsUnreachable, 5: Inconsistent}
    if code in errors:
        raise errors[code]()
