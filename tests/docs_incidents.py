"""What goes wrong in the runbook, made to happen for real on the docs' fleet (docs_fleet.py)."""

from __future__ import annotations

import shlex
import threading
import time
from datetime import timedelta

import deploying
import yaml
from deploying import add_field, add_migration, remove_field
from docs_fleet import FleetWorld

from deployment.layout import Layout

RENAME = "ALTER TABLE asset RENAME COLUMN resource_id TO publishing_organization_id"
# db_default: the column comes with a database default, so the running release, which does
# not know it, can still insert (the rehearsal would stop a plain default='').
MOTTO = "motto = models.TextField(blank=True, db_default='')"
ADD_MOTTO = (
    "        migrations.AddField('resource', 'motto', models.TextField(blank=True, db_default='')),"
)
DROP_MOTTO = "        migrations.RemoveField('resource', 'motto'),"
# Fails on production's rows only: the rehearsal, on a copy of the schema without rows, passes.
FAILING_SQL = (
    "        migrations.RunSQL('ALTER TABLE resource ADD CONSTRAINT resource_name_short "
    "CHECK (length(name) < 3)', migrations.RunSQL.noop),"
)
ROW = (
    "INSERT INTO resource (name, slug, created, is_active) "
    "VALUES ('Annual report', 'annual-report', now(), true)"
)


def drift(world: FleetWorld) -> None:
    """The seed's incident: a column renamed behind Django's back, every migration applied."""
    world.postgres.execute("docs_production", RENAME)


def broken_migration(world: FleetWorld) -> None:
    """A new field whose migration fails halfway on production's rows, committed and pushed."""
    world.postgres.execute("docs_production", ROW)
    add_field(world.origin, MOTTO)
    add_migration(world.origin, "0004_resource_motto", ADD_MOTTO + "\n" + FAILING_SQL)


def fixed_migration(world: FleetWorld) -> None:
    (world.origin.work / "content" / "migrations" / "0004_resource_motto.py").unlink()
    add_migration(world.origin, "0004_resource_motto", ADD_MOTTO)


def dropped_column(world: FleetWorld) -> None:
    """The newest commit drops the column ``resource.motto``: dangerous on production."""
    remove_field(world.origin, MOTTO)
    add_migration(world.origin, "0005_remove_resource_motto", DROP_MOTTO)


class HostDrop:
    """web2's sshd stops while web2 restarts the new release, and starts again later."""

    def __init__(self, world: FleetWorld):
        self.world, self.marker = world, world.folder / "web2-restarting"
        self.inventory = world.inventory / "production.yml"
        self.original = self.inventory.read_text()
        self.thread = threading.Thread(target=self._stop_web2_when_restarting, daemon=True)

    def arm(self) -> None:
        web2 = self.world.deploy_to("production", "web2.example.com")
        signal = f"touch {shlex.quote(str(self.marker))}; sleep 60"
        restart = f'case "$(pwd)" in {shlex.quote(str(web2))}/current) {signal};; esac'
        document = yaml.safe_load(self.original) | {"restart": [restart]}
        self.inventory.write_text(yaml.safe_dump(document, sort_keys=False))
        self.thread.start()

    def _stop_web2_when_restarting(self) -> None:
        deadline = time.monotonic() + 120
        while not self.marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.world.servers[1].stop()

    def disarm(self) -> None:
        self.thread.join(timeout=130)
        self.inventory.write_text(self.original)

    def back(self) -> None:
        self.world.servers[1].start()


def stale_lock(world: FleetWorld) -> None:
    """The lock of a CI job cancelled 31 minutes ago (no heartbeat since)."""
    layout = Layout(str(world.deploy_to("production", "web1.example.com")))
    deploying.stale_lock(
        layout, idle=timedelta(minutes=31), age=timedelta(minutes=40), env="production"
    )


def rekeyed(world: FleetWorld) -> None:
    """web2 comes back reinstalled: a new host key."""
    server = world.servers[1]
    server.stop()
    server.new_host_key()
    server.start()
