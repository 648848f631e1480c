"""End-to-end test settings: the example CMS plus the zoo app; DATABASE_URL picks the backend."""

from cms.settings import *  # noqa: F403
from cms.settings import INSTALLED_APPS
from zoo_settings import SILENCED_SYSTEM_CHECKS  # noqa: F401

INSTALLED_APPS = [*INSTALLED_APPS, "zoo"]
