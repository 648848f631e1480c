"""The benchmark's tables (rich), and whether the targets were met."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from timing import Timings

TARGET_RATIO = 10.0  # ours at least 10x below sqldiff above the floor, at 500 and 1000 models
TARGET_ELAPSED_MS = 500  # verify_schema's own elapsed_ms at 1000 models


@dataclass
class SizeResult:
    """Everything measured on one clean generated database."""

    models: int
    build_seconds: float
    timings: Timings
    ours: dict  # count_queries summary of verify_schema, with its JSON report
    peer: dict  # count_queries summary of sqldiff -a, with its differences

    def above(self, name: str) -> float:
        return self.timings.median(name) - self.timings.median("floor")

    def ratio_above(self) -> float:
        return self.above("peer") / max(self.above("ours"), 0.001)


def timing_table(results: list[SizeResult], repetitions: int) -> Table:
    table = Table(title=f"Whole process, wall seconds, median of {repetitions}")
    for name in ("models", "floor", "verify_schema", "sqldiff -a", "sqldiff / ours"):
        table.add_column(name, justify="right")
    above = ("ours above floor", "sqldiff above floor", "sqldiff / ours above floor")
    for name in (*above, "ours elapsed_ms"):
        table.add_column(name, justify="right")
    for r in results:
        t = r.timings
        table.add_row(
            str(r.models),
            f"{t.median('floor'):.2f}",
            f"{t.median('ours'):.2f}",
            f"{t.median('peer'):.2f}",
            f"{t.median('peer') / t.median('ours'):.2f}x",
            f"{r.above('ours'):.2f}",
            f"{r.above('peer'):.2f}",
            f"{r.ratio_above():.1f}x",
            f"{int(t.median('elapsed_ms'))}",
        )
    return table


def clean_table(results: list[SizeResult]) -> Table:
    table = Table(title="Queries (in-process, execute_wrapper) and findings on the clean database")
    for name in ("models", "queries ours", "queries sqldiff", "problems ours", "diffs sqldiff"):
        table.add_column(name, justify="right")
    table.add_column("sqldiff's differences")
    for r in results:
        kinds = Counter(diff[2] for diff in r.peer["differences"])
        table.add_row(
            str(r.models),
            str(r.ours["queries"]),
            str(r.peer["queries"]),
            str(r.ours["report"]["counts"]["problems"]),
            str(len(r.peer["differences"])),
            ", ".join(f"{kind} x{n}" for kind, n in kinds.most_common()),
        )
    return table


def drift_table(rows: list[tuple[str, str, str, str]]) -> Table:
    table = Table(title="Drifts injected into the 100-model database")
    for name in ("drift", "table.column", "verify_schema (kind found?)", "sqldiff (mentioned?)"):
        table.add_column(name)
    for row in rows:
        table.add_row(*row)
    return table


def verdicts(results: list[SizeResult]) -> list[str]:
    """One line per target: the figure, and met or not met."""
    lines = []
    for r in results:
        if r.models >= 500:
            met = r.ratio_above() >= TARGET_RATIO
            lines.append(
                f"{r.models} models: ours {r.ratio_above():.1f}x below sqldiff above the floor "
                f"(target >= {TARGET_RATIO:.0f}x): {'met' if met else 'NOT met'}"
            )
        if r.models >= 1000:
            elapsed = int(r.timings.median("elapsed_ms"))
            met = elapsed < TARGET_ELAPSED_MS
            lines.append(
                f"{r.models} models: verify_schema elapsed_ms {elapsed} "
                f"(target < {TARGET_ELAPSED_MS}): {'met' if met else 'NOT met'}"
            )
    lines.append(_queries_verdict(results))
    return lines


def _queries_verdict(results: list[SizeResult]) -> str:
    """verify_schema's query count at each size, which must not grow with the models."""
    counts = [r.ours["queries"] for r in results]
    sizes = ", ".join(f"{r.models} models: {n}" for r, n in zip(results, counts, strict=True))
    constant = len(set(counts)) == 1
    return f"verify_schema queries ({sizes}): {'constant, met' if constant else 'NOT constant'}"


def show(console: Console, *tables: Table) -> None:
    for table in tables:
        console.print(table)
