"""Does the database match a release's models? ``verify_schema`` (and ``check --deploy``)
with that release's code, on the primary."""

from __future__ import annotations

from ..errors import DeployError
from ..remote import django


def verify(
    host, release_path: str, manage: str, system_checks: bool = True, pending_ok: bool = False
) -> None:
    """verify_schema and (unless told not to) ``check --deploy`` with this release's code,
    in one Django process (``verify_release``); DeployError naming what does not hold.

    ``pending_ok``: differences that an unapplied migration fixes are expected (before migrate).
    """
    command = ("verify_release",) if system_checks else ("verify_schema", "--format", "json")
    document = django.run_json(host, release_path, manage, *command, accept=(0, 1))
    report = document.get("schema", {}) if system_checks else document
    checks = document.get("system_checks", {}) if system_checks else {"ok": True}
    errors = [
        p["message"]
        for p in report.get("problems", [])
        if p["severity"] == "error" and not (pending_ok and "Pending: " in (p.get("hint") or ""))
    ]
    if errors:
        raise DeployError(f"verify_schema: {'; '.join(errors[:3])}")
    if not checks.get("ok"):
        raise DeployError(f"manage.py check --deploy: {checks.get('detail') or 'failed'}")


def errors(host, release_path: str, manage: str) -> list[dict]:
    """The error-severity problems ``verify_schema`` finds with this release's models."""
    document = django.run_json(
        host, release_path, manage, "verify_schema", "--format", "json", accept=(0, 1)
    )
    return [p for p in document.get("problems", []) if p.get("severity") == "error"]
