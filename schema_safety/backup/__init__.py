"""Database backups for deploys: dump, manifest, verification and restore.

One module per backend (postgresql, sqlite, mysql), each with ``FORMAT``, ``dump``,
``check_readable`` and ``restore``; ``manifest`` describes a dump; ``operations`` strings
the steps together for the ``backup_database``, ``verify_backup`` and ``restore_database``
management commands. Credentials are read from DATABASES and never reach argv or output.
"""

from .errors import BackupError, UsageError
from .operations import restore, take, verify

__all__ = ["BackupError", "UsageError", "restore", "take", "verify"]
