"""fab migrate: the safe migration protocol on the current release alone."""

from __future__ import annotations

from fabric import task

from deployment import history, lock
from deployment.safe_migration import SafeMigration
from deployment.steps import StepFailed

from . import environment as environments
from . import progress, render
from .confirm import confirmer
from .errors import reported


@task(
    help={
        "env": "environment (inventory/<env>.yml)",
        "yes": "confirm without asking (CI)",
        "dry_run": "verify and plan only; change nothing",
        "lock_wait": "seconds to wait for another operation's lock",
        "skip_verification": "emergency override: no schema verification before migrating "
        "(also SKIP_VERIFICATION=true; recorded)",
    }
)
@reported
def migrate(c, env=None, yes=False, dry_run=False, lock_wait=0, skip_verification=False):
    """Migrate the current release's database safely: verify, back up, plan, confirm, migrate.

    The Schema Safety Protocol's safe_migration.sh, on the primary host. A failure
    after migrating brings the database back (reverse migrations, or the backup).

        fab migrate --env=staging
    """
    environment = environments.resolve(c, env)
    confirm = confirmer(environment, yes, dry_run)
    connect = environments.connector(c, environment)
    primary = connect(environment.primary)
    skip = environments.skip_verification(skip_verification)
    if skip:
        render.override_warning(environment.name)
    work = SafeMigration(environment, primary, confirm, notify=progress.Steps(), skip_checks=skip)
    if dry_run:
        work.run(dry_run=True)
        render.plan(
            {
                "env": environment.name,
                "release": "current",
                "commit": "current",
                "plan": work.plan,
                "backup": None,
                "hosts": [environment.primary.name],
            }
        )
        return
    holder = lock.Holder("migrate", environment.name)
    with (
        lock.terminate_as_interrupt(),
        lock.Lock(
            primary,
            work.layout,
            holder,
            connect=environments.reconnector(c, environment),
            wait_seconds=float(lock_wait),
        ),
    ):
        if skip:
            message = "fab migrate: schema verification before migrating skipped"
            override = history.Event("override", "success", environment.name, message=message)
            history.record(primary, work.layout, override)
        try:
            outcome = work.run()
        except StepFailed as failure:
            _record(work, "failed", failure.outcome.durations_ms, str(failure))
            raise
        _record(work, "success", outcome.durations_ms, None)
    render.out.print(
        f"[bold green]migrated[/] {environment.name}: "
        f"{', '.join(work.applied) or 'nothing to apply'}"
    )
    render.steps_summary(outcome.durations_ms)


def _record(work, outcome, durations, message) -> None:
    event = history.Event(
        event="migrate",
        outcome=outcome,
        env=work.environment.name,
        backup=(work.backup or {}).get("id"),
        migrations=history.Migrations(tuple(work.applied), tuple(work.reversed)),
        durations_ms=durations,
        message=message,
    )
    history.record(work.host, work.layout, event)
