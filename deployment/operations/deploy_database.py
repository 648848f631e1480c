"""The deploy's database steps: plan, backup, migrate (and its undo), verify. All on the
primary, with the new release's code."""

from __future__ import annotations

from ..database import backups, migrations, rehearsals
from ..database.verify import verify
from ..errors import DeployError
from . import hook_runs
from .summary import Plan


class DatabaseSteps:
    """Part of ``Deployment``: the steps that read and move the database."""

    def make_plan(self) -> None:
        document = migrations.plan(self.primary, self.new_release_path(), self.environment.managed)
        self.plan = Plan.from_json(document)
        dangerous = self.plan.dangerous
        if dangerous and self.environment.protected and not self.allow_dangerous:
            listed = "; ".join(f"{d['migration']}: {', '.join(d['reasons'])}" for d in dangerous)
            self.stop_at_plan(
                f"dangerous operations stop a production deploy: {listed}; "
                f"review them, then pass --allow-dangerous"
            )
        self.rehearse_migrations()
        self.waive_drift()

    def rehearse_migrations(self) -> None:
        """The pending migrations tried on a scratch copy of the live schema first."""
        if not any(not m.get("backwards") for m in self.plan.migrations):
            return
        if self.no_rehearsal:
            self.rehearsal = rehearsals.Rehearsal(skipped="--no-rehearsal")
            return
        env = self.environment
        self.rehearsal = rehearsals.rehearse(
            self.primary, self.new_release_path(), env.managed, env.rehearsal_database
        )
        refused = rehearsals.refusal(
            self.rehearsal, allow_downtime=self.allow_downtime, protected=env.protected
        )
        if refused:
            self.stop_at_plan(refused)

    def waive_drift(self) -> None:
        """The checks' schema drift stops the deploy unless the rehearsal showed the new
        release's migrations bring the schema back to its models."""
        if self.drift is None:
            return
        repaired = rehearsals.repairs(self.rehearsal)
        if not repaired:
            self.stop_at_plan(
                f"{self.drift}; the new release's migrations do not repair it (rehearsed on a "
                "copy of the live schema): repair the drift first (verify_schema --fix)"
            )
            return
        self.drift = None  # the plan shows what they repair; the history says by which

    def stop_at_plan(self, why: str) -> None:
        """The deploy stops here (--dry-run: says it would)."""
        self.blocked = self.blocked or why
        if not self.dry_run:
            raise DeployError(why)

    def take_backup(self) -> None:
        self.backup = backups.take(
            self.primary,
            self.primary_layout,
            self.new_release_path(),
            self.environment.managed,
            self.release.name,
            self.release.commit,
        )

    def migrate(self) -> None:
        self.verified = None  # the database moves: what was verified no longer holds
        layout, path = self.primary_layout, self.new_release_path()
        moment = self.moment(self.environment.primary.name)
        hook_runs.before(self.environment, self.primary, "before_migrate", path, moment)
        targets = self.plan.deploy_targets() if self.plan else None
        if targets == ():
            return  # every pending migration waits for go-live
        report = migrations.migrate(
            self.primary, layout, path, self.environment.managed, *(targets or ())
        )
        self.applied = report["applied"]

    def has_post_deploy(self) -> bool:
        return bool(self.plan and self.plan.post_deploy)

    def migrate_post_deploy(self) -> None:
        """The migrations marked ``post_deploy``, once every host serves the new release and
        passed its health check; verified with its code. A failure undoes the whole deploy,
        as one before go-live does."""
        self.verified = None
        layout, path = self.primary_layout, self.new_release_path()
        report = migrations.migrate(
            self.primary, layout, path, self.environment.managed, *self.plan.post_deploy
        )
        self.applied = [*self.applied, *report["applied"]]
        verify(self.primary, path, self.environment.managed)
        self.verified = self.release.name

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
        previous = self.previous.get(self.environment.primary.name)
        self.reversed, self.restored = migrations.bring_back(
            self.primary,
            self.primary_layout,
            self.new_release_path(),
            self.environment.managed,
            self.plan,
            self.backup,
            matches=self.primary_layout.release(previous) if previous else None,
        )
        self.verified = previous

    def verify(self) -> None:
        verify(self.primary, self.new_release_path(), self.environment.managed)
        self.verified = self.release.name
