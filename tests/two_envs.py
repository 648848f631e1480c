"""Two environments, staging and production, in one inventory: each its own host and database."""

from __future__ import annotations

from fleet import Fleet, Origin


def two_environments(folder, servers, postgres_server, prefix: str, **production_keys):
    """(staging, production) Fleets sharing an origin and an inventory directory.

    ``servers`` = (staging's host, production's host). Each trusts only its own host's key:
    production reads staging's history with staging's connection settings.
    """
    origin = Origin(folder)
    fleets = []
    for name, server in zip(("staging", "production"), servers, strict=True):
        database = f"{prefix}_{name}"
        postgres_server.drop_database(database)
        postgres_server.create_database(database)
        (folder / name).mkdir()
        fleet = Fleet(folder / name, origin, [server], postgres_server.url(database))
        (fleet.inventory / "test.yml").unlink()
        fleet.db, fleet.name = database, name
        fleet.trust(server)
        fleets.append(fleet)
    staging, production = fleets
    production.inventory = staging.inventory
    staging.write_inventory("staging", confirm="none")
    production.write_inventory("production", confirm="yes-no", **production_keys)
    return staging, production
