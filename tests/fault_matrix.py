"""The fault matrix: each step of ``fab deploy`` and ``fab rollback`` x four faults.

    failure   the step fails for a real reason (a failing build, migration, health check...)
    SIGTERM   fab gets SIGTERM while the step runs: it stops after the step and undoes
    SIGKILL   fab is killed while the step runs: ``fab recover`` finishes or undoes
    drop      one host's sshd goes down while the step runs (back up once fab has ended)

``play(stage, cell)`` plays one cell on a ``Stage`` (tests/fault_stage.py) and returns its
``Verdict``: the exit codes, whether ``fab recover`` was needed, and every way the cell does
not hold (tests/consistency.py says what consistent means). ``table(verdicts)`` prints them.
"""

from __future__ import annotations

import json
import shutil
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

from consistency import Snapshot, inconsistencies, journal, locks
from deploying import live
from fab_run import FabRun
from fault_points import HistoryPause
from fault_stage import Stage

FAULTS = ("failure", "SIGTERM", "SIGKILL", "drop")
UNDONE = {"failed", "rolled_back"}


@dataclass(frozen=True)
class StepCase:
    """One step of an operation: how it pauses, how it fails, which host drops."""

    operation: str  # deploy | rollback
    step: str
    pause: str  # a fault point, "prompt" (the confirmation) or "history" (reading it)
    fail: Callable[[Stage], None]  # makes the step fail for a real reason
    drop: int  # the host (index) whose sshd goes down
    fail_code: int = 1

    @property
    def scene(self) -> str:
        return self.operation


@dataclass(frozen=True)
class Cell:
    case: StepCase
    fault: str

    @property
    def id(self) -> str:
        return f"{self.case.operation}-{self.case.step.replace(' ', '_')}-{self.fault}"


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


# --- how each step fails for a real reason ---


def next_commit(stage: Stage) -> None:
    """What the deploy cells deploy: Resource.summary and a migration with fault points."""
    stage.commit_summary()


def edited_on_host(stage: Stage) -> None:
    """The checks fail: a file edited by hand in the second host's live release."""
    next_commit(stage)
    (stage.fleet.deploy_to[1] / "current" / "edited-on-the-host.txt").write_text("oops\n")


def build_fails(stage: Stage) -> None:
    next_commit(stage)
    stage.points.fail("build@host1")


def unloadable_migration(stage: Stage) -> None:
    """The plan fails: the new migration depends on one that does not exist."""
    origin = stage.fleet.origin
    stage.commit_summary()
    path = origin.work / "content" / "migrations" / "0003_resource_summary.py"
    path.write_text(path.read_text().replace("0002_asset_description", "0002_missing"))
    origin.commit("0003 depends on a missing migration")


def backup_fails(stage: Stage) -> None:
    next_commit(stage)
    stage.points.fail("backup_database")


def declined(stage: Stage) -> None:
    next_commit(stage)  # the operator answers no at the prompt


def half_applied_migration(stage: Stage) -> None:
    """A non-atomic migration fails halfway: its NOT NULL column is added, then RunPython
    raises; the old code cannot insert while the column stays."""
    stage.commit_summary("models.TextField(default='')", atomic=False)
    stage.points.fail("migration")


def model_differs_from_migration(stage: Stage) -> None:
    """Verify fails after migrating: the model says varchar(50), the migration made text."""
    stage.commit_summary()
    models = stage.fleet.origin.work / "content" / "models.py"
    text = models.read_text().replace(
        "summary = models.TextField(null=True)",
        "summary = models.CharField(max_length=50, null=True)",
    )
    models.write_text(text)
    stage.fleet.origin.commit("Resource.summary: the model and its migration differ")


def unhealthy_release(stage: Stage) -> None:
    """Go-live fails: the new release answers its health check with 500."""
    stage.commit_summary()
    views = stage.fleet.origin.work / "cms" / "views.py"
    views.write_text(
        views.read_text().replace('HttpResponse("ok"', 'HttpResponse("ko", status=500')
    )
    stage.fleet.origin.commit("the health check answers 500")


def target_missing_on_a_host(stage: Stage) -> None:
    """Choose fails: the release to go back to is gone from the second host."""
    releases = sorted((stage.fleet.deploy_to[1] / "releases").iterdir())
    shutil.rmtree(releases[0])


def rollback_plan_fails(stage: Stage) -> None:
    stage.points.fail("migration_plan")


