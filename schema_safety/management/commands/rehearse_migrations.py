"""manage.py rehearse_migrations: the pending migrations applied to a scratch copy of the live
database's schema, before anything live changes; reported as JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ...backup.errors import BackupError
from ...rehearsal.rehearse import rehearse
from ...rehearsal.scratch import Unavailable
from .verify_schema import connection_for


class Command(BaseCommand):
    help = (
        "Copy the live database's schema (no rows but the migration recorder's and the "
        "content types') into a scratch database on the same server, apply the pending "
        "migrations there, and compare the result with this release's models and with the "
        "running release's (its applied migrations' state). The scratch is always dropped. "
        "Exit 0: rehearsed (see ok), 1: a migration failed or the result does not match, "
        "3: no scratch database can be made here (grant CREATEDB, or pass --scratch)."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias.")
        parser.add_argument(
            "--scratch",
            metavar="NAME",
            help="An existing database to rehearse in, emptied before and after "
            "(default: a new one, dropped afterwards).",
        )

    def handle(self, *args, **options):
        connection = connection_for(options["database"])
        try:
            document = rehearse(connection, options["scratch"])
        except Unavailable as error:
            self._write({"ok": False, "available": False, "error": f"{error}"})
            raise SystemExit(3) from None
        except (DatabaseError, BackupError, CommandError) as error:
            said = " ".join(str(error).split()) or type(error).__name__
            self._write({"ok": False, "available": True, "error": said})
            raise SystemExit(1) from None
        self._write(document)
        if not document["ok"]:
            raise SystemExit(1)

    def _write(self, document: dict) -> None:
        self.stdout.write(json.dumps(document))
