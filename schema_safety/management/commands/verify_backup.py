"""manage.py verify_backup: is a backup whole, and can the restore tool read it?"""

from __future__ import annotations

from pathlib import Path

from ...backup import verify
from ...backup.command import JsonCommand


class Command(JsonCommand):
    help = (
        "Verify a backup without touching any database: recompute its size and sha256 and "
        "prove the restore tool reads it (pg_restore --list; SQLite integrity_check and a "
        "django_migrations table; a complete mysqldump). Prints "
        '{"ok", "id", "checks": {"sha256", "size", "readable"}, "detail"}. Exit 0 ok, 1 not. '
        "Example: manage.py verify_backup --manifest /srv/cms/backups/20240501-abc1234.json"
    )

    def add_arguments(self, parser):
        parser.add_argument("--manifest", required=True, help="The backup's DIR/ID.json.")

    def perform(self, options):
        report = verify(Path(options["manifest"]))
        return report, 0 if report["ok"] else 1
