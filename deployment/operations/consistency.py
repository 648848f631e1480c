"""The invariant every operation ends on: every host serves the same release, and
``verify_schema`` with that release's code on the primary reports no error.

Checked after every deploy, rollback, migrate, restore and recover, whatever happened on
the way: what an operation says of the environment at its end is this check's result.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..database.verify import verify
from ..errors import DeployError
from ..inventory import Environment
from ..layout import Layout
from ..releases.worktree import listing, parse_listing
from ..remote.run import checked


@dataclass(frozen=True)
class Verdict:
    """Whether the environment is consistent, and if not, what does not hold."""

    serving: Mapping[str, str | None]  # host -> the release it serves (None: nothing)
    problem: str | None = None

    @property
    def consistent(self) -> bool:
        return self.problem is None

    @property
    def release(self) -> str | None:
        """The one release every host serves, when they agree."""
        found = set(self.serving.values())
        return found.pop() if len(found) == 1 else None

    def advice(self, env: str) -> str:
        return f"{self.problem}; see fab status --env={env}, then fab recover --env={env}"


def check(environment: Environment, hosts: Mapping, verified: str | None = None) -> Verdict:
    """Read what every host serves, then verify the schema against that release's models
    (unless ``verified`` names it: the operation verified it since the database last moved)."""
    serving, unreachable = _serving(environment, hosts)
    if unreachable:
        return Verdict(serving, f"cannot tell what {'; '.join(unreachable)} serves")
    releases = set(serving.values())
    if len(releases) > 1:
        listed = ", ".join(f"{host}: {release or 'nothing'}" for host, release in serving.items())
        return Verdict(serving, f"hosts serve different releases ({listed})")
    (release,) = releases or {None}
    if release is None or release == verified:
        return Verdict(serving)
    primary = environment.primary
    path = Layout(primary.deploy_to).release(release)
    try:
        verify(hosts[primary.name], path, environment.managed, system_checks=False)
    except DeployError as error:
        return Verdict(serving, f"the database does not match {release}, which is live: {error}")
    return Verdict(serving)


def _serving(environment: Environment, hosts: Mapping) -> tuple[dict, list[str]]:
    def current(spec):
        try:
            output = checked(hosts[spec.name], listing(Layout(spec.deploy_to)), "reading")
        except DeployError as error:
            return error
        return parse_listing(output).current

    names = [spec.name for spec in environment.hosts if spec.name in hosts]
    specs = [spec for spec in environment.hosts if spec.name in hosts]
    with ThreadPoolExecutor(max_workers=environment.workers(len(specs))) as pool:
        answers = list(pool.map(current, specs))
    serving = {n: a for n, a in zip(names, answers, strict=True) if not isinstance(a, Exception)}
    unreachable = [
        f"{n} ({a})" for n, a in zip(names, answers, strict=True) if isinstance(a, Exception)
    ]
    return serving, unreachable
