"""The deploy protocol: checks, release, plan, backup, confirm, migrate, verify, go live.

Each step has its undo; a failure in migrate, verify or go-live brings code and
database back when the environment says ``on_failure: rollback``. The engine
never prints or prompts: ``notify`` reports progress, ``confirm`` asks.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import database, history, predeploy, promotion, releases
from .errors import DeployError, NotConfirmed
from .layout import OnHosts
from .releases import Release
from .steps import Step, execute


@dataclass
class Deployment(OnHosts):
    environment: object  # inventory.Environment
    hosts: dict  # HostSpec.name -> connected Host
    ref: str
    confirm: Callable[[dict], bool]
    notify: Callable[[str, str], None] = lambda step, state: None
    allow_dangerous: bool = False
    skip_checks: bool = False
    promotion_source: promotion.Source | None = None  # promote_from's history (tasks read it)
    force_promotion: bool = False
    dry_run: bool = False
    # What the run found and did, for the report and the history.
    release: Release | None = None
    previous: dict = field(default_factory=dict)  # host name -> release name or None
    plan: dict | None = None
    backup: dict | None = None
    applied: list = field(default_factory=list)
    reversed: list = field(default_factory=list)
    switched: list = field(default_factory=list)
    restored: str | None = None

    def each(self, action) -> list:
        """``action(name, host)`` on every host in parallel; the first error is raised."""
        with ThreadPoolExecutor(max_workers=min(16, len(self.hosts))) as pool:
            return list(pool.map(lambda item: action(*item), self.hosts.items()))

    def new_release_path(self) -> str:
        return self.primary_layout.release(self.release.name)

    def steps(self) -> list[Step]:
        return [
            Step("checks", self.check, changes=False),
            Step("release", self.create_release, undo=self.remove_release),
            Step("plan", self.make_plan),
            Step("backup", self.take_backup),
            Step("confirm", self.ask),
            Step("migrate", self.migrate, undo=self.unmigrate),
            Step("verify", self.verify),
            Step("go live", self.go_live, undo=self.go_back),
        ]

    def run(self, *, dry_run: bool = False):
        rollback = self.environment.on_failure == "rollback"
        self.dry_run = dry_run
        return execute(self.steps(), rollback=rollback, dry_run=dry_run, notify=self.notify)

    # --- steps ---

    def check(self) -> None:
        self.promote()
        if self.skip_checks:
            return
        report = predeploy.run(
            self.environment,
            lambda spec: self.hosts[spec.name],
            close=False,
            source=self.promotion_source,
        )
        failed = [
            f"{h.host}: {c.name} ({c.detail})"
            for h in report.hosts
            for c in h.checks
            if c.status == "fail" and c.name not in ("lock", "promotion")  # gated by promote()
        ]
        if failed:
            raise DeployError("pre-deploy checks failed: " + "; ".join(failed[:5]))

    def promote(self) -> None:
        """The promotion gate, for the commit ``ref`` names (before anything is fetched)."""
        if self.promotion_source is None:
            return
        listing = self.primary.run(promotion.ls_remote(self.environment.repository)).stdout
        commit = promotion.resolve(self.ref, listing)
        message = promotion.gate(
            self.environment, self.promotion_source, commit, self.force_promotion
        )
        if message and not self.dry_run:
            event = history.Event("override", "success", self.environment.name, message=message)
            history.record(self.primary, self.primary_layout, event)

    def create_release(self) -> None:
        env = self.environment
        self.each(
            lambda name, host: releases.run(
                host, releases.prepare(self.layout(name), env.repository), "fetching the repository"
            )
        )
        commit = releases.run(
            self.primary, releases.resolve(self.primary_layout, self.ref), f"resolving {self.ref}"
        ).strip()
        if not self.primary.run(releases.on_branch(self.primary_layout, commit, env.branch)).ok:
            raise DeployError(
                f"{self.ref} ({commit[:7]}) is not on {env.branch}, the only "
                f"branch {env.name} deploys from"
            )
        self.release = Release.new(commit)
        self.each(self._create_on)

    def _create_on(self, name, host) -> None:
        layout = self.layout(name)
        listing = releases.parse_listing(releases.run(host, releases.listing(layout), "listing"))
        self.previous[name] = listing.current
        releases.run(
            host,
            releases.create(layout, self.release, self.environment.shared),
            "creating the release",
        )
        for command in self.environment.build:
            releases.run(host, releases.build(layout, self.release, command), f"build `{command}`")

    def remove_release(self) -> None:
        if self.release is None:
            return
        self.each(
            lambda name, host: (
                host.run(releases.remove(self.layout(name), self.release.name))
                if name not in self.switched
                else None
            )
        )

    def make_plan(self) -> None:
        self.plan = database.plan(self.primary, self.new_release_path(), self.environment.manage)
        dangerous = self.plan.get("dangerous", [])
        if dangerous and self.environment.name == "production" and not self.allow_dangerous:
            listed = "; ".join(f"{d['migration']}: {', '.join(d['reasons'])}" for d in dangerous)
            raise DeployError(
                f"dangerous operations stop a production deploy: {listed}; "
                f"review them, then pass --allow-dangerous"
            )

    def take_backup(self) -> None:
        self.backup = database.backup(
            self.primary,
            self.primary_layout,
            self.new_release_path(),
            self.environment.manage,
            self.release.name,
            self.release.commit,
        )

    def ask(self) -> None:
        if not self.confirm(self.summary()):
            raise NotConfirmed("not confirmed: nothing was changed")

    def migrate(self) -> None:
        report = database.migrate(self.primary, self.new_release_path(), self.environment.manage)
        self.applied = report["applied"]

    def unmigrate(self) -> None:
        """Back to the state before: reverse migrations, or restore the backup.

        Not while a host still serves the new release: its migrations must stay applied.
        """
        if self.switched:
            env = self.environment.name
            raise DeployError(
                f"migrations left applied: {', '.join(self.switched)} serve "
                f"{self.release.name}, which needs them; once every host answers: "
                f"fab status --env={env}, then fab deploy --env={env} or fab rollback --env={env}"
            )
        self.reversed, self.restored = database.bring_back(
            self.primary,
            self.primary_layout,
            self.new_release_path(),
            self.environment.manage,
            self.plan,
            self.backup,
        )

    def verify(self) -> None:
        database.verify(self.primary, self.new_release_path(), self.environment.manage)

    def go_live(self) -> None:
        for name, host in self.hosts.items():
            releases.run(host, releases.switch(self.layout(name), self.release.name), "switching")
            self.switched.append(name)
        self.each(lambda name, host: _restart_and_check(self, name, host))

    def go_back(self) -> None:
        """Switch every host that switched back to its previous release.

        If one cannot be reached, the fleet must not stay mixed: the hosts already switched
        back go forward again, so that every host serves the new release, whose migrations
        then stay applied (``unmigrate`` sees ``switched`` and leaves them).
        """
        lost, back = [], []
        for name in list(self.switched):
            previous = self.previous.get(name)
            try:
                if previous:
                    host, layout = self.hosts[name], self.layout(name)
                    releases.run(host, releases.switch(layout, previous), "switching back")
                    _restart(self, name, host)
            except DeployError as error:
                lost.append(f"{name} ({error})")
                continue
            back.append(name)
            self.switched.remove(name)
        if not lost:
            return
        for name in back:
            host = self.hosts[name]
            releases.run(host, releases.switch(self.layout(name), self.release.name), "switching")
            _restart(self, name, host)
            self.switched.append(name)
        raise DeployError(
            f"cannot switch back {'; '.join(lost)}: so that no host is left on another release, "
            f"every reachable host serves {self.release.name} again"
        )

    def summary(self) -> dict:
        return {
            "env": self.environment.name,
            "release": self.release.name,
            "commit": self.release.commit,
            "plan": self.plan,
            "backup": (self.backup or {}).get("id"),
            "hosts": list(self.hosts),
        }


def _restart_and_check(deployment: Deployment, name: str, host) -> None:
    _restart(deployment, name, host)
    spec = next(s for s in deployment.environment.hosts if s.name == name)
    if spec.healthcheck is not None:
        from . import health

        releases.run(
            host, health.check(spec.healthcheck.url, spec.healthcheck.timeout), "health check"
        )


def _restart(deployment: Deployment, name: str, host) -> None:
    layout = deployment.layout(name)
    for command in deployment.environment.restart:
        releases.run(host, releases.in_current(layout, command), f"restart `{command}`")
