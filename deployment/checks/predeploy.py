"""Run every pre-deploy check on every host of an environment, in parallel.

One connection and one round trip per host: the shell questions and, on the
primary, the project's ``predeploy_report`` run as one script.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .. import journal
from ..errors import ConnectionFailed
from ..layout import Layout
from ..remote import django
from ..remote.round_trip import Question, Section, ask
from . import evaluate
from . import promotion_gate as promotion
from .check import FAIL, Check, Facts
from .questions import django_question, shell_questions


@dataclass(frozen=True)
class HostReport:
    host: str
    checks: tuple[Check, ...]
    unreachable: bool = False  # connection, authentication or host key refused

    @property
    def ok(self) -> bool:
        return not any(c.status == FAIL for c in self.checks)

    def as_json(self) -> dict:
        return {"host": self.host, "ok": self.ok, "checks": [c.as_json() for c in self.checks]}


@dataclass(frozen=True)
class Report:
    env: str
    hosts: tuple[HostReport, ...]
    elapsed_ms: int
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return all(host.ok for host in self.hosts)

    @property
    def unreachable(self) -> list[str]:
        return [host.host for host in self.hosts if host.unreachable]

    def as_json(self) -> dict:
        return {
            "ok": self.ok,
            "env": self.env,
            "skipped": self.skipped,
            "elapsed_ms": self.elapsed_ms,
            "hosts": [h.as_json() for h in self.hosts],
        }


def run(environment, connect, close: bool = True, source=None, connector=None) -> Report:
    """Check every host; ``connect(host_spec) -> Host`` opens (and verifies) a connection.

    ``close=False`` leaves the connections open for the caller (a deploy reuses them).
    ``source``: the ``promote_from`` environment's history, when the caller read it already;
    else it is read through ``connector(environment) -> connect`` (default: ``connect``).
    """
    connector = connector or (lambda _: connect)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=environment.workers() + 1) as pool:
        # Submitted first, so it runs while the primary's check waits for it.
        promoted = pool.submit(lambda: source or promotion.read_source(environment, connector))
        reports = list(
            pool.map(
                lambda spec: _check_host(environment, spec, connect, close, promoted),
                environment.hosts,
            )
        )
    return Report(environment.name, tuple(reports), _ms(started))


def skipped(environment) -> Report:
    """The emergency override: nothing checked, and the report says so."""
    return Report(environment.name, (), 0, skipped=True)


def _check_host(environment, spec, connect, close: bool, promoted) -> HostReport:
    started = time.monotonic()
    try:
        host = connect(spec)
        try:
            facts = _ask(environment, spec, host, promoted)
        finally:
            if close:
                host.close()
    except ConnectionFailed as error:
        failed = Check("connectivity", FAIL, str(error), _ms(started))
        return HostReport(spec.name, (failed,), unreachable=True)
    return HostReport(spec.name, tuple(evaluate(facts, _ms(started))))


def _ask(environment, spec, host, promoted) -> Facts:
    layout = Layout(spec.deploy_to)
    primary = spec.name == environment.primary.name
    questions = shell_questions(
        layout,
        environment.repository,
        environment.branch,
        bool(environment.services),
        environment.compose,
    )
    if primary:
        questions.append(django_question(layout, environment.managed))
        questions.append(Question("journal", journal.read_command(layout)))
    sections = ask(host, questions)
    django = _report_json(sections.get("django")) if primary else None
    return Facts(
        sections=sections,
        branch=environment.branch,
        repository=environment.repository,
        containers=environment.services,
        primary=primary,
        primary_name=environment.primary.name,
        django=django,
        local=spec.is_local,
        promote_from=environment.promote_from,
        env=environment.name,
        off=environment.checks_off,
        rehearsal_database=environment.rehearsal_database,
        source=promoted.result() if primary and environment.promote_from else None,
    )


def _report_json(answer: Section | None) -> dict | None:
    """The JSON document in the section's output (stderr lines may surround it)."""
    return django.parse(answer.output) if answer is not None else None


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
