"""A protocol is an ordered list of named steps, each with its undo.

``execute`` runs them in order and times each; when one fails it undoes it and
the completed ones in reverse (undos must be safe to run on a half-done step) and raises
``StepFailed`` carrying what ran, what was undone and what could not be.
``--dry-run`` runs the read-only steps, a step's ``dry_run`` stand-in where it has one,
and skips the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import StepFailed


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[], None]
    undo: Callable[[], None] | None = None
    changes: bool = True  # False: read-only, runs under --dry-run too
    dry_run: Callable[[], None] | None = None  # what runs instead under --dry-run
    when: Callable[[], bool] | None = None  # asked when its turn comes: False skips it unsaid


@dataclass
class Outcome:
    """What ran (and how long), what was undone, and what could not be."""

    durations_ms: dict[str, int] = field(default_factory=dict)
    undone: list[str] = field(default_factory=list)
    undo_failures: list[str] = field(default_factory=list)


Before = Callable[[Step, bool], None]
FINISHED = Step("finish", lambda: None, changes=False)  # what ``before`` sees after the last


def execute(
    steps: list[Step],
    *,
    rollback: bool = True,
    dry_run: bool = False,
    notify: Callable[[str, str], None] = lambda step, state: None,
    before: Before = lambda step, undoing: None,
) -> Outcome:
    """Run ``steps``; ``before(step, undoing)`` runs ahead of each step and each undo (the
    journal, the lock's check, a stop asked for). When it refuses a step, that step has not
    begun: only the steps done are undone."""
    outcome = Outcome()
    done: list[Step] = []
    for step in steps:
        if step.when is not None and not step.when():
            continue
        action = step.run
        if dry_run and step.changes:
            if step.dry_run is None:
                notify(step.name, "skipped")
                continue
            action = step.dry_run
        try:
            before(step, False)
        except BaseException as error:
            _stop(step, error, done, rollback, outcome, notify, before)
        notify(step.name, "start")
        started = time.monotonic()
        try:
            action()
        except BaseException as error:  # KeyboardInterrupt unwinds through here too
            outcome.durations_ms[step.name] = _ms(started)
            notify(step.name, "failed")
            _stop(step, error, [*done, step], rollback, outcome, notify, before)
        outcome.durations_ms[step.name] = _ms(started)
        notify(step.name, "done")
        done.append(step)
    try:  # a stop asked for during the last step still undoes it
        before(FINISHED, False)
    except BaseException as error:
        _stop(FINISHED, error, done, rollback, outcome, notify, before)
    return outcome


def _stop(step, error, begun, rollback, outcome, notify, before):
    """Undo what began (the failed step first: it may be half done), then raise."""
    if rollback:
        _undo(reversed(begun), outcome, notify, before)
    raise StepFailed(step.name, error, outcome) from error


def _undo(steps, outcome: Outcome, notify, before: Before) -> None:
    for step in steps:
        if step.undo is None:
            continue
        notify(step.name, "undo")
        try:
            before(step, True)
            step.undo()
        except Exception as error:  # keep undoing the others; report every failure
            outcome.undo_failures.append(f"{step.name}: {error}")
            notify(step.name, "undo failed")
        else:
            outcome.undone.append(step.name)
            notify(step.name, "undone")


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
