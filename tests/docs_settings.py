"""The example project's settings with a second database alias, ``replica`` (the same database),
for the README's ``python manage.py verify_schema --database replica``."""

from cms.settings import *  # noqa: F403
from cms.settings import DATABASES

DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
