"""What the backup commands share: one JSON document on stdout, exit 0 / 1 / 2, no secrets."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils.connection import ConnectionDoesNotExist

from .errors import UsageError, failure, mask, secrets_of


class JsonCommand(BaseCommand):
    """``perform(options) -> (document, exit code)``; any failure becomes one line of JSON
    (``{"ok": false, "error": "..."}``, exit 1, or 2 for usage), never a traceback."""

    requires_system_checks = []
    requires_migrations_checks = False

    def perform(self, options: dict) -> tuple[dict, int]:
        raise NotImplementedError

    def handle(self, *args, **options):
        secrets = secrets_of(settings.DATABASES)
        try:
            document, code = self.perform(options)
        except UsageError as error:
            document, code = failure(error, secrets), 2
        except Exception as error:  # an expected outcome here: report it as JSON, masked
            document, code = failure(error, secrets), 1
        text = json.dumps(document) if code else json.dumps(document, indent=2)
        self.stdout.write(mask(text, secrets))
        if code:
            raise SystemExit(code)


def connection_for(alias: str):
    """The connection for a DATABASES alias, or UsageError naming the aliases there are."""
    try:
        return connections[alias]
    except ConnectionDoesNotExist:
        known = ", ".join(connections) or "none"
        raise UsageError(f"unknown database alias {alias!r}; DATABASES has: {known}") from None
