"""The fault matrix printed at the end of a pytest run that played any of its cells.

tests/conftest.py imports these hooks; ``test_faults.py`` appends each cell's verdict to the
``fault_verdicts`` list.
"""

from __future__ import annotations

import pytest
from fault_cases import DEPLOY, FAULTS, ROLLBACK, StepCase
from fault_matrix import Verdict

VERDICTS = pytest.StashKey[list[Verdict]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[VERDICTS] = []


@pytest.fixture(scope="session")
def fault_verdicts(pytestconfig: pytest.Config) -> list[Verdict]:
    """Where each cell of the fault matrix leaves its verdict, for the table."""
    return pytestconfig.stash[VERDICTS]


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    verdicts = config.stash.get(VERDICTS, [])
    if verdicts:
        terminalreporter.section("fault matrix: step x fault -> outcome")
        terminalreporter.write_line(table(verdicts))


def table(verdicts: list[Verdict]) -> str:
    """The matrix as printed by ``make faults``: step x fault -> outcome."""
    rows, played = [("operation", "step", *FAULTS)], []
    found = {(v.cell.case.operation, v.cell.case.step, v.cell.fault): v for v in verdicts}
    for case in DEPLOY + ROLLBACK:
        cells = [found.get((case.operation, case.step, fault)) for fault in FAULTS]
        if any(cells):
            rows.append((case.operation, case.step, *(describe(v) for v in cells)))
            played.append(case)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    failing = [v for v in verdicts if not v.holds]
    lines.append("")
    lines.append(
        f"{len(verdicts) - len(failing)} of {len(verdicts)} cells hold; "
        "cell: exit code [-> recover exit] ok|FAILS"
    )
    lines += [f"  {v.cell.id}: {'; '.join(v.problems)}" for v in failing]
    lines += ["", "how each step was faulted:"] + [f"  {how(case)}" for case in played]
    return "\n".join(lines)


def how(case: StepCase) -> str:
    """Where the step paused, what made it fail, which host dropped."""
    where = {"prompt": "at the confirmation prompt", "history": "reading the history"}
    paused = where.get(case.pause, f"at {case.pause}")
    step = f"{case.operation} {case.step}"
    return f"{step}: paused {paused}; fails: {case.failure}; drops host{case.drop}"


def describe(verdict: Verdict | None) -> str:
    if verdict is None:
        return "-"
    text = f"exit {verdict.exit_code}"
    if verdict.recover_code is not None:
        text += f" -> recover {verdict.recover_code}"
    return text + (" ok" if verdict.holds else " FAILS")
