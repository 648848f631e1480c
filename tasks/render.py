"""What the operator sees: rich tables on stderr-safe consoles, JSON on stdout."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table

STATUS_STYLE = {"pass": "green", "fail": "bold red", "warn": "yellow", "skip": "dim"}

out = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def predeploy(report) -> None:
    if report.skipped:
        out.print(f"[bold red]SKIPPED: nothing was checked on {report.env}[/]")
        return
    for host in report.hosts:
        table = Table(title=f"{host.host}", title_justify="left")
        for column in ("check", "status", "detail", "time"):
            table.add_column(column, overflow="fold")
        for check in host.checks:
            style = STATUS_STYLE[check.status]
            table.add_row(
                check.name,
                f"[{style}]{check.status}[/]",
                _escape(check.detail),
                f"{check.elapsed_ms} ms",
            )
        out.print(table)
    failed = [h.host for h in report.hosts if not h.ok]
    if failed:
        out.print(
            f"[bold red]NOT SAFE to deploy {report.env}[/]: checks failed on "
            f"{', '.join(failed)} ({report.elapsed_ms} ms)"
        )
    else:
        out.print(
            f"[bold green]Safe to deploy {report.env}[/]: every check passed on "
            f"{len(report.hosts)} host(s) ({report.elapsed_ms} ms)"
        )


def override_warning(env: str) -> None:
    err.print(
        f"[bold white on red] SKIP_VERIFICATION [/] [bold red]every pre-deploy check on "
        f"{env} is skipped (emergencies only)[/]"
    )


def as_json(document: dict) -> None:
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
