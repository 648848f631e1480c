"""Failure paths keep the promise: every step of ``fab deploy`` and ``fab rollback`` under four
faults (a failure inside it, SIGTERM, SIGKILL, a host's connection dropped), on two real sshd
hosts serving the example project with gunicorn, and PostgreSQL. After each fault, and after
``fab recover`` where it was needed, the fleet must be consistent (tests/consistency.py), no
row lost, no lock or journal left, and the history must tell what happened.

``make faults`` plays the whole matrix (tests/fault_cases.py) and prints it; ``make test``
plays one cell per fault kind (the others are marked ``faults_full``).
"""

from __future__ import annotations

import pytest
from fault_cases import CELLS
from fault_matrix import play
from fault_stage import Stage

# One cell per fault kind in make test: a failing non-atomic migration (undo must escalate
# to the backup), SIGTERM and SIGKILL while a migration runs (it finishes on the host), and
# the primary lost while a rollback moves the database.
SPINNER = tuple("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")  # progress frames on fab's terminal, left out of reports

REPRESENTATIVE = {
    "deploy-migrate-failure",
    "deploy-migrate-SIGTERM",
    "deploy-migrate-SIGKILL",
    "rollback-database-drop",
}


@pytest.fixture(scope="module")
def stage(tmp_path_factory, sshd_servers, postgres_server):
    stage = Stage.build(tmp_path_factory.mktemp("faults"), sshd_servers, postgres_server)
    yield stage
    stage.close()


def marks(cell) -> list:
    extra = [] if cell.id in REPRESENTATIVE else [pytest.mark.faults_full]
    return [pytest.mark.faults, pytest.mark.integration, *extra]


@pytest.mark.parametrize("cell", [pytest.param(c, id=c.id, marks=marks(c)) for c in CELLS])
def test_the_fleet_is_consistent_after_the_fault(stage, cell, fault_verdicts):
    verdict = play(stage, cell)
    fault_verdicts.append(verdict)
    shown = [line for line in verdict.output.splitlines() if not line.lstrip().startswith(SPINNER)]
    tail = "\n".join(shown[-60:])
    assert verdict.holds, "\n".join([*verdict.problems, "--- what fab showed (end) ---", tail])
