"""``notify`` from the inventory: every history event of the environment is posted as it is
written; a notification that fails warns on stderr and never fails the operation."""

from __future__ import annotations

from rich.markup import escape

from deployment import history
from deployment import notify as engine

from . import render


def watch(environment) -> None:
    """Post this environment's events (those ``notify.events`` names) from now on."""
    settings = environment.notify
    if settings is None:
        history.observers.pop(environment.name, None)
        return

    def send(event: history.Event) -> None:
        if event.event not in settings.events:
            return
        problem = engine.post(settings.url, event)
        if problem is not None:
            render.err.print(
                f"[yellow]warning[/]: the {escape(event.event)} notification was not sent: "
                f"{escape(problem)}"
            )

    history.observers[environment.name] = send
