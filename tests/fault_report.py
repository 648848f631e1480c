"""The fault matrix printed at the end of a pytest run that played any of its cells.

tests/conftest.py imports these hooks; ``test_faults.py`` appends each cell's verdict to the
``fault_verdicts`` list.
"""

from __future__ import annotations

import pytest
from fault_matrix import Verdict, table

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
