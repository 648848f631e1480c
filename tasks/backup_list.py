"""The listing of ``fab backups``: a table where the terminal is wide enough, else lines."""

from __future__ import annotations

from rich import box
from rich.markup import escape
from rich.table import Table

from . import render


def show(env: str, found: list[dict]) -> None:
    """A table where it fits; else one entry per backup (ids stay whole, to copy them)."""
    rows = [_row(manifest) for manifest in found]
    widest = max(len(row[0]) for row in rows)
    if render.out.width >= widest + 70:
        table = Table(title=f"backups of {env}", title_justify="left", box=box.SIMPLE_HEAD)
        for column in ("id", "created", "commit", "vendor", "size", "migrations"):
            table.add_column(column, no_wrap=True)
        for row in rows:
            table.add_row(*map(escape, row))
        render.out.print(table)
        return
    render.out.print(f"[bold]backups of {escape(env)}[/]")
    for backup_id, created, commit, vendor, size, migrations in rows:
        render.out.print(escape(backup_id), soft_wrap=True)
        render.out.print(
            f"    {created}  commit {commit}  {vendor}  {size}  {migrations} migrations",
            markup=False,
        )


def _row(manifest: dict) -> tuple[str, ...]:
    migrations = sum(len(names) for names in (manifest.get("migrations") or {}).values())
    return (
        str(manifest.get("id")),
        str(manifest.get("created", "")),
        str(manifest.get("commit") or "")[:7],
        str(manifest.get("vendor", "")),
        _size(manifest.get("size")),
        str(migrations),
    )


def _size(size) -> str:
    if not isinstance(size, int):
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return "?"