def reverse_migration_fails(stage: Stage) -> None:
    stage.points.fail("migration-reverse")


def invalid_health_check(stage: Stage) -> None:
    """Go-live fails: the health check asks a port nobody listens on."""
    nowhere = {"url": "http://127.0.0.1:9/healthz", "timeout": 2}
    stage.write_inventory(healthchecks=[nowhere, nowhere])


DEPLOY = [
    StepCase("deploy", "checks", "predeploy_report", edited_on_host, drop=1),
    StepCase("deploy", "release", "build@host1", build_fails, drop=1),
    StepCase("deploy", "plan", "migration_plan", unloadable_migration, drop=0),
    StepCase("deploy", "backup", "backup_database", backup_fails, drop=0),
    StepCase("deploy", "confirm", "prompt", declined, drop=0, fail_code=4),
    StepCase("deploy", "migrate", "migration", half_applied_migration, drop=0),
    StepCase("deploy", "verify", "verify_release", model_differs_from_migration, drop=0),
    StepCase("deploy", "go live", "restart@host1", unhealthy_release, drop=1),
]
ROLLBACK = [
    StepCase("rollback", "choose", "history", target_missing_on_a_host, drop=0),
    StepCase("rollback", "plan", "migration_plan", rollback_plan_fails, drop=0),
    StepCase("rollback", "confirm", "prompt", lambda stage: None, drop=0, fail_code=4),
    StepCase("rollback", "database", "migration-reverse", reverse_migration_fails, drop=0),
    StepCase("rollback", "go live", "restart@host1", invalid_health_check, drop=1),
]
CELLS = [Cell(case, fault) for case in DEPLOY + ROLLBACK for fault in FAULTS]


# --- playing a cell ---


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
    verdict.problems += expect_exit(cell, verdict.exit_code)
    left = bool(journal(stage.fleet).exists() or locks(stage.fleet))
    if verdict.exit_code == 5 or fault == "SIGKILL" or (left and fault == "drop"):
        verdict.problems += recover(stage, verdict)
    running = stage.points.settle()
    verdict.problems += [f"a remote step at {name} still runs" for name in running]
    if fault != "SIGKILL" and verdict.exit_code not in (5, None) and left:
        verdict.problems.append(f"exit {verdict.exit_code} but a journal or lock was left")
    verdict.problems += inconsistencies(stage.fleet, stage.postgres, before, stage.sites)
    verdict.problems += expect_live(stage, cell, verdict, before)
    verdict.problems += expect_history(stage, cell, verdict, before)
    return verdict


def start(stage: Stage, case: StepCase, fault: str) -> FabRun:
    """fab on a terminal; the step's pause armed (its fault comes once it is reached)."""
    args = [case.operation, "--env=test"]
    if case.pause == "prompt":
        stage.write_inventory(confirm="type-env")
    else:
        args.append("--yes")
    if fault != "failure" and case.pause not in ("prompt", "history"):
        stage.points.pause(case.pause)
    if fault != "failure" and case.pause == "history":
        stage.history_pause = HistoryPause(stage.fleet.deploy_to[0] / ".deploy" / "history.jsonl")
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
    """``fab status`` says 5 while the operation's journal is there; ``fab recover`` repairs."""
    problems = []
    status = stage.fleet.fab("status", "--env=test")
    if status.returncode != 5:
        problems.append(f"fab status exit {status.returncode} before recover, not 5")
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
        if not (events[-1].get("message") or "").startswith(f"{operation} of "):
            return [f"recover's event does not name the {operation} it recovered"]
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


def table(verdicts: list[Verdict]) -> str:
    """The matrix as printed by ``make faults``: step x fault -> outcome."""
    rows = [("operation", "step", *FAULTS)]
    found = {(v.cell.case.operation, v.cell.case.step, v.cell.fault): v for v in verdicts}
    for case in DEPLOY + ROLLBACK:
        cells = [found.get((case.operation, case.step, fault)) for fault in FAULTS]
        if not any(cells):
            continue
        rows.append((case.operation, case.step, *(describe(v) for v in cells)))
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
    return "\n".join(lines)


def describe(verdict: Verdict | None) -> str:
    if verdict is None:
        return "-"
    text = f"exit {verdict.exit_code}"
    if verdict.recover_code is not None:
        text += f" -> recover {verdict.recover_code}"
    return text + (" ok" if verdict.holds else " FAILS")
