"""Playing a cell of the fault matrix (tests/fault_cases.py) on a ``Stage``
(tests/fault_stage.py): the operation starts, the fault comes once the step is reached,
``fab recover`` runs where the case needs it, and the ``Verdict`` lists every way the cell
does not hold (tests/consistency.py says what consistent means).

    verdict = play(stage, Cell(case, "SIGKILL"))
    verdict.holds, verdict.exit_code, verdict.recover_code, verdict.problems
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass, field

from consistency import Snapshot, inconsistencies, journal, locks
from deploying import live
from fab_run import FabRun
from fault_cases import Cell, StepCase, next_commit
from fault_stage import Stage
from read_pause import ReadPause

UNDONE = {"failed", "rolled_back"}


@dataclass
class Verdict:
    cell: Cell
    exit_code: int | None = None
    recover_code: int | None = None  # None: fab recover was not needed
    problems: list[str] = field(default_factory=list)
    output: str = ""

    @property
    def holds(self) -> bool:
        return not self.problems


def play(stage: Stage, cell: Cell) -> Verdict:
    """Reset the stage, play the operation with the fault, recover if needed, judge."""
    case, fault, verdict = cell.case, cell.fault, Verdict(cell)
    stage.reset(case.scene)
    if case.operation == "deploy" and fault != "failure":
        next_commit(stage)
    if fault == "failure":
        case.fail(stage)
    before = Snapshot.take(stage.fleet, stage.postgres, stage.columns)
    run = start(stage, case, fault)
    try:
        verdict.exit_code = inject(stage, case, fault, run)
    except AssertionError as error:  # the fault could not be delivered as planned
        verdict.problems.append(str(error).splitlines()[0])
        verdict.exit_code = unblock(stage, run)
    finally:
        stage.points.release_all()
        for host in stage.hosts:
            host.start()
    verdict.output = run.output
    if fault == "failure" and case.heal is not None:
        case.heal(stage)
    verdict.problems += expect_exit(cell, verdict.exit_code)
    left = bool(journal(stage.fleet).exists() or locks(stage.fleet))
    if verdict.exit_code == 5 or fault == "SIGKILL" or (left and fault == "drop"):
        verdict.problems += recover(stage, verdict)
    running = stage.points.settle()
    verdict.problems += [f"a remote step at {name} still runs" for name in running]
    if fault != "SIGKILL" and verdict.exit_code not in (5, None) and left:
        verdict.problems.append(f"exit {verdict.exit_code} but a journal or lock was left")
    verdict.problems += inconsistencies(stage.fleet, stage.postgres, before, stage.sites)
    status = stage.fleet.fab("status", "--env=test")
    if status.returncode not in (0, 1):  # 1: attention, the last operation failed
        said = last_line(status.stdout)
        verdict.problems.append(f"fab status exit {status.returncode} at the end: {said}")
    verdict.problems += expect_live(stage, cell, verdict, before)
    verdict.problems += expect_history(stage, cell, verdict, before)
    return verdict


def start(stage: Stage, case: StepCase, fault: str) -> FabRun:
    """fab on a terminal; the step's pause armed (its fault comes once it is reached)."""
    args = [case.operation, "--env=test"]
    if case.operation == "deploy":  # a half-applied NOT NULL column is the point of one cell
        args.append("--allow-downtime")
    if case.pause == "prompt":
        stage.write_inventory(confirm="type-env")
    else:
        args.append("--yes")
    if fault != "failure" and case.pause not in ("prompt", "history"):
        stage.points.pause(case.pause)
    if fault != "failure" and case.pause == "history":
        stage.history_pause = ReadPause(stage.fleet.deploy_to[0] / ".deploy" / "history.jsonl")
        stage.history_pause.arm()
    return FabRun.start(stage.fleet, *args)


def inject(stage: Stage, case: StepCase, fault: str, run: FabRun) -> int:
    """Wait for the step, deliver the fault, let the step go on; fab's exit code."""
    prompt = "Type test to " if case.pause == "prompt" else None
    if fault == "failure":
        if prompt:
            run.wait_for(prompt)
            run.type("no")
        return run.wait()
    reach(stage, case, run, prompt)
    if fault == "SIGTERM":
        run.send_signal(signal.SIGTERM)
    elif fault == "SIGKILL":
        run.send_signal(signal.SIGKILL)
        run.wait()
    else:
        stage.hosts[case.drop].stop()
    resume(stage, case, run)
    code = run.wait()
    stage.hosts[case.drop].start()
    return code


