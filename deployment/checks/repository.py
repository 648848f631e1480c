"""Checks of the code: local edits on the host, the branch to deploy, its promotion."""

from __future__ import annotations

from . import promotion_gate as promotions
from .check import FAIL, NOTHING_DEPLOYED, PASS, SKIP, WARN, Check, Facts, last_line

PROMOTION = "promotion"  # after ORDER, where the environment has promote_from


def git_status(facts: Facts) -> Check:
    if not facts.deployed():
        return Check("git_status", SKIP, NOTHING_DEPLOYED)
    answer = facts.sections["git_status"]
    if not answer.ok:
        return Check("git_status", FAIL, last_line(answer.output) or "git status failed")
    changed = [
        line[3:]
        for line in answer.output.splitlines()
        if line.strip() and not _bytecode(line[3:])  # Python writes these on every host
    ]
    if changed:
        shown = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        return Check("git_status", FAIL, f"edited on the host: {shown}")
    return Check("git_status", PASS, "no local edits in the current release")


def branch(facts: Facts) -> Check:
    answer = facts.sections.get("branch")
    if answer is None or not answer.ok:
        detail = last_line(answer.output if answer else "") or "git ls-remote failed"
        return Check("branch", FAIL, f"cannot read {facts.repository}: {detail}")
    tip = _tip(facts)
    if tip is None:
        return Check("branch", FAIL, f"branch {facts.branch} does not exist on {facts.repository}")
    tip = tip[:7]
    remote = facts.sections.get("remote")
    was = remote.output.strip() if remote is not None and remote.ok else ""
    if was and was != facts.repository:
        return Check(
            "branch",
            WARN,
            f"{facts.branch} at {tip}; the hosts' mirror fetches from {was}, the inventory says "
            f"{facts.repository}: the next deploy fetches from the inventory's",
        )
    if facts.deployed() and not facts.sections["on_branch"].ok:
        commit = facts.sections["commit"].output.strip()[:7]
        return Check(
            "branch", WARN, f"current release {commit} is not on {facts.branch} (tip {tip})"
        )
    return Check("branch", PASS, f"{facts.branch} at {tip}")


def _tip(facts: Facts) -> str | None:
    """The branch's tip commit in the ``branch`` section's ls-remote output."""
    answer = facts.sections.get("branch")
    tips = [
        line.split()[0]
        for line in (answer.output if answer and answer.ok else "").splitlines()
        if line.split()[1:] == [f"refs/heads/{facts.branch}"]
    ]  # ls-remote's pattern also matches refs/heads/feature/<branch>: keep the branch itself
    return tips[0] if tips else None


def promotion(facts: Facts) -> Check:
    """Was the branch's tip deployed to the environment this one is promoted from?"""
    if not facts.primary:
        return Check(PROMOTION, SKIP, f"checked on the primary, {facts.primary_name}")
    if facts.source is None:
        return Check(PROMOTION, FAIL, f"the history of {facts.promote_from} was not read")
    tip = _tip(facts)
    if tip is None:
        return Check(PROMOTION, FAIL, f"no tip of {facts.branch} to check")
    passed, detail = promotions.verdict(facts.source, tip)
    return Check(PROMOTION, PASS if passed else FAIL, detail)


def _bytecode(path: str) -> bool:
    return path.rstrip("/").endswith("__pycache__") or path.endswith(".pyc")
