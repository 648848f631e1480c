"""verify_schema's text report: a table per database table, rich when installed."""

from __future__ import annotations

from collections import defaultdict
from io import StringIO

from .verify import Result

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


def render_text(result: Result, *, color: bool, fail_on: str = "error") -> str:
    try:
        from rich.console import Console  # noqa: F401
    except ImportError:
        return _plain(result, fail_on)
    return _rich(result, color, fail_on)


def summary(result: Result, fail_on: str) -> str:
    errors = sum(p.severity == "error" for p in result.problems)
    warnings = len(result.problems) - errors
    verdict = "OK" if result.ok(fail_on) else "PROBLEMS"
    return (
        f"{verdict}: {result.models} models, {result.tables} tables on {result.database!r} "
        f"({result.vendor}); {errors} error(s), {warnings} warning(s) in {result.elapsed_ms} ms"
    )


def _by_table(result: Result) -> dict[str, list]:
    grouped = defaultdict(list)
    for problem in result.problems:
        grouped[problem.table].append(problem)
    return dict(sorted(grouped.items()))


def _plain(result: Result, fail_on: str) -> str:
    lines = []
    for table, problems in _by_table(result).items():
        lines.append(f"{table}:")
        for p in problems:
            lines.append(f"  {p.severity.upper():7} {p.kind:22} {p.message}")
            if p.hint:
                lines.append(f"          hint: {p.hint}")
    for outcome in result.critical:
        lines.append(
            f"critical {outcome.relationship}: {'ok' if outcome.ok else 'FAILED'} "
            f"({outcome.message})"
        )
    lines.append(summary(result, fail_on))
    return "\n".join(lines) + "\n"


def _rich(result: Result, color: bool, fail_on: str) -> str:
    from rich.console import Console
    from rich.table import Table

    buffer = StringIO()
    console = Console(
        file=buffer, force_terminal=color, no_color=not color, width=120, highlight=False
    )
    for name, problems in _by_table(result).items():
        table = Table(title=name, title_justify="left", show_lines=False, expand=False)
        for column in ("severity", "kind", "column", "problem"):
            table.add_column(column, overflow="fold")
        for p in problems:
            text = _escape(p.message) + (f"\n[dim]hint: {_escape(p.hint)}[/dim]" if p.hint else "")
            table.add_row(
                f"[{SEVERITY_STYLE[p.severity]}]{p.severity}[/]", p.kind, p.column or "", text
            )
        console.print(table)
    for outcome in result.critical:
        mark = "[green]ok[/]" if outcome.ok else "[bold red]FAILED[/]"
        console.print(f"critical {outcome.relationship}: {mark} {_escape(outcome.message)}")
    style = "bold green" if result.ok(fail_on) else "bold red"
    console.print(f"[{style}]{_escape(summary(result, fail_on))}[/]")
    return buffer.getvalue()


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
