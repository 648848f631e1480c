"""manage.py restore_database: bring the database back to a verified backup."""

from __future__ import annotations

from pathlib import Path

from ...backup import UsageError, restore, verify
from ...backup.command import JsonCommand, connection_for
from ...backup.manifest import load


class Command(JsonCommand):
    help = (
        "Restore a backup into the configured database, replacing its tables (tables made "
        "after the backup are dropped). The backup is verified first: a corrupted one is "
        "refused and nothing is touched. PostgreSQL restores in one transaction (a failure "
        "leaves the database as it was); SQLite copies with the online backup API; MySQL "
        "feeds the dump to mysql (not transactional). This command does NOT take a safety "
        "backup of the current data: run backup_database first (the deploy tool does). "
        "Needs --yes. Exit 0 restored, 1 failed or refused, 2 usage. "
        "Example: manage.py restore_database --manifest /srv/cms/backups/ID.json --yes"
    )

    def add_arguments(self, parser):
        parser.add_argument("--manifest", required=True, help="The backup's DIR/ID.json.")
        parser.add_argument(
            "--database",
            default=None,
            help="Database alias to restore into (default: the manifest's, else default).",
        )
        parser.add_argument(
            "--yes", action="store_true", help="Really replace the database's contents."
        )

    def perform(self, options):
        if not options["yes"]:
            raise UsageError("restore_database replaces the database's contents: pass --yes")
        manifest = Path(options["manifest"])
        report = verify(manifest)
        if not report["ok"]:
            error = f"backup {report['id']!r} failed verification, nothing restored: "
            refusal = {"ok": False, "id": report["id"], "error": error + report["detail"]}
            return {**refusal, "checks": report["checks"]}, 1
        alias = options["database"] or _alias_of(manifest)
        return restore(connection_for(alias), manifest), 0


def _alias_of(manifest: Path) -> str:
    return load(manifest).get("database") or "default"
