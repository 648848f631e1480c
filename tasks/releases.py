"""fab releases and fab status: what is deployed where, and what the environment is doing."""

from __future__ import annotations

from fabric import task
from invoke.exceptions import Exit
from rich import box
from rich.markup import escape
from rich.table import Table

from deployment import lock
from deployment import status as engine

from . import environment as environments
from . import render
from .errors import reported

HELP = {
    "env": "environment (inventory/<env>.yml); or pass a host with fab -H HOST",
    "json": "print the result as one JSON document on stdout, nothing else",
}


@task(help=HELP)
@reported
def releases(c, env=None, json=False):
    """List the releases on every host, oldest first: which one is live, which are bad.

    A release is bad when its deploy failed or it was rolled back from (``fab rollback``
    skips those). The migration state and backup recorded when it was deployed come from
    the primary. Exit 0, or 2 when a host could not be reached (the others are listed).

        fab releases --env=production
        fab releases --env=production --json
    """
    environment = environments.resolve(c, env)
    connect = environments.connector(c, environment)
    states, primary = engine.gather(environment, connect, "releases")
    report = engine.releases_report(environment.name, states, primary)
    if json:
        render.as_json(report)
    else:
        for host in report["hosts"]:
            _show_releases(host)
    _unreachable(states)


@task(help=HELP)
@reported
def status(c, env=None, json=False):
    """Show what each host serves, who holds the deploy lock, the last event, and a verdict.

    Exit 0, or 2 when a host could not be reached (the others are shown); the JSON
    document's ``ok`` says whether the environment needs attention.

        fab status --env=production
        fab -H web2.example.com status --json
    """
    environment = environments.resolve(c, env)
    connect = environments.connector(c, environment)
    states, primary = engine.gather(environment, connect, "status")
    report = engine.status_report(environment.name, states, primary)
    if json:
        render.as_json(report)
    else:
        _show_status(report, primary.lock)
    _unreachable(states)


def _unreachable(states) -> None:
    if any(state.error for state in states):
        raise Exit(code=2)


def _show_releases(host: dict) -> None:
    if host["error"]:
        render.out.print(f"[bold red]{escape(host['host'])}[/]: {escape(host['error'])}")
        return
    if not host["releases"]:
        render.out.print(f"{escape(host['host'])}: no releases yet")
        return
    states = [release["migrations"] for release in host["releases"]]
    differing = _differing(states)
    table = Table(
        title=host["host"],
        title_justify="left",
        box=box.SIMPLE_HEAD,
        caption="migrations: the apps whose state differs between these releases",
        caption_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    for column in ("release", "commit", ""):
        table.add_column(column, no_wrap=True)
    table.add_column("migrations", overflow="fold")
    table.add_column("backup", no_wrap=True)
    for release in host["releases"]:
        marks = ["[bold green]live[/]"] if release["current"] else []
        marks += ["[bold red]bad[/]"] if release["bad"] else []
        table.add_row(
            escape(release["name"]),
            escape((release["commit"] or "?")[:7]),
            " ".join(marks),
            escape(_migrations(release["migrations"], differing)),
            escape(release["backup"] or ""),
        )
    render.out.print(table)


def _differing(states: list[dict | None]) -> set[str]:
    """The apps whose last migration is not the same in every recorded state."""
    recorded = [state for state in states if state is not None]
    apps = {app for state in recorded for app in state}
    return {app for app in apps if len({state.get(app) for state in recorded}) > 1}


def _migrations(state: dict | None, differing: set[str]) -> str:
    """``content 0004``: each differing app's last migration by number (``-``: none differ)."""
    if state is None:
        return "not recorded"
    shown = [
        f"{app} {state[app].split('_', 1)[0] if app in state else 'none'}"
        for app in sorted(differing)
    ]
    return ", ".join(shown) or "-"


def _show_status(report: dict, info: lock.LockInfo | None) -> None:
    out = render.out
    out.print(f"[bold]status of {escape(report['env'])}[/]")
    for host in report["hosts"]:
        serving = host["error"] or (
            f"{host['current']} ({(host['commit'] or '?')[:7]})"
            if host["current"]
            else "nothing deployed"
        )
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
    return text + (" (holder looks gone: fab unlock)" if info.stale else "")
