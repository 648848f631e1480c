"""fab deploy: checks -> release -> plan -> backup -> confirm -> migrate -> verify -> go live."""

from __future__ import annotations

from deployment.checks import promotion_gate as promotion
from deployment.errors import PlanRefused
from deployment.operations.deploy import Deployment
from deployment.releases.worktree import check_ref

from . import documents, progress, render
from . import environment as environments
from .confirm import confirmer
from .errors import reported
from .operate import perform
from .options import task


@task(
    help={
        "env": "environment (inventory/<env>.yml)",
        "ref": "branch, tag or commit to deploy (default: the environment's branch); it must "
        "be on the environment's branch",
        "yes": "confirm without asking (CI)",
        "dry_run": "run the checks, plan from a throwaway copy of the release (removed "
        "after), print the plan; nothing else changes but the hosts' mirrors",
        "allow_dangerous": "let dangerous migrations through on production",
        "allow_downtime": "go on although the rehearsal shows the running release fails on "
        "the migrated schema until go-live",
        "no_rehearsal": "do not rehearse the migrations on a scratch copy of the schema "
        "(recorded; needed on a protected environment whose database user may not create one)",
        "lock_wait": "seconds to wait for another deploy's lock (default: refuse at once)",
        "json": "print one JSON document on stdout (steps, plan, backup, releases), also on "
        "failure and with --dry-run (the plan)",
        "skip_verification": "emergency override: skip the pre-deploy checks (recorded)",
        "force_promotion": "deploy a commit never deployed to the promote_from environment "
        "(recorded)",
    }
)
@reported
def deploy(
    c,
    env=None,
    ref=None,
    yes=False,
    dry_run=False,
    allow_dangerous=False,
    allow_downtime=False,
    no_rehearsal=False,
    lock_wait=0,
    json=False,
    skip_verification=False,
    force_promotion=False,
):
    """Deploy a release: checked, backed up, confirmed, migrated once, verified, switched.

    A failure while migrating, verifying or going live brings code and database back
    (on_failure: rollback) and says what happened and what to run next. Exit 0 deployed,
    1 failed (rolled back or stopped, as reported; with --dry-run: the plan would stop),
    2 usage (an unknown --ref), inventory or connection, 3 locked, 4 not confirmed, 5 left
    inconsistent (fab recover), 130 / 143 stopped by Ctrl-C / SIGTERM after undoing.

        fab deploy --env=staging
        fab deploy --env=production --ref=v2.3.0 --yes

    With ``promote_from: staging``, only commits staging deployed successfully go out;
    ``--force-promotion`` overrides that, and the override is written to the history.
    """
    environment = environments.resolve(c, env)
    confirm = confirmer(environment, yes, dry_run)
    skip = environments.skip_verification(skip_verification)
    if skip:
        render.override_warning(environment.name)
    deployment = Deployment(
        environment,
        environments.connect_all(c, environment),
        check_ref(ref) if ref else environment.branch,
        confirm,
        notify=progress.Steps(),
        allow_dangerous=allow_dangerous,
        allow_downtime=allow_downtime,
        no_rehearsal=no_rehearsal,
        skip_checks=skip,
        promotion_source=promotion.read_source(environment, environments.connectors(c)),
        force_promotion=force_promotion,
        ref_given=ref,
    )
    if dry_run:
        summary = deployment.rehearse()
        if json:
            render.as_json(documents.summary(summary, deployment.blocked))
        else:
            render.dry_run(environment.name, summary, deployment.blocked)
        if deployment.blocked:  # said once, by render.dry_run or in the document
            raise PlanRefused()
        return
    done = perform(c, environment, deployment, deployment.notify, lock_wait)
    render.deployed(done, deployment.notify.outcomes, json_output=json)
