"""fab history: what happened on an environment (deploys, rollbacks, migrations, unlocks)."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from deployment import history as engine
from deployment.layout import Layout

from . import environment as environments
from . import render
from .errors import reported
from .options import task

WIDE = 140  # columns from which the table fits with room for messages
OUTCOME_STYLE = {"success": "green", "failed": "bold red", "rolled_back": "yellow"}


@task(
    help={
        "env": "environment (inventory/<env>.yml); or pass a host with fab -H HOST",
        "json": "print the history as one JSON document on stdout, nothing else",
        "limit": "show the last N events (default 20; 0: all of them)",
    }
)
@reported
def history(c, env=None, json=False, limit=20):
    """Show the history of an environment, oldest first, as kept on its primary host.

    Deploys, rollbacks, migrations, restores, backups, overrides and unlocks: when, who,
    which release and commit, which backup, and how it ended. A table on a wide terminal,
    one entry per event on a narrow one; ``--json`` for scripts. Exit 0, 2 usage,
    inventory or connection.

        fab history --env=production
        fab history --env=production --json --limit=0
    """
    environment = environments.resolve(c, env)
    host = environments.connector(c, environment)(environment.primary)
    try:
        events = engine.read(host, Layout(environment.primary.deploy_to), int(limit) or None)
    finally:
        host.close()
    if json:
        render.as_json({"env": environment.name, "events": [e.as_json() for e in events]})
    elif not events:
        render.out.print(f"no history on {environment.name} yet")
    else:
        _show(environment.name, events)


def _show(env: str, events: list[engine.Event]) -> None:
    """A table where it fits; on a narrow console (CI logs: 80 columns), one entry per event."""
    if render.out.width >= WIDE:
        render.out.print(_table(env, events))
        return
    render.out.print(Text(f"history of {env}", style="bold"))
    for event in events:
        render.out.print(_entry(event), soft_wrap=True)


def _table(env: str, events: list[engine.Event]) -> Table:
    table = Table(title=f"history of {env}", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("time", "event", "outcome", "release", "commit", "backup", "operator"):
        table.add_column(column, no_wrap=True)
    table.add_column("message", overflow="fold")
    for event in events:
        cells = [event.release, (event.commit or "")[:7], event.backup, event.operator]
        table.add_row(
            Text(event.time),
            Text(event.event),
            _outcome(event),
            *(Text(value or "") for value in [*cells, event.message]),
        )
    return table


def _entry(event: engine.Event) -> Text:
    entry = Text("  ").join([Text(event.time), Text(event.event), _outcome(event)])
    entry.append(f"  by {event.operator}")
    labelled = {
        "release": event.release,
        "commit": (event.commit or "")[:7],
        "backup": event.backup,
    }
    where = "  ".join(f"{label} {value}" for label, value in labelled.items() if value)
    for line in [where, *(event.message or "").splitlines()]:
        if line:
            entry.append(f"\n    {line}")
    return entry


def _outcome(event: engine.Event) -> Text:
    return Text(event.outcome, style=OUTCOME_STYLE.get(event.outcome, ""))
