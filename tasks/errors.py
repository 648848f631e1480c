"""Expected failures become one red line and the contract's exit code; bugs keep their traceback.

This is the one place where errors become exit codes (``deployment/errors.py`` holds them).
Under ``--json`` a failure is also one JSON document on stdout, ``{"ok": false, "error",
"exit_code", ...}`` with what the task knew, unless the task printed its own already (a
predeploy report that failed, a status that needs attention).
"""

from __future__ import annotations

import functools

from invoke.exceptions import Exit
from rich.markup import escape

from deployment.errors import DeployError

from . import documents, render

INTERRUPTED = 130  # Ctrl-C, as a shell reports it

EXIT_CODES = """
    Exit codes: 0 success, 1 a check or a step failed, 2 bad usage, inventory or connection,
    3 locked, 4 not confirmed, 5 left inconsistent (fab recover), 130 / 143 stopped by Ctrl-C /
    SIGTERM."""


def reported(task_body):
    """Turn a ``DeployError`` raised by ``task_body`` into ``Exit(code)`` after one line
    (none for an error without a message: the task reported it already), and under
    ``--json`` into the failure document too."""

    @functools.wraps(task_body)
    def wrapper(*args, **kwargs):
        as_json = bool(kwargs.get("json"))
        render.document.printed = False
        try:
            return task_body(*args, **kwargs)
        except DeployError as error:
            _failed(error, error.exit_code, as_json, kwargs)
            raise Exit(code=error.exit_code) from None
        except KeyboardInterrupt as error:
            _failed(error, INTERRUPTED, as_json, kwargs)
            raise Exit(code=INTERRUPTED) from None

    return wrapper


def _failed(error: BaseException, code: int, as_json: bool, kwargs: dict) -> None:
    if as_json and not render.document.printed:
        known = {"env": kwargs["env"]} if kwargs.get("env") else {}
        if isinstance(error, KeyboardInterrupt):
            known["error"] = "interrupted"
        render.as_json(documents.failure(error, code, known))
    if isinstance(error, KeyboardInterrupt):
        render.err.print("[bold red]interrupted[/]")
    elif str(error) and not getattr(error, "said", False):  # said once, by render.failed
        render.err.print(f"[bold red]error:[/] {escape(str(error))}")
