"""fab compare: is the schema the same in every environment?"""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from deployment import inventory
from deployment.database import compare as engine
from deployment.database import snapshots
from deployment.errors import Differences, UsageError

from . import environment as environments
from . import render
from .errors import reported
from .options import task

ABSENT = "[dim]-[/]"


@task(
    help={
        "env": "one environment (inventory/<env>.yml); or pass a host with fab -H HOST",
        "against": "the environment to compare it with",
        "all": "compare every environment of the inventory with each other",
        "json": "print the differences as one JSON document on stdout, nothing else",
    }
)
@reported
def compare(c, env=None, against=None, all=False, json=False):
    """Compare the database schemas of environments, side by side.

    Each environment's primary prints a snapshot of its database through its current
    release (`manage.py schema_snapshot`: tables, columns, keys, foreign keys, unique
    constraints, indexes, checks, applied migrations; generated names are ignored), all
    environments in parallel. ``--all`` compares every environment with every other one:
    an item is listed when it is not the same everywhere. Exit 0 identical, 1 a
    difference, 2 bad usage or an environment that could not be read.

        fab compare --env=staging --against=production
        fab compare --all --json
    """
    chosen = _environments(c, env, against, all)
    found = snapshots.fetch(chosen, lambda environment: environments.connector(c, environment))
    differences = engine.differences(found)
    names = [environment.name for environment in chosen]
    if json:
        render.as_json(
            {
                "ok": not differences,
                "environments": names,
                "differences": [d.as_json() for d in differences],
            }
        )
    else:
        _show(names, differences)
    if differences:
        raise Differences()


def _environments(c, env, against, every) -> list:
    directory = inventory.inventory_dir(environments.DEFAULT_INVENTORY)
    if every:
        if env or against:
            raise UsageError("pass either --all, or --env and --against")
        names = inventory.environments(directory)
        if len(names) < 2:
            raise UsageError(f"--all needs two environments; the inventory has {len(names)}")
        return [inventory.load(name, directory) for name in names]
    if not against:
        raise UsageError("pass --env=NAME --against=OTHER, or --all")
    first = environments.resolve(c, env)
    if against == first.name:
        raise UsageError(f"compare {first.name} against another environment")
    return [first, inventory.load(against, directory)]


def _show(names: list[str], differences: list[engine.Difference]) -> None:
    listed = " and ".join(names) if len(names) == 2 else ", ".join(names)
    if not differences:
        render.out.print(f"[bold green]Same schema[/] in {listed}")
        return
    table = Table(title=f"Schema differences: {listed}", title_justify="left")
    for column in ("what", "table", "name", *names):
        table.add_column(column, overflow="fold")
    for difference in differences:
        values = [difference.values[name] for name in names]
        table.add_row(
            difference.what,
            escape(difference.table),
            escape(difference.name),
            *(ABSENT if value is None else escape(value) for value in values),
        )
    render.out.print(table)
    render.out.print(f"[bold red]{len(differences)} difference(s)[/] between {listed}")
