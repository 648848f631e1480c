"""Asking the operator: typed environment name, y/N, or nothing; never without a terminal."""

from __future__ import annotations

import sys

from rich.prompt import Confirm, Prompt

from deployment.errors import NotConfirmed

from . import render


def confirmer(environment, yes: bool, dry_run: bool = False):
    """A ``confirm(summary) -> bool`` for the engine; refuses at once when nobody can answer."""
    mode = environment.confirm
    if yes or mode == "none" or dry_run:
        return _show_and_go_on
    if not sys.stdin.isatty():
        raise NotConfirmed(
            f"{environment.name} needs confirmation ({mode}) and there is no terminal; "
            "pass --yes to confirm from CI. Nothing was changed."
        )

    def ask(summary) -> bool:
        render.plan(summary)
        if mode == "type-env":
            prompt = f"Type [bold]{environment.name}[/] to {summary.action}"
            typed = Prompt.ask(prompt, console=render.err)
            return typed.strip() == environment.name
        question = f"{summary.action.capitalize()} {environment.name}?"
        return Confirm.ask(question, default=False, console=render.err)

    return ask


def _show_and_go_on(summary) -> bool:
    """No question to ask, but the plan and the rollback strategy are still shown."""
    render.plan(summary)
    return True
