"""fab deploy: checks -> release -> plan -> backup -> confirm -> migrate -> verify -> go live."""

from __future__ import annotations

from fabric import task
from invoke.exceptions import Exit

from deployment import bookkeeping, history, lock, promotion, releases
from deployment.deploy import Deployment
from deployment.layout import Layout
from deployment.steps import StepFailed

from . import environment as environments
from . import progress, render
from .confirm import confirmer
from .errors import reported


@task(
    help={
        "env": "environment (inventory/<env>.yml)",
        "ref": "branch, tag or commit to deploy (default: the environment's branch); it must "
        "be on the environment's branch",
        "yes": "confirm without asking (CI)",
        "dry_run": "run the checks, plan from a throwaway copy of the release (removed "
        "after), print the plan; nothing else changes but the hosts' mirrors",
        "allow_dangerous": "let dangerous migrations through on production",
        "lock_wait": "seconds to wait for another deploy's lock (default: refuse at once)",
        "json": "print the final report as one JSON document on stdout",
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
    lock_wait=0,
    json=False,
    skip_verification=False,
    force_promotion=False,
):
    """Deploy a release: checked, backed up, confirmed, migrated once, verified, switched.

    A failure while migrating, verifying or going live brings code and database back
    (on_failure: rollback) and says what happened and what to run next. Exit 0 deployed,
    1 failed (rolled back or stopped, as reported), 2 usage/connection, 3 locked,
    4 not confirmed.

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
    hosts = environments.connect_all(c, environment)
    deployment = Deployment(
        environment,
        hosts,
        releases.check_ref(ref) if ref else environment.branch,
        confirm,
        notify=progress.Steps(),
        allow_dangerous=allow_dangerous,
        skip_checks=skip,
        promotion_source=promotion.read_source(environment, environments.connectors(c)),
        force_promotion=force_promotion,
    )
    primary, layout = deployment.primary, Layout(environment.primary.deploy_to)
    if dry_run:
        deployment.run(dry_run=True)
        render.dry_run(deployment)
        if deployment.blocked:  # said once, by render.dry_run
            raise Exit(code=1)
        return
    holder = lock.Holder("deploy", environment.name, ref)
    reconnect = environments.reconnector(c, environment)
    with (
        lock.terminate_as_interrupt(),
        lock.Lock(
            primary, layout, holder, connect=reconnect, wait_seconds=float(lock_wait)
        ) as held,
    ):
        others = [(h, deployment.layout(n)) for n, h in hosts.items() if h is not primary]
        lock.check_all([h for h, _ in others], [lay for _, lay in others], environment.name, held)
        if skip:
            history.record(primary, layout, _event(deployment, "override", "success", {}))
        try:
            outcome = deployment.run()
        except StepFailed as failure:
            _record_failure(deployment, layout, failure)
            render.deploy_failed(deployment, failure)
            raise
        _record_success(deployment, layout, outcome.durations_ms)
    render.deployed(deployment, outcome.durations_ms, json_output=json)


def _event(deployment, event, outcome, durations, message=None) -> history.Event:
    release = deployment.release
    return history.Event(
        event=event,
        outcome=outcome,
        env=deployment.environment.name,
        commit=release.commit if release else None,
        release=release.name if release else None,
        previous_release=deployment.previous.get(deployment.environment.primary.name),
        backup=(deployment.backup or {}).get("id"),
        migrations=history.Migrations(tuple(deployment.applied), tuple(deployment.reversed)),
        durations_ms=durations,
        message=message,
    )


def _record_success(deployment, layout, durations) -> None:
    """Two round trips on the primary (record; tidy), one on each other host (tidy)."""
    primary, env, release = deployment.primary, deployment.environment, deployment.release
    event = _event(deployment, "deploy", "success", durations)
    recorded = bookkeeping.record_deploy(primary, layout, _meta(deployment), event)
    good = bookkeeping.good_releases(recorded)
    protected = {release.name, *deployment.previous.values(), *good[-2:]} - {None}

    def tidy(name, host) -> None:
        before = deployment.listings[name]
        after = releases.Listing((*before.releases, release.name), release.name)
        backups = env.keep_backups if host is primary else None
        bookkeeping.tidy(
            host, deployment.layout(name), after, env.keep_releases, protected, backups
        )

    deployment.each(tidy)


def _meta(deployment) -> dict:
    """What a rollback from this release needs: its migration state and its backup."""
    return {
        "release": deployment.release.name,
        "commit": deployment.release.commit,
        "state": bookkeeping.state_after(deployment.plan or {}),
        "backup": (deployment.backup or {}).get("id"),
    }


def _record_failure(deployment, layout, failure: StepFailed) -> None:
    rolled_back = "migrate" in failure.outcome.undone or "go live" in failure.outcome.undone
    outcome = "rolled_back" if rolled_back and not failure.outcome.undo_failures else "failed"
    message = str(failure)
    if failure.outcome.undo_failures:
        message += "; could not undo: " + "; ".join(failure.outcome.undo_failures)
    event = _event(deployment, "deploy", outcome, failure.outcome.durations_ms, message)
    try:
        if deployment.switched:  # the fleet was left on it: a rollback must know its state
            bookkeeping.record_deploy(deployment.primary, layout, _meta(deployment), event)
        else:
            history.record(deployment.primary, layout, event)
    except Exception as error:  # the first error matters more; say both
        failure.add_note(f"and the history could not be written: {error}")
