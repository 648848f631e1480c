"""fab migrate: the safe migration protocol on the current release alone."""

from __future__ import annotations

from fabric import task

from deployment.operations.migrate import SafeMigration

from . import environment as environments
from . import progress, render
from .confirm import confirmer
from .errors import reported
from .operate import perform


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
    primary = environments.connector(c, environment)(environment.primary)
    skip = environments.skip_verification(skip_verification)
    if skip:
        render.override_warning(environment.name)
    work = SafeMigration(environment, primary, confirm, notify=progress.Steps(), skip_checks=skip)
    if dry_run:
        render.plan(work.rehearse())
        return
    done = perform(c, environment, work, work.notify, lock_wait)
    render.migrated(done)
