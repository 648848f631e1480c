"""manage.py backup_database: dump the database and write its manifest beside it."""

from __future__ import annotations

from pathlib import Path

from ...backup import take, verify
from ...backup.command import JsonCommand, connection_for
from ...backup.manifest import check_id


class Command(JsonCommand):
    help = (
        "Back up a database into DIR/ID.dump and write DIR/ID.json, its manifest (commit, "
        "applied migrations, size, sha256, format), then print the manifest as JSON. "
        "PostgreSQL: pg_dump --format=custom; SQLite: the online backup API; MySQL/MariaDB: "
        "mysqldump --single-transaction. Credentials come from DATABASES and never reach a "
        "command line. Both files appear only when complete. Exit 0 ok, 1 failed (one line "
        'of JSON: {"ok": false, "error": ...}), 2 usage. With --verify, the backup is then '
        "verified as verify_backup does, in the same process: the manifest printed gains "
        '"verification" (verify_backup\'s report), and a failed one exits 1. '
        "Example: manage.py backup_database --dir /srv/cms/backups --id 20240501-abc1234"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", required=True, help="Folder for ID.dump and ID.json.")
        parser.add_argument("--id", required=True, help="Backup id: letters, digits, . _ -")
        parser.add_argument("--commit", default=None, help="Commit deployed (for the manifest).")
        parser.add_argument(
            "--database", default="default", help="Database alias (default: default)."
        )
        parser.add_argument(
            "--verify", action="store_true", help="Then verify it, as verify_backup does."
        )

    def perform(self, options):
        backup_id = check_id(options["id"])
        connection = connection_for(options["database"])
        folder = Path(options["dir"])
        manifest = take(connection, folder, backup_id, options["commit"])
        if not options["verify"]:
            return manifest, 0
        report = verify(folder / f"{backup_id}.json")
        return {**manifest, "verification": report}, 0 if report["ok"] else 1
