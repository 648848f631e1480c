"""The inventory's ``hooks`` at the phases of an operation over the hosts (deploy, rollback,
migrate): ``moment_of(name)`` says what the hooks on host ``name`` are told.

The ``before_*`` phases fail their step (``before``); the others return what failed, which
the operation keeps as warnings (``after``, ``on_failure``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .. import hooks
from ..hosts import Host
from ..layout import Layout
from ..remote.run import checked

MomentOf = Callable[[str], hooks.Moment]


def before(environment, host: Host, phase: str, directory: str, moment: hooks.Moment) -> None:
    """``before_migrate`` on ``host``, in ``directory``; RemoteCommandFailed if one fails."""
    commands = environment.hooks.get(phase, ())
    if commands:
        hook = hooks.command(phase, commands, directory, moment, environment.env_file)
        checked(host, hook, f"the {phase} hooks")


def after(environment, hosts: Mapping[str, Host], phase: str, moment_of: MomentOf) -> list[str]:
    """``after_go_live`` / ``after_rollback`` on every host, in its live release."""
    commands = environment.hooks.get(phase, ())
    if not commands:
        return []
    return hooks.run(
        hosts,
        phase,
        lambda name: hooks.command(
            phase,
            commands,
            _layout(environment, name).current,
            moment_of(name),
            environment.env_file,
        ),
    )


def on_failure(environment, hosts: Mapping[str, Host], moment_of: MomentOf) -> list[str]:
    """``on_failure`` on every host, in its deploy_to."""
    commands = environment.hooks.get("on_failure", ())
    if not commands:
        return []
    return hooks.run(
        hosts,
        "on_failure",
        lambda name: hooks.in_deploy_to(
            _layout(environment, name).deploy_to, "on_failure", commands, moment_of(name)
        ),
    )


def _layout(environment, name: str) -> Layout:
    return Layout(next(spec for spec in environment.hosts if spec.name == name).deploy_to)
