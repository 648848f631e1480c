"""deployment.operations.runner on this machine (a real lock, a real journal, LocalHost), with
an operation of pure logic: what ends consistent lets go, what does not is left for recover."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from deployment import journal, lock
from deployment.errors import DeployError, Inconsistent, LockHeld, StepFailed
from deployment.hosts import LocalHost
from deployment.journal import Journal
from deployment.layout import Layout
from deployment.operations import runner
from deployment.operations.consistency import Verdict
from deployment.operations.steps import Step, execute


@dataclass
class Operation:
    """Two steps that change something; ``broken``: where the world ends, as the check says."""

    layout: Layout
    fail: str | None = None
    consistent: bool = True
    during: dict = field(default_factory=dict)  # step -> what to do while it runs
    recorded: list = field(default_factory=list)
    seen_journal: list = field(default_factory=list)

    host = LocalHost()

    @property
    def primary(self):
        return self.host

    @property
    def primary_layout(self) -> Layout:
        return self.layout

    def holder(self) -> lock.Holder:
        return lock.Holder("deploy", "test")

    def prepare(self, held) -> None:
        pass

    def run(self, before) -> str:
        steps = [Step(name, self._step(name), undo=lambda: None) for name in ("one", "two")]
        execute(steps, before=before)
        return "done"

    def _step(self, name: str):
        def run() -> None:
            self.seen_journal.append(journal.read(self.host, self.layout))
            self.during.get(name, lambda: None)()
            if name == self.fail:
                raise DeployError(f"{name} broke")

        return run

    def journal(self, step: str) -> Journal:
        return Journal(task="deploy", env="test", step=step, release="r2")

    def verdict(self) -> Verdict:
        return Verdict({"web1": "r2"}, None if self.consistent else "the database does not match")

    def record_success(self, result, verdict) -> None:
        self.recorded.append(("success", verdict))

    def record_failure(self, error, verdict) -> None:
        self.recorded.append(("failed" if verdict is None or verdict.consistent else "bad", error))


def _perform(operation: Operation, **options):
    return runner.perform(operation, connect=None, wait_seconds=0, **options)


@pytest.fixture
def layout(tmp_path) -> Layout:
    return Layout(str(tmp_path / "srv"))


def test_the_journal_is_written_before_each_step_and_gone_when_it_ended_well(layout):
    operation = Operation(layout)
    assert _perform(operation) == "done"
    assert [entry.step for entry in operation.seen_journal] == ["one", "two"]
    assert journal.read(operation.host, layout) is None
    assert lock.status(operation.host, layout) is None
    assert operation.recorded[0][0] == "success" and operation.recorded[0][1].consistent


def test_a_failure_that_ends_consistent_keeps_its_exit_code_and_lets_go(layout):
    operation = Operation(layout, fail="two")
    with pytest.raises(StepFailed) as failed:
        _perform(operation)
    assert failed.value.exit_code == 1 and failed.value.verdict.consistent
    assert operation.recorded[0][0] == "failed"
    assert journal.read(operation.host, layout) is None
    assert lock.status(operation.host, layout) is None


def test_an_inconsistent_end_leaves_the_journal_and_the_lock_for_recover(layout):
    operation = Operation(layout, fail="two", consistent=False)
    with pytest.raises(Inconsistent) as left:
        _perform(operation)
    assert left.value.exit_code == 5
    assert "the database does not match" in str(left.value) and "fab recover" in str(left.value)
    assert isinstance(left.value.__cause__, StepFailed)
    assert operation.recorded[0][0] == "bad"
    assert journal.read(operation.host, layout).step == "undo one"  # the last thing it began
    held = lock.status(operation.host, layout)
    assert held is not None and held.left_for_recover
    with pytest.raises(LockHeld, match="fab recover"):  # a deploy is refused ...
        _perform(Operation(layout))
    recovered = Operation(layout)  # ... recover takes the lock over
    assert _perform(recovered, take_over=True) == "done"
    assert lock.status(recovered.host, layout) is None


def test_a_lock_cleared_while_a_step_runs_stops_the_next_step(layout):
    def unlock() -> None:
        lock.clear(LocalHost(), layout, "ops@desk", "testing")

    operation = Operation(layout, during={"one": unlock})
    with pytest.raises(StepFailed) as stopped:
        _perform(operation)
    assert stopped.value.step == "two" and stopped.value.exit_code == 3
    assert "cleared by ops@desk" in str(stopped.value.error)
    assert [entry.step for entry in operation.seen_journal] == ["one"]  # two never ran
