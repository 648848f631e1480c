"""The database checks, read from the project's ``predeploy_report`` on the primary.

Schema, migrations, critical relationships, admin user: the four skip together off the
primary or before the first deploy, and fail together without a report or a database.
"""

from __future__ import annotations

from .. import journal
from ..remote.round_trip import Section
from .check import FAIL, NOTHING_DEPLOYED, PASS, SKIP, WARN, Check, Facts, last_line


def database(facts: Facts) -> list[Check]:
    checks = _database(facts)
    interrupted = _interrupted(facts) if facts.primary else None
    return [interrupted if c.name == "schema" and interrupted else c for c in checks]


def _database(facts: Facts) -> list[Check]:
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
    migrations = _migrations(report, facts.rehearsal_database)
    return [_schema(report), migrations, _critical(report), _admin(report)]


def _interrupted(facts: Facts) -> Check | None:
    """An interrupted operation's journal: the schema may be half way; recover first."""
    answer = facts.sections.get("journal")
    found = journal.parse(answer.output, facts.env) if answer is not None and answer.ok else None
    if found is None:
        return None
    detail = (
        f"an interrupted {found.task} of {found.release or '?'} (at {found.step}) left its "
        f"journal: fab recover --env={facts.env}"
    )
    return Check("schema", FAIL, detail)


def _django_failure(answer: Section | None) -> str:
    if answer is None:
        return "the project was not asked"
    return f"predeploy_report failed: {last_line(answer.output) or f'exit {answer.exit_code}'}"


def _schema(report: dict) -> Check:
    schema = report.get("schema") or {"error": "no schema report"}
    if "error" in schema:
        return Check("schema", FAIL, f"could not check the schema: {schema['error']}")
    problems = schema.get("problems", [])
    errors = [p for p in problems if p["severity"] == "error"]
    if errors:
        shown = "; ".join(p["message"] for p in errors[:3])
        more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
        return Check("schema", FAIL, f"{len(errors)} error(s): {shown}{more}", repairable=True)
    if problems:
        return Check("schema", WARN, f"{len(problems)} warning(s): {problems[0]['message']}")
    counts = schema.get("counts", {})
    return Check("schema", PASS, f"{counts.get('models', 0)} models match the database")


def _migrations(report: dict, rehearsal_database: str | None) -> Check:
    """The migration history; a warning where the deploy cannot rehearse the next ones."""
    migrations = report.get("migrations") or {}
    detail = migrations.get("detail", "")
    if not migrations.get("ok"):
        return Check("migrations", FAIL, detail)
    rehearsal = report.get("rehearsal") or {}
    if rehearsal.get("ok") is False and not rehearsal_database:
        unavailable = (
            f"rehearsal unavailable ({rehearsal.get('detail')}): grant CREATEDB or set "
            "rehearsal_database"
        )
        return Check("migrations", WARN, f"{detail}; {unavailable}" if detail else unavailable)
    return Check("migrations", PASS, detail)


def _critical(report: dict) -> Check:
    outcomes = report.get("critical_relationships") or []
    if not outcomes:
        return Check("critical_relationships", SKIP, "none configured")
    failed = [o for o in outcomes if not o["ok"]]
    if failed:
        detail = "; ".join(f"{o['relationship']}: {o['message']}" for o in failed)
        return Check("critical_relationships", FAIL, detail, repairable=True)
    return Check("critical_relationships", PASS, ", ".join(o["relationship"] for o in outcomes))


def _admin(report: dict) -> Check:
    admin = report.get("admin_user") or {}
    if admin.get("ok") is None:
        return Check("admin_user", SKIP, admin.get("detail", "django.contrib.auth not installed"))
    return Check("admin_user", PASS if admin["ok"] else FAIL, admin.get("detail", ""))
