"""The stage the fault matrix plays on: two hosts behind real sshd, each serving the example
project with gunicorn, one PostgreSQL database, and the fault points of tests/fault_points.py
in the inventory. Built once; ``reset(scene)`` puts hosts, origin and database back as they
were after the scene was first played, so every cell starts from the same state in seconds.

Scenes: ``deploy``: release A live, rows written; the origin one commit ahead is up to the
cell. ``rollback``: then release B deployed (a nullable column ``summary`` and a migration
with fault points), more rows written; a rollback goes back to A.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from consistency import TABLES, running_steps, table_columns
from deploying import add_field, make_fleet
from fault_points import DEADLINE, Points, migration_source
from fleet import Fleet
from project import ROOT
from read_pause import ReadPause
from servers.wsgi import WsgiServer

ADDRESSES = ("127.0.0.61", "127.0.0.62")
SUMMARY = "summary = models.TextField(null=True)"
SUMMARY_FIELD = "models.TextField(null=True)"
RESOURCE = "INSERT INTO resource (name, slug, created, is_active) VALUES (%s, 's', now(), true)"
ASSET = (
    "INSERT INTO asset (title, resource_id, file_size, checksum, description, created) "
    "SELECT %s, id, 1, 'c', 'kept', now() FROM resource WHERE name = %s"
)


@dataclass
class Stage:
    folder: Path
    fleet: Fleet
    postgres: object
    hosts: list  # SshdServer, in inventory order (the first is the primary)
    points: Points
    sites: list[WsgiServer] = field(default_factory=list)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # release A's tables
    history_pause: ReadPause | None = None

    @classmethod
    def build(cls, folder: Path, sshd_servers, postgres) -> Stage:
        hosts = [sshd_servers.start(address) for address in ADDRESSES]
        fleet = make_fleet(folder / "fleet", hosts, postgres, "fault matrix", confirm="none")
        stage = cls(folder, fleet, postgres, hosts, Points(folder / "faults"))
        environment = {"DATABASE_URL": fleet.database_url, "PYTHONPATH": str(ROOT)}
        stage.sites = [WsgiServer(d, environment, workers=1) for d in fleet.deploy_to]
        stage.play_deploy_scene()
        stage.play_rollback_scene()
        return stage

    # --- the scenes ---

    def play_deploy_scene(self) -> None:
        self.write_inventory(served=False)  # nothing serves yet
        self.deploy()
        self.fleet.add_superuser()
        self.write("before")
        self.columns = {t: table_columns(self.postgres, self.fleet, t) for t in TABLES}
        for site in self.sites:
            site.start()
        self.write_inventory()
        self.save("deploy")

    def play_rollback_scene(self) -> None:
        self.commit_summary()
        self.deploy()
        self.write("between")
        self.save("rollback")

    def commit_summary(self, field_: str = SUMMARY_FIELD, atomic: bool = True) -> str:
        """The next commit: Resource.summary and its migration 0003 with fault points."""
        origin = self.fleet.origin
        add_field(origin, f"summary = {field_}")
        name = "0003_resource_summary"
        source = migration_source(name, "0002_asset_description", "summary", field_, atomic)
        (origin.work / "content" / "migrations" / f"{name}.py").write_text(source)
        return origin.commit(f"Resource.summary ({name})")

    def deploy(self) -> None:
        done = self.fleet.fab("deploy", "--env=test", "--yes")
        assert done.returncode == 0, done.stdout + done.stderr

    def write(self, name: str) -> None:
        """A resource and an asset, as the site's editors add them."""
        self.postgres.execute(self.fleet.db, RESOURCE, [name])
        self.postgres.execute(self.fleet.db, ASSET, [name, name])

    def write_inventory(
        self, served: bool = True, healthchecks=None, confirm: str = "none", **keys
    ) -> None:
        """The stage's inventory: fault points in manage, build and restart; each host's
        health check (``healthchecks``: others, in host order); then ``keys``.
        ``served=False``: no restart and no health check (before gunicorn runs)."""
        points = self.points
        checks = healthchecks or [site.healthcheck(20) for site in self.sites]
        more = {"restart": [points.restart()]} if served else {}
        self.fleet.write_inventory(
            manage=points.manage(self.fleet.manage_command),
            confirm=confirm,
            build=[points.command("build")],
            per_host=[{"healthcheck": check} for check in checks] if served else None,
            **more,
            **keys,
        )

    # --- snapshots ---

    def parts(self) -> list[Path]:
        origin = self.fleet.origin
        return [*self.fleet.deploy_to, origin.work, origin.bare]

    def save(self, scene: str) -> None:
        target = self.folder / "scenes" / scene
        for part in self.parts():
            ignore = shutil.ignore_patterns("run")
            shutil.copytree(part, target / part.name, symlinks=True, ignore=ignore)
        self.postgres.drop_database(self.scene_database(scene))
        self.postgres.create_database(self.scene_database(scene), template=self.fleet.db)

    def reset(self, scene: str) -> None:
        """Hosts up, every point cleared, the fleet and its database as ``scene`` left them,
        the sites serving it again."""
        self.points.release_all()
        self.points.settle()
        self.points.clear()
        self.history_pause = None
        self.quiet()
        for host in self.hosts:
            host.start()
        for site in self.sites:
            site.stop()
        source = self.folder / "scenes" / scene
        for part in self.parts():
            shutil.rmtree(part)
            shutil.copytree(source / part.name, part, symlinks=True)
        self.postgres.drop_database(self.fleet.db)
        self.postgres.create_database(self.fleet.db, template=self.scene_database(scene))
        for site in self.sites:
            site.start()
        self.write_inventory()

    def quiet(self) -> None:
        """Until no detached remote step of an earlier cell runs (its files go next)."""
        deadline = time.monotonic() + DEADLINE
        while running_steps(self.fleet) and time.monotonic() < deadline:
            time.sleep(0.1)

    def scene_database(self, scene: str) -> str:
        return f"{self.fleet.db}_{scene}"

    def close(self) -> None:
        self.points.release_all()
        self.points.settle()
        for site in self.sites:
            site.stop()
        for host in self.hosts:
            host.start()
