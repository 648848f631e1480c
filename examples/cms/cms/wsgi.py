"""WSGI entry point (for example `gunicorn cms.wsgi`)."""

import os
import sys
from pathlib import Path

# As in manage.py: the repository root holds the schema_safety package.
REPO_ROOT = str(Path(__file__).resolve().parents[3])
if REPO_ROOT not in sys.path:
    sys.path.append(REPO_ROOT)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
