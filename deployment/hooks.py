"""``hooks`` from the inventory: shell commands run on the hosts at a phase of an operation.

    before_build    every host, in the new release's folder, before the build commands
    before_migrate  the primary, in the release that migrates, before it migrates
    after_go_live   every host, in the live release, once a deploy went live
    after_rollback  every host, in the live release, once a rollback went live
    on_failure      every host, in deploy_to, after a failed deploy or rollback (the primary
                    after a failed migrate)

Each runs through ``sh -c`` with ``DEPLOY_ENV``, ``DEPLOY_RELEASE``, ``DEPLOY_COMMIT``,
``DEPLOY_PREVIOUS`` and ``DEPLOY_OUTCOME`` in its environment, set by ``env`` as quoted words:
a value is never part of the hook's text. A failing ``before_*`` hook fails its step; the
others are reported (``failures``) and never change an operation's outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .errors import DeployError
from .remote.commands import Command, all_of, in_dir, in_order, shell_with, with_env_file
from .remote.run import checked

VARIABLES = ("DEPLOY_ENV", "DEPLOY_RELEASE", "DEPLOY_COMMIT", "DEPLOY_PREVIOUS", "DEPLOY_OUTCOME")


@dataclass(frozen=True)
class Moment:
    """What a hook is told: the environment, the release concerned, its commit, the release
    served before, and how the operation went (``success``, ``failed``, ``rolled_back``, or
    ``running`` before it ended)."""

    env: str
    release: str | None = None
    commit: str | None = None
    previous: str | None = None
    outcome: str = "running"

    def variables(self) -> dict[str, str]:
        values = (self.env, self.release, self.commit, self.previous, self.outcome)
        return {name: value or "" for name, value in zip(VARIABLES, values, strict=True)}


def label(phase: str, text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{phase} hook `{first[:60]}{'...' if len(first) > 60 else ''}`"


def steps(
    phase: str, commands, directory: str, moment: Moment, env_file: str | None = None
) -> list[tuple[str, Command]]:
    """``(label, command)`` for ``in_order``: each hook in ``directory`` (a release folder
    when ``env_file`` is given: its values are read from there), with the variables."""
    variables = moment.variables()
    return [
        (
            label(phase, text),
            in_dir(directory, with_env_file(env_file, shell_with(variables, text))),
        )
        for text in commands
    ]


def command(
    phase: str, commands, directory: str, moment: Moment, env_file: str | None = None
) -> Command:
    """Every hook of the phase, in order, stopping at the first that fails."""
    return in_order(*steps(phase, commands, directory, moment, env_file))


def in_deploy_to(directory: str, phase: str, commands, moment: Moment) -> Command:
    """``on_failure``: in ``deploy_to`` (made if a deploy failed before making it)."""
    return all_of(["mkdir", "-p", directory], command(phase, commands, directory, moment))


def run(hosts: Mapping, phase: str, build: Callable[[str], Command]) -> list[str]:
    """``build(name) -> Command`` on every host in ``hosts`` (name -> Host), in parallel;
    what failed, one line per host (empty: every hook passed)."""

    def one(item) -> str | None:
        name, host = item
        try:
            checked(host, build(name), f"the {phase} hooks")
        except DeployError as error:
            return str(error)
        return None

    with ThreadPoolExecutor(max_workers=min(16, len(hosts) or 1)) as pool:
        return [failure for failure in pool.map(one, hosts.items()) if failure]
