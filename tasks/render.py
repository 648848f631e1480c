"""What the operator sees: rich tables on stderr-safe consoles, JSON on stdout."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace

from rich.console import Console
from rich.table import Table

from deployment.errors import Inconsistent, StepFailed
from deployment.operations.recover_records import said

from . import documents

NEW_BACKUP = "(taken before migrating)"  # what --dry-run shows for the backup not yet taken
STATUS_STYLE = {"pass": "green", "fail": "bold red", "warn": "yellow", "skip": "dim"}

UNWRAPPED = 100_000  # columns of a pipe: lines are as long as they are (ids, sha256 whole)


def _console(stderr: bool) -> Console:
    """A terminal's width where there is one (or ``COLUMNS``); a pipe or a file (CI logs)
    gets no fixed width, so that nothing wraps at 80 columns."""
    console = Console(stderr=stderr, highlight=False, soft_wrap=stderr)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").strip():
        console.width = UNWRAPPED
    return console


out = _console(stderr=False)
err = _console(stderr=True)


class _Document:
    """Whether this task printed its JSON document already (a failure then adds none)."""

    printed = False


document = _Document()


def predeploy(report) -> None:
    if report.skipped:
        out.print(f"[bold red]SKIPPED: nothing was checked on {report.env}[/]")
        return
    for host in report.hosts:
        table = Table(title=f"{host.host}", title_justify="left")
        for column in ("check", "status", "detail", "time"):
            table.add_column(column, overflow="fold")
        for check in host.checks:
            style = STATUS_STYLE[check.status]
            table.add_row(
                check.name,
                f"[{style}]{check.status}[/]",
                _escape(check.detail),
                f"{check.elapsed_ms} ms",
            )
        out.print(table)
    failed = [h.host for h in report.hosts if not h.ok]
    if failed:
        out.print(
            f"[bold red]NOT SAFE to deploy {report.env}[/]: checks failed on "
            f"{', '.join(failed)} ({report.elapsed_ms} ms)"
        )
    else:
        out.print(
            f"[bold green]Safe to deploy {report.env}[/]: every check passed on "
            f"{len(report.hosts)} host(s) ({report.elapsed_ms} ms)"
        )


def override_warning(env: str) -> None:
    err.print(
        f"[bold white on red] SKIP_VERIFICATION [/] [bold red]every pre-deploy check on "
        f"{env} is skipped (emergencies only)[/]"
    )


def as_json(value: dict) -> None:
    sys.stdout.write(json.dumps(value, indent=2) + "\n")
    document.printed = True


def raw_json(text: str) -> None:
    """A JSON document made elsewhere (``verify_schema --format json``), as it is."""
    sys.stdout.write(text)
    document.printed = bool(text.strip())


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def plan(summary) -> None:
    """The migration plan and rollback strategy (a ``Summary``), before the operator confirms."""
    for note in summary.notes:
        err.print(_escape(note))
    for warning in summary.warnings:
        err.print(f"[yellow]warning[/]: {_escape(warning)}")
    plan_ = summary.plan
    err.print(
        f"\n[bold]{summary.action.capitalize()} {summary.env}[/]: release {summary.release} "
        f"(commit {str(summary.commit)[:7]}) on {', '.join(summary.hosts)}"
    )
    if plan_ is None:
        return
    migrations = plan_.migrations
    backwards = plan_.backwards
    if migrations:
        title = "migrations to reverse" if backwards else "migrations to apply"
        table = Table(title=title, title_justify="left")
        for column in ("migration", "operations", "reversible", "danger"):
            table.add_column(column, overflow="fold")
        for m in migrations:
            operations = "\n".join(_escape(o["description"]) for o in m["operations"])
            danger = "\n".join(r for o in m["operations"] for r in o.get("reasons", []))
            reversible = all(o.get("reversible") for o in m["operations"])
            later = " (after go-live)" if m.get("post_deploy") else ""
            table.add_row(
                f"{m['app']}.{m['name']}{later}",
                operations,
                "yes" if reversible else "[bold red]no[/]",
                f"[red]{_escape(danger)}[/]" if danger else "",
            )
        err.print(table)
        partial = [f"{m['app']}.{m['name']}" for m in migrations if m.get("atomic") is False]
        if partial and not backwards:
            err.print(
                f"not atomic: {', '.join(partial)}; if one stops half way, the backup is "
                "restored (after a safety backup)"
            )
    else:
        err.print("no migrations to apply")
    for line in summary.rehearsal:
        loud = line.startswith(("REHEARSAL UNAVAILABLE", "the running release will fail"))
        err.print(f"[bold yellow]{_escape(line)}[/]" if loud else _escape(line))
    strategy = summary.strategy or plan_.strategy or "reverse migrations"
    if strategy == "restore backup":
        backup = summary.backup
        strategy = "restore that backup" if backup == NEW_BACKUP else f"restore backup {backup}"
    what = "the way back" if backwards else "if it fails"
    err.print(f"backup: {summary.backup or '-'}; {what}: [bold]{strategy}[/]")


def steps_summary(durations: dict) -> None:
    line = ", ".join(f"{name} {ms / 1000:.1f}s" for name, ms in durations.items())
    err.print(f"[dim]{line}[/]")


def dry_run(env: str, summary, blocked: str | None) -> None:
    """What a deploy would do: the release, its migration plan, and whether it would stop."""
    if summary is not None:
        plan(replace(summary, release="(new)", backup=NEW_BACKUP))
    if blocked:
        err.print(f"[bold red]a deploy would stop here[/]: {_escape(blocked)}")
    err.print(
        f"[bold]dry run[/] of {env}: the checks ran and the plan was "
        "made from a throwaway copy of the release, now removed; nothing else was changed "
        "(the hosts' mirrors of the repository were brought up to date)."
    )


def failed(env: str, operation, error) -> bool:
    """What a failed operation did, in place of the one error line: for a deploy, what ran
    and what was undone (the check after it passed); for any, what does not hold when it left
    the environment inconsistent. True when the error itself was said (no error line then)."""
    cause = getattr(error, "failure", error)
    said = False
    if isinstance(cause, StepFailed) and getattr(cause, "done", None) is not None:
        if isinstance(error, Inconsistent):
            err.print(
                f"[bold red]deploy to {env} failed at {cause.step}[/]: {_escape(str(cause.error))}"
            )
            if cause.done.undo_failures:
                failures = "; ".join(cause.done.undo_failures)
                err.print(f"[bold red]could not undo[/]: {_escape(failures)}")
        else:
            deploy_failed(cause, cause.done)
        said = True
    if isinstance(error, Inconsistent):
        err.print(f"[bold red]left inconsistent[/]: {_escape(error.verdict.problem)}")
        err.print(
            f"the journal stays on the primary and the lock is kept for fab recover --env={env}"
        )
        said = True
    return said


def deploy_failed(failure, done) -> None:
    env = done.env
    err.print(
        f"[bold red]deploy to {env} failed at {failure.step}[/]: {_escape(str(failure.error))}"
    )
    if done.undone:
        err.print(f"undone: {', '.join(done.undone)}")
    if done.restored:
        err.print(f"database restored from backup {done.restored} (after a safety backup)")
    elif done.reversed:
        err.print(f"reversed migrations: {', '.join(done.reversed)}")
    if done.undo_failures:
        err.print(f"[bold red]could not undo[/]: {_escape('; '.join(done.undo_failures))}")
        err.print(f"next: fab status --env={env}, then see docs/runbook.md")
    else:
        live = ", ".join(f"{h}: {r or 'nothing'}" for h, r in done.previous.items())
        where = f"live: {live}" if live else "no host was changed"
        err.print(f"{where}; next: fix the cause, then fab deploy --env={env}")


def deployed(done, outcomes: dict[str, str], json_output: bool) -> None:
    if json_output:
        as_json(documents.done(done, outcomes))
        return
    out.print(
        f"[bold green]deployed[/] {done.release} to {done.env} "
        f"({', '.join(done.hosts)}); migrations applied: "
        f"{', '.join(done.applied) or 'none'}",
        soft_wrap=True,
    )
    steps_summary(done.durations_ms)


def rolled_back(done, outcomes: dict[str, str], json_output: bool) -> None:
    if json_output:
        as_json(documents.done(done, outcomes))
        return
    database = (
        f"database restored from backup {done.restored}"
        if done.restored
        else f"reversed: {', '.join(done.reversed)}"
        if done.reversed
        else f"applied: {', '.join(done.applied)}"
        if done.applied
        else "database unchanged"
    )
    current = next(iter(done.previous.values()), None)
    moved = (
        f"from {current} to {done.release}"
        if current != done.release
        else (f"every host on {done.release}")
    )
    out.print(f"[bold green]rolled back[/] {done.env} {moved}; {database}")
    if done.safety:
        out.print(
            f"the data it replaced is in safety backup {done.safety}: "
            f"fab restore --env={done.env} --backup={done.safety}",
            soft_wrap=True,
        )
    steps_summary(done.durations_ms)


def migrated(done, outcomes: dict[str, str], json_output: bool) -> None:
    if json_output:
        as_json(documents.done(done, outcomes))
        return
    out.print(
        f"[bold green]migrated[/] {done.env}: {', '.join(done.applied) or 'nothing to apply'}",
        soft_wrap=True,
    )
    steps_summary(done.durations_ms)


def recovered(done, work, outcomes: dict[str, str], json_output: bool) -> None:
    if json_output:
        as_json({**documents.done(done, outcomes), "said": said(work)})
        return
    out.print(f"[bold green]recovered[/] {done.env}: {_escape(said(work))}", soft_wrap=True)
    if done.restored:
        out.print(f"database restored from backup {done.restored} (after a safety backup)")
    elif done.reversed or done.applied:
        moved = [*done.reversed, *done.applied]
        out.print(f"migrations moved: {', '.join(moved)}", soft_wrap=True)
    steps_summary(done.durations_ms)
