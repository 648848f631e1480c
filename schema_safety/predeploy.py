"""predeploy_report's engine: every database-side pre-deploy answer, in one read-only transaction.

Each check runs in its own savepoint and turns its failure into data: the orchestrator reads
one JSON document whatever happens. No printing here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.db import DatabaseError, router, transaction

from . import conf, history
from .introspection import read_only
from .rehearsal import scratch
from .verify import verify

VERSION_SQL = {
    "postgresql": "SHOW server_version",
    "mysql": "SELECT VERSION()",
    "sqlite": "SELECT sqlite_version()",
}
SIZE_SQL = {
    "postgresql": "SELECT pg_database_size(current_database())",
    "mysql": "SELECT COALESCE(SUM(data_length + index_length), 0) "
    "FROM information_schema.TABLES WHERE table_schema = DATABASE()",
    "sqlite": "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
}


@dataclass
class Report:
    """The answers for one database; ``None`` sections were not checked (unreachable)."""

    database: str
    vendor: str
    connectivity: dict
    schema: dict | None = None
    migrations: dict | None = None
    admin_user: dict | None = None
    rehearsal: dict | None = None  # may a scratch database be made for the rehearsal?
    database_size_bytes: int | None = None
    elapsed_ms: int = 0
    critical: list[dict] = field(default_factory=list)

    def ok(self) -> bool:
        return bool(
            self.connectivity["ok"]
            and self.schema["ok"]
            and self.migrations["ok"]
            and all(outcome["ok"] for outcome in self.critical)
            and self.admin_user["ok"] is not False
        )

    @property
    def exit_code(self) -> int:
        if not self.connectivity["ok"]:
            return 2
        return 0 if self.ok() else 1

    def as_json(self) -> dict:
        return {
            "ok": self.ok(),
            "database": self.database,
            "vendor": self.vendor,
            "elapsed_ms": self.elapsed_ms,
            "connectivity": self.connectivity,
            "schema": self.schema,
            "migrations": self.migrations,
            "critical_relationships": self.critical,
            "admin_user": self.admin_user,
            "rehearsal": self.rehearsal,
            "database_size_bytes": self.database_size_bytes,
        }


def unreachable(alias: str, vendor: str, detail: str) -> Report:
    return Report(alias, vendor, {"ok": False, "detail": detail})


def collect(connection, extra_critical: Sequence[str] = ()) -> Report:
    """Connect, then answer every question inside one read-only transaction."""
    started = time.monotonic()
    try:
        with read_only(connection) as cursor:
            report = Report(connection.alias, connection.vendor, _connectivity(cursor, connection))
            _fill(report, connection, cursor, list(extra_critical))
    except DatabaseError as error:
        detail = f"cannot read database {connection.alias!r} ({connection.vendor}): "
        report = unreachable(connection.alias, connection.vendor, detail + one_line(error))
    report.elapsed_ms = int((time.monotonic() - started) * 1000)
    return report


def _fill(report: Report, connection, cursor, extra_critical: list[str]) -> None:
    loader = _guarded(connection, lambda: history.load(connection), lambda _: None)
    report.migrations = _guarded(
        connection, lambda: history.check_migrations(loader), history.migration_error
    )
    report.admin_user = _guarded(connection, lambda: check_admin_user(connection), _admin_error)
    report.rehearsal = _guarded(
        connection, lambda: scratch.can_create(connection), lambda d: {"ok": None, "detail": d}
    )
    report.database_size_bytes = _guarded(
        connection, lambda: database_size(cursor, connection.vendor), lambda _: None
    )
    # Last: on MySQL, verify's own read-only block gives the session its timeouts back.
    report.schema = _guarded(
        connection, lambda: check_schema(connection, extra_critical, loader), _schema_error
    )
    report.critical = report.schema.get("critical", [])


def _guarded(connection, check: Callable, fallback: Callable[[str], object]):
    """Run ``check`` in a savepoint, so that its failure leaves the others' transaction usable."""
    try:
        with transaction.atomic(using=connection.alias):
            return check()
    except Exception as error:  # every failure is an answer: the orchestrator needs the JSON
        return fallback(one_line(error))


def one_line(error: BaseException) -> str:
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    return text or type(error).__name__


def _connectivity(cursor, connection) -> dict:
    cursor.execute(VERSION_SQL.get(connection.vendor, "SELECT 1"))
    version = str(cursor.fetchone()[0])
    if connection.vendor not in VERSION_SQL:
        return {"ok": True, "detail": f"connected to {connection.display_name}"}
    name = "MariaDB" if "mariadb" in version.lower() else connection.display_name
    return {"ok": True, "detail": f"connected to {name} {version}"}


def check_schema(connection, extra_critical: list[str], loader=None) -> dict:
    """Exactly ``verify_schema --format json`` for every installed app."""
    relationships = conf.critical_relationships() + extra_critical
    configs = list(apps.get_app_configs())
    result = verify(connection, configs, relationships, all_apps=True, loader=loader)
    return result.as_json()


def _schema_error(detail: str) -> dict:
    return {"ok": False, "error": detail}


def check_admin_user(connection) -> dict:
    """Active superusers of the (swappable) user model; ``ok: None`` when not applicable."""
    if not apps.is_installed("django.contrib.auth"):
        return {"ok": None, "count": None, "detail": "django.contrib.auth is not installed"}
    from django.contrib.auth import get_user_model

    user = get_user_model()
    fields = {f.name for f in user._meta.get_fields()}
    if "is_superuser" not in fields:
        detail = f"{user._meta.label} has no is_superuser field"
        return {"ok": None, "count": None, "detail": detail}
    if not router.allow_migrate_model(connection.alias, user):
        detail = f"{user._meta.label} is not stored in database {connection.alias!r}"
        return {"ok": None, "count": None, "detail": detail}
    wanted = {"is_superuser": True} | ({"is_active": True} if "is_active" in fields else {})
    count = user._default_manager.db_manager(connection.alias).filter(**wanted).count()
    if count:
        return {"ok": True, "count": count, "detail": f"{count} active superuser(s)"}
    detail = "no active superuser: run `manage.py createsuperuser`"
    return {"ok": False, "count": 0, "detail": detail}


def _admin_error(detail: str) -> dict:
    return {"ok": False, "count": None, "detail": f"cannot count superusers: {detail}"}


def database_size(cursor, vendor: str) -> int | None:
    """Bytes the database takes on disk, as the server reports it."""
    if vendor not in SIZE_SQL:
        return None
    cursor.execute(SIZE_SQL[vendor])
    return int(cursor.fetchone()[0])
