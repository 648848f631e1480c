"""A CharField whose collation is chosen per backend.

``db_collation`` is one literal name for every backend; this field picks a
binary collation that exists on each, so one set of migrations runs anywhere.
"""

from django.db import models

COLLATIONS = {"postgresql": "C", "sqlite": "BINARY", "mysql": "utf8mb4_bin"}


class CollatedCharField(models.CharField):
    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        params["collation"] = COLLATIONS.get(connection.vendor)
        return params
