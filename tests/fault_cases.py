"""The cells of the fault matrix: each step of ``fab deploy`` and ``fab rollback`` x four faults.

    failure   the step fails for a real reason (a failing build, migration, health check...)
    SIGTERM   fab gets SIGTERM while the step runs: it stops after the step and undoes
    SIGKILL   fab is killed while the step runs: ``fab recover`` finishes or undoes
    drop      one host's sshd goes down while the step runs (back up once fab has ended)

A step pauses at a fault point (tests/fault_points.py), at the confirmation prompt, or while
the primary's history is read; ``drop`` stops the host the step works on.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass

from fault_stage import Stage

FAULTS = ("failure", "SIGTERM", "SIGKILL", "drop")


@dataclass(frozen=True)
class StepCase:
    """One step of an operation: how it pauses, how it fails, which host drops."""

    operation: str  # deploy | rollback
    step: str
    pause: str  # a fault point, "prompt" (the confirmation) or "history" (reading it)
    fail: Callable[[Stage], None]  # makes the step fail for a real reason
    failure: str  # that reason, in words
    drop: int  # the host (index) whose sshd goes down
    fail_code: int = 1
    heal: Callable[[Stage], None] | None = None  # the cause fixed, once fab has ended

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


# --- how each step fails for a real reason ---


def next_commit(stage: Stage) -> None:
    """What the deploy cells deploy: Resource.summary and a migration with fault points."""
    stage.commit_summary()


EDITED = "edited-on-the-host.txt"


def edited_on_host(stage: Stage) -> None:
    """The checks fail: a file edited by hand in the second host's live release."""
    next_commit(stage)
    (stage.fleet.deploy_to[1] / "current" / EDITED).write_text("oops\n")


def edit_removed(stage: Stage) -> None:
    (stage.fleet.deploy_to[1] / "current" / EDITED).unlink()


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
    StepCase(
        "deploy",
        "checks",
        "predeploy_report",
        edited_on_host,
        "a file edited by hand in host1's live release",
        drop=1,
        heal=edit_removed,
    ),
    StepCase("deploy", "release", "build@host1", build_fails, "build fails on host1", drop=1),
    StepCase(
        "deploy",
        "plan",
        "migration_plan",
        unloadable_migration,
        "the migration depends on one that does not exist",
        drop=0,
    ),
    StepCase("deploy", "backup", "backup_database", backup_fails, "backup_database fails", drop=0),
    StepCase(
        "deploy", "confirm", "prompt", declined, "the operator answers no", drop=0, fail_code=4
    ),
    StepCase(
        "deploy",
        "migrate",
        "migration",
        half_applied_migration,
        "a non-atomic migration stops halfway, its NOT NULL column added",
        drop=0,
    ),
    StepCase(
        "deploy",
        "verify",
        "verify_release",
        model_differs_from_migration,
        "the model says varchar(50), its migration made text",
        drop=0,
    ),
    StepCase(
        "deploy",
        "go live",
        "restart@host1",
        unhealthy_release,
        "the new release's health check answers 500",
        drop=1,
    ),
]
ROLLBACK = [
    StepCase(
        "rollback",
        "choose",
        "history",
        target_missing_on_a_host,
        "the release to go back to is gone from host1",
        drop=0,
    ),
    StepCase(
        "rollback", "plan", "migration_plan", rollback_plan_fails, "migration_plan fails", drop=0
    ),
    StepCase(
        "rollback",
        "confirm",
        "prompt",
        lambda stage: None,
        "the operator answers no",
        drop=0,
        fail_code=4,
    ),
    StepCase(
        "rollback",
        "database",
        "migration-reverse",
        reverse_migration_fails,
        "the reverse migration raises",
        drop=0,
    ),
    StepCase(
        "rollback",
        "go live",
        "restart@host1",
        invalid_health_check,
        "the health check asks a port nobody listens on",
        drop=1,
    ),
]
CELLS = [Cell(case, fault) for case in DEPLOY + ROLLBACK for fault in FAULTS]
