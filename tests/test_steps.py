"""deployment.operations.steps: the order steps run and undo in, with a fake protocol."""

from __future__ import annotations

import pytest

from deployment.errors import DeployError, LockHeld, NotConfirmed, StepFailed
from deployment.operations.steps import Step, execute


class Protocol:
    """Steps that log what they do; ``fail``: the step that raises."""

    def __init__(self, fail: str | None = None) -> None:
        self.log: list[str] = []
        self.fail = fail

    def step(self, name: str, changes: bool = True) -> Step:
        def run() -> None:
            self.log.append(name)
            if name == self.fail:
                raise DeployError(f"{name} broke")

        return Step(name, run, undo=lambda: self.log.append(f"undo {name}"), changes=changes)

    def steps(self) -> list[Step]:
        return [self.step("read", changes=False), self.step("a"), self.step("b"), self.step("c")]


def test_a_failed_step_is_undone_first_then_the_done_ones_in_reverse():
    protocol = Protocol(fail="b")
    with pytest.raises(StepFailed) as failed:
        execute(protocol.steps())
    assert protocol.log == ["read", "a", "b", "undo b", "undo a", "undo read"]
    assert failed.value.step == "b" and failed.value.outcome.undone == ["b", "a", "read"]


def test_a_step_refused_before_it_begins_is_not_undone():
    protocol = Protocol()
    seen: list[tuple[str, bool]] = []

    def before(step: Step, undoing: bool) -> None:
        seen.append((step.name, undoing))
        if step.name == "c" and not undoing:
            raise LockHeld("the lock was cleared")

    with pytest.raises(StepFailed) as failed:
        execute(protocol.steps(), before=before)
    assert protocol.log == ["read", "a", "b", "undo b", "undo a", "undo read"]
    assert ("c", True) not in seen and ("b", True) in seen
    assert failed.value.exit_code == 3  # a lost lock keeps its meaning


def test_a_declined_confirmation_keeps_exit_4_and_any_other_failure_is_1():
    declined = StepFailed("confirm", NotConfirmed("no"), None)
    broken = StepFailed("migrate", DeployError("no"), None)
    assert (declined.exit_code, broken.exit_code) == (4, 1)


def test_without_rollback_nothing_is_undone():
    protocol = Protocol(fail="b")
    with pytest.raises(StepFailed):
        execute(protocol.steps(), rollback=False)
    assert protocol.log == ["read", "a", "b"]


def test_an_undo_that_fails_is_reported_and_the_others_still_run():
    protocol = Protocol(fail="c")
    steps = protocol.steps()
    steps[2] = Step("b", lambda: None, undo=lambda: 1 / 0)
    with pytest.raises(StepFailed) as failed:
        execute(steps)
    assert failed.value.outcome.undone == ["c", "a", "read"]
    assert failed.value.outcome.undo_failures == ["b: division by zero"]


def test_a_dry_run_runs_only_the_read_only_steps():
    protocol = Protocol()
    execute(protocol.steps(), dry_run=True)
    assert protocol.log == ["read"]
