"""Expected failures become one red line and the contract's exit code; bugs keep their traceback.

This is the one place where errors become exit codes (``deployment/errors.py`` holds them).
"""

from __future__ import annotations

import functools

from invoke.exceptions import Exit
from rich.markup import escape

from deployment.errors import DeployError

from . import render

INTERRUPTED = 130  # Ctrl-C, as a shell reports it


def reported(task_body):
    """Turn a ``DeployError`` raised by ``task_body`` into ``Exit(code)`` after one line
    (none for an error without a message: the task reported it already)."""

    @functools.wraps(task_body)
    def wrapper(*args, **kwargs):
        try:
            return task_body(*args, **kwargs)
        except DeployError as error:
            if str(error):
                render.err.print(f"[bold red]error:[/] {escape(str(error))}")
            raise Exit(code=error.exit_code) from None
        except KeyboardInterrupt:
            render.err.print("[bold red]interrupted[/]")
            raise Exit(code=INTERRUPTED) from None

    return wrapper
