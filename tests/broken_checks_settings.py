"""Test settings: the test project with a system check ERROR (staticfiles.E002)."""

from project_settings import *  # noqa: F403

STATIC_ROOT = "/srv/static"
STATICFILES_DIRS = ["/srv/static"]
