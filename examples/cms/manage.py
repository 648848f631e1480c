#!/usr/bin/env python
"""Django's command-line utility for the example CMS project."""

import os
import sys
from pathlib import Path

# The repository root (two levels up) holds the schema_safety package. Appended,
# not prepended: an installed schema_safety, if any, wins, and nothing in the
# repository root can shadow the project's own modules.
REPO_ROOT = str(Path(__file__).resolve().parents[2])


def main() -> None:
    if REPO_ROOT not in sys.path:
        sys.path.append(REPO_ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