def unblock(stage: Stage, run: FabRun) -> int | None:
    """Let fab end wherever it waits; its exit code (None: it had to be killed)."""
    stage.points.release_all()
    if stage.history_pause is not None:
        stage.history_pause.go()
    try:
        return run.wait()
    except AssertionError:
        return None


def reach(stage: Stage, case: StepCase, run: FabRun, prompt: str | None) -> None:
    if prompt:
        run.wait_for(prompt)
    elif case.pause == "history":
        stage.history_pause.wait(run.process)
    else:
        stage.points.wait(case.pause, run.process)


def resume(stage: Stage, case: StepCase, run: FabRun) -> None:
    if case.pause == "prompt":
        run.type("test")
    elif case.pause == "history":
        stage.history_pause.go()
    else:
        stage.points.go(case.pause)


def recover(stage: Stage, verdict: Verdict) -> list[str]:
    """``fab status`` says 5 while the operation's journal is there (and not 0 while its lock
    is left); ``fab recover`` repairs."""
    problems = []
    status = stage.fleet.fab("status", "--env=test")
    if journal(stage.fleet).exists() and status.returncode != 5:
        problems.append(f"fab status exit {status.returncode} with a journal left, not 5")
    elif status.returncode == 0:
        problems.append(f"fab status exit 0 with the lock left: {last_line(status.stdout)}")
    done = stage.fleet.fab("recover", "--env=test", "--yes")
    verdict.recover_code = done.returncode
    verdict.output += "\n--- fab recover ---\n" + done.stdout + done.stderr
    if done.returncode != 0:
        problems.append(f"fab recover exit {done.returncode}: {last_line(done.stderr)}")
    return problems


def expect_exit(cell: Cell, code: int | None) -> list[str]:
    expected = {
        "failure": {cell.case.fail_code},
        "SIGTERM": {143},
        "SIGKILL": {-signal.SIGKILL},
        "drop": {1, 2, 5},
    }[cell.fault]
    if code in expected:
        return []
    return [f"exit {code}, expected {' or '.join(map(str, sorted(expected)))}"]


def expect_live(stage: Stage, cell: Cell, verdict: Verdict, before: Snapshot) -> list[str]:
    """Undone (exit 1, 4, 143): the release of before. After recover: before, or forward."""
    now = tuple(live(stage.fleet))
    if verdict.recover_code is not None or now == before.live:
        return []
    return [f"live {now[0]} after exit {verdict.exit_code}; undone means {before.live[0]}"]


def expect_history(stage: Stage, cell: Cell, verdict: Verdict, before: Snapshot) -> list[str]:
    """The events since the cell began tell what happened: the operation's own event (unless
    fab was killed, or the primary, which holds the history, was down), and recover's, which
    names the operation it finished or undid."""
    done = stage.fleet.fab("history", "--env=test", "--json", "--limit=0")
    if done.returncode != 0:
        return [f"fab history exit {done.returncode}: {last_line(done.stderr)}"]
    events = json.loads(done.stdout)["events"][before.events :]
    told = [(e["event"], e["outcome"]) for e in events]
    operation = cell.case.operation
    if verdict.recover_code is not None:
        if not told or told[-1] != ("recover", "success"):
            return [f"history {told}: the last event is not a successful recover"]
        if operation not in (events[-1].get("message") or ""):
            message = events[-1].get("message")
            return [f"recover's event does not say which {operation} it ended: {message!r}"]
        primary_reachable = cell.fault == "drop" and cell.case.drop != 0
        if verdict.exit_code == 5 and primary_reachable and (operation, "inconsistent") not in told:
            return [f"history {told}: no {operation} event with outcome inconsistent"]
        return []
    if not any(kind == operation and outcome in UNDONE for kind, outcome in told):
        return [f"history {told}: no {operation} event that failed or rolled back"]
    return []


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
