"""The JSON documents of the tasks (``--json``): what an operation did, or what it knew when it
failed. ``tasks/errors.py`` prints the failure document; the tasks print the others."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from deployment.errors import DeployError, StepFailed


def failure(error: BaseException, exit_code: int, known: dict | None = None) -> dict[str, Any]:
    """``{"ok": false, "error", "exit_code", ...}``: what the task knew when it failed."""
    message = str(error) or _first_line(type(error).__doc__) or type(error).__name__
    document: dict[str, Any] = {"ok": False, "error": message, "exit_code": exit_code}
    document.update(known or {})
    document.update(getattr(error, "document", None) or {})
    return document


def steps(outcomes: dict[str, str], durations: dict[str, int]) -> list[dict[str, Any]]:
    """Each step that was reached, in order: its outcome (done, failed, undone, undo failed,
    skipped, running) and how long it ran (None: it did not run)."""
    return [
        {"step": name, "outcome": outcome, "elapsed_ms": durations.get(name)}
        for name, outcome in outcomes.items()
    ]


def done(done_, outcomes: dict[str, str]) -> dict[str, Any]:
    """What an operation did (a ``Done``): release, hosts, backup, migrations, steps."""
    document = {
        "ok": True,
        "env": done_.env,
        "release": done_.release,
        "commit": done_.commit,
        "hosts": dict.fromkeys(done_.hosts, done_.release),
        "previous": dict(done_.previous),
        "backup": done_.backup,
        "applied": list(done_.applied),
        "reversed": list(done_.reversed),
        "restored": done_.restored,
        "safety_backup": done_.safety,
        "plan": plan(done_.plan),
        "rehearsal": done_.rehearsal,
        "steps": steps(outcomes, dict(done_.durations_ms)),
        "durations_ms": dict(done_.durations_ms),
        "warnings": list(done_.warnings),
    }
    return document


def failed_operation(operation, outcomes: dict[str, str], error: BaseException) -> dict:
    """What a failed operation knew: the steps and their outcomes, what it had done, the plan,
    the backup, and what each host serves now (the consistency check's answer)."""
    cause = getattr(error, "failure", None) or error
    outcome = getattr(cause, "outcome", None)
    durations = dict(outcome.durations_ms) if outcome is not None else {}
    known: dict[str, Any] = {"steps": steps(outcomes, durations), "durations_ms": durations}
    known["warnings"] = list(getattr(operation, "warnings", ()))
    if isinstance(cause, StepFailed):
        known["step"] = cause.step
    if outcome is not None:
        known["undone"] = list(outcome.undone)
        known["undo_failures"] = list(outcome.undo_failures)
    done_ = getattr(cause, "done", None)
    if done_ is not None:
        known.update(
            release=done_.release,
            commit=done_.commit,
            previous=dict(done_.previous),
            backup=done_.backup,
            applied=list(done_.applied),
            reversed=list(done_.reversed),
            restored=done_.restored,
            plan=plan(done_.plan),
        )
    verdict = getattr(error, "verdict", None) or getattr(cause, "verdict", None)
    if verdict is not None:
        known["hosts"] = dict(verdict.serving)
        known["consistent"] = verdict.consistent
        known["problem"] = verdict.problem
    return known


def plan(plan_) -> dict[str, Any] | None:
    """A migration ``Plan`` as JSON (None: no plan was made)."""
    if plan_ is None:
        return None
    document = asdict(plan_)
    document["migrations"] = list(document["migrations"])
    document["dangerous"] = list(document["dangerous"])
    return document


def summary(summary_, blocked: str | None = None) -> dict[str, Any]:
    """What a deploy (or a migrate) would do: ``--dry-run --json``."""
    if summary_ is None:
        return {"ok": blocked is None, "dry_run": True, "plan": None, "blocked": blocked}
    return {
        "ok": blocked is None,
        "dry_run": True,
        "env": summary_.env,
        "release": summary_.release,
        "commit": summary_.commit,
        "hosts": list(summary_.hosts),
        "plan": plan(summary_.plan),
        "strategy": summary_.strategy or (summary_.plan.strategy if summary_.plan else None),
        "warnings": list(summary_.warnings),
        "rehearsal": list(summary_.rehearsal),
        "blocked": blocked,
    }


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def exit_code(error: BaseException) -> int:
    return error.exit_code if isinstance(error, DeployError) else 1
