"""fab releases: what is deployed where, which release is live, which are bad."""

from __future__ import annotations

from rich import box
from rich.markup import escape
from rich.table import Table

from deployment.errors import HostsUnreachable
from deployment.status import gather as engine
from deployment.status.reports import releases_report

from . import environment as environments
from . import render
from .errors import reported
from .options import task

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
    the primary. Exit 0, or 2 on bad usage or inventory, or when a host could not be
    reached (the others are listed).

        fab releases --env=production
        fab releases --env=production --json
    """
    environment = environments.resolve(c, env)
    connect = environments.connector(c, environment)
    states, primary = engine.gather(environment, connect, "releases")
    report = releases_report(environment.name, states, primary)
    if json:
        render.as_json(report)
    else:
        for host in report["hosts"]:
            _show_releases(host)
    unreachable(states)


def unreachable(states) -> None:
    """Exit 2 once the report is out, when a host could not be reached."""
    if any(state.error for state in states):
        raise HostsUnreachable()


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
