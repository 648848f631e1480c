"""fab migrate: the safe migration protocol on the current release alone."""

from __future__ import annotations

from deployment.operations.migrate import SafeMigration

from . import documents, progress, render
from . import environment as environments
from .confirm import confirmer
from .errors import reported
from .operate import perform
from .options import ENV, JSON, LOCK_WAIT, YES, task


@task(
    help={
        **ENV,
        **YES,
        "dry_run": "verify and plan only; change nothing",
        **LOCK_WAIT,
        "skip_verification": "emergency override: no schema verification before migrating "
        "(also SKIP_VERIFICATION=true; recorded)",
        **JSON,
    }
)
@reported
def migrate(
    c, env=None, yes=False, dry_run=False, lock_wait=0, skip_verification=False, json=False
):
    """Migrate the current release's database safely: verify, back up, plan, confirm, migrate.

    The Schema Safety Protocol's safe_migration.sh, on the primary host. A failure
    after migrating brings the database back (reverse migrations, or the backup). Exit 0
    migrated, 1 failed (undone as reported), 2 usage, inventory or connection, 3 locked,
    4 not confirmed, 5 left inconsistent (fab recover), 130 / 143 stopped by Ctrl-C / SIGTERM.

        fab migrate --env=staging
        fab migrate --env=staging --dry-run --json
    """
    environment = environments.resolve(c, env)
    confirm = confirmer(environment, yes, dry_run)
    primary = environments.connector(c, environment)(environment.primary)
    skip = environments.skip_verification(skip_verification)
    if skip:
        render.override_warning(environment.name)
    work = SafeMigration(environment, primary, confirm, notify=progress.Steps(), skip_checks=skip)
    if dry_run:
        summary = work.rehearse()
        if json:
            render.as_json(documents.summary(summary))
        else:
            render.plan(summary)
        return
    done = perform(c, environment, work, work.notify, lock_wait)
    render.migrated(done, work.notify.outcomes, json_output=json)
