"""Build a generated project's schema fast: ``migrate auth``, then the ``gen`` tables directly.

Runs inside a generated project, on an empty database:

    python build_schema.py

The ``gen`` DDL is what ``migrate`` runs for ``gen.0001_initial``: the same schema editor
``create_model`` calls, deferred foreign keys and indexes included, and the migration is
recorded as applied. What is skipped is the migration state rendering, which grows
quadratically along the generated chain of foreign keys (``migrate`` of 500 models takes
minutes). The tables are created in batches, one transaction each: in a single one, 1000
models take more locks than PostgreSQL's default ``max_locks_per_transaction`` allows
(``migrate`` itself fails that way). Each model's foreign key points at the model before it,
so every batch only refers to tables that exist. The benchmark checks at 100 models that
this builds the same schema as ``migrate``.
"""

from __future__ import annotations

import django
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

BATCH = 100


def main() -> None:
    django.setup()
    call_command("migrate", "auth", verbosity=0)
    models = list(apps.get_app_config("gen").get_models())
    for start in range(0, len(models), BATCH):
        with connection.schema_editor() as editor:
            for model in models[start : start + BATCH]:
                editor.create_model(model)
    MigrationRecorder(connection).record_applied("gen", "0001_initial")


if __name__ == "__main__":
    main()
