"""Pre-deploy checks: pure functions from a host's answers to pass / fail / warn / skip.

The answers come from ``probe`` (shell sections) and, on the primary, from the
``predeploy_report`` JSON of the deployed project. Nothing here talks to a host.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from . import containers as compose
from . import promotion as promotions
from .probe import Section

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
NOTHING_DEPLOYED = "nothing deployed yet"
ORDER = (
    "connectivity",
    "git_status",
    "branch",
    "containers",
    "schema",
    "migrations",
    "critical_relationships",
    "admin_user",
    "disk_space",
    "lock",
)
PROMOTION = "promotion"  # after ORDER, where the environment has promote_from


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    elapsed_ms: int = 0

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "elapsed_ms": self.elapsed_ms,
        }


@dataclass(frozen=True)
class Facts:
    """What one host answered, and what the environment expects of it."""

    sections: dict[str, Section]
    branch: str
    repository: str
    containers: tuple[str, ...]
    primary: bool
    primary_name: str
    django: dict | None = None  # predeploy_report JSON, primary only
    local: bool = False  # this machine, no SSH
    promote_from: str | None = None
    source: promotions.Source | None = None  # promote_from's history, primary only

    def deployed(self) -> bool:
        current = self.sections.get("current")
        return bool(current and current.ok and current.output.strip())


def evaluate(facts: Facts, elapsed_ms: int = 0) -> list[Check]:
    checks = [
        connectivity(facts),
        git_status(facts),
        branch(facts),
        containers(facts),
        *database(facts),
        disk_space(facts),
        lock(facts),
    ]
    if facts.promote_from:
        checks.append(promotion(facts))
    return [Check(c.name, c.status, c.detail, elapsed_ms) for c in checks]


def connectivity(facts: Facts) -> Check:
    shell = "local shell ok" if facts.local else "ssh ok"
    if facts.django is None:
        return Check("connectivity", PASS, shell)
    database = facts.django.get("connectivity", {})
    status = PASS if database.get("ok") else FAIL
    return Check("connectivity", status, f"{shell}; database: {database.get('detail', '?')}")


def git_status(facts: Facts) -> Check:
    if not facts.deployed():
        return Check("git_status", SKIP, NOTHING_DEPLOYED)
    answer = facts.sections["git_status"]
    if not answer.ok:
        return Check("git_status", FAIL, _last_line(answer.output) or "git status failed")
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
        detail = _last_line(answer.output if answer else "") or "git ls-remote failed"
        return Check("branch", FAIL, f"cannot read {facts.repository}: {detail}")
    tip = _tip(facts)
    if tip is None:
        return Check("branch", FAIL, f"branch {facts.branch} does not exist on {facts.repository}")
    tip = tip[:7]
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


def containers(facts: Facts) -> Check:
    if not facts.containers:
        return Check("containers", SKIP, "no containers in the inventory")
    if not facts.deployed():
        return Check("containers", SKIP, NOTHING_DEPLOYED)
    answer = facts.sections.get("containers")
    if answer is None or not answer.ok:
        detail = _last_line(answer.output if answer else "") or "compose ps failed"
        return Check("containers", FAIL, f"docker compose ps: {detail}")
    try:
        found = compose.parse_ps(answer.output)
    except compose.UnreadableOutput as error:
        return Check("containers", FAIL, str(error))
    status, detail = compose.assess(facts.containers, found)
    return Check("containers", status, detail)


def database(facts: Facts) -> list[Check]:
    names = ("schema", "migrations", "critical_relationships", "admin_user")
    if not facts.primary:
        return [Check(n, SKIP, f"checked on the primary, {facts.primary_name}") for n in names]
    if not facts.deployed():
        return [Check(n, SKIP, NOTHING_DEPLOYED) for n in names]
    report = facts.django
    if report is None:
        detail = _django_failure(facts.sections.get("django"))
        return [Check(n, FAIL, detail) for n in names]
    if not (report.get("connectivity") or {}).get("ok"):
        detail = (report.get("connectivity") or {}).get("detail", "database unreachable")
        return [Check(n, FAIL, detail) for n in names]
    return [_schema(report), _migrations(report), _critical(report), _admin(report)]


def _django_failure(answer: Section | None) -> str:
    if answer is None:
        return "the project was not asked"
    return f"predeploy_report failed: {_last_line(answer.output) or f'exit {answer.exit_code}'}"


def _schema(report: dict) -> Check:
    schema = report.get("schema") or {"error": "no schema report"}
    if "error" in schema:
        return Check("schema", FAIL, f"could not check the schema: {schema['error']}")
    problems = schema.get("problems", [])
    errors = [p for p in problems if p["severity"] == "error"]
    if errors:
        shown = "; ".join(p["message"] for p in errors[:3])
        more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
        return Check("schema", FAIL, f"{len(errors)} error(s): {shown}{more}")
    if problems:
        return Check("schema", WARN, f"{len(problems)} warning(s): {problems[0]['message']}")
    counts = schema.get("counts", {})
    return Check("schema", PASS, f"{counts.get('models', 0)} models match the database")


def _migrations(report: dict) -> Check:
    migrations = report.get("migrations") or {}
    status = PASS if migrations.get("ok") else FAIL
    return Check("migrations", status, migrations.get("detail", ""))


def _critical(report: dict) -> Check:
    outcomes = report.get("critical_relationships") or []
    if not outcomes:
        return Check("critical_relationships", SKIP, "none configured")
    failed = [o for o in outcomes if not o["ok"]]
    if failed:
        detail = "; ".join(f"{o['relationship']}: {o['message']}" for o in failed)
        return Check("critical_relationships", FAIL, detail)
    return Check("critical_relationships", PASS, ", ".join(o["relationship"] for o in outcomes))


def _admin(report: dict) -> Check:
    admin = report.get("admin_user") or {}
    if admin.get("ok") is None:
        return Check("admin_user", SKIP, admin.get("detail", "django.contrib.auth not installed"))
    return Check("admin_user", PASS if admin["ok"] else FAIL, admin.get("detail", ""))


def disk_space(facts: Facts) -> Check:
    free = _free_bytes(facts.sections.get("disk"))
    if free is None:
        return Check("disk_space", WARN, "could not read free space (df)")
    size = (facts.django or {}).get("database_size_bytes")
    if not facts.primary or size is None:
        return Check("disk_space", PASS, f"{_human(free)} free")
    if free < 2 * size:
        return Check("disk_space", FAIL, f"{_human(free)} free, backups need 2 x {_human(size)}")
    return Check("disk_space", PASS, f"{_human(free)} free, database {_human(size)}")


def lock(facts: Facts) -> Check:
    answer = facts.sections.get("lock")
    if answer is None or not answer.ok or not answer.output.strip():
        return Check("lock", PASS, "no deploy in progress")
    try:
        info = json.loads(answer.output)
        holder = (
            f"{info.get('task', '?')} by {info.get('operator', '?')} since {info.get('time', '?')}"
        )
    except (json.JSONDecodeError, AttributeError):
        holder = "an unreadable lock"
    return Check("lock", FAIL, f"held: {holder}; wait, or `fab unlock` if its holder is gone")


def _free_bytes(answer: Section | None) -> int | None:
    if answer is None:
        return None
    for line in reversed(answer.output.strip().splitlines()):
        fields = line.split()
        if len(fields) >= 4 and fields[3].isdigit():
            return int(fields[3])
    return None


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _bytecode(path: str) -> bool:
    return path.rstrip("/").endswith("__pycache__") or path.endswith(".pyc")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
