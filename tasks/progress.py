"""Progress on stderr while a step runs: a spinner, the step's name and the time so far.

On a terminal the spinner is redrawn in place and vanishes when the step ends, leaving
one line (``done release``); elsewhere (CI logs, pipes) only those lines are printed.
The confirmation step gets no spinner: it prompts.
"""

from __future__ import annotations

from contextlib import contextmanager

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .render import err

STYLE = {"done": "green", "failed": "bold red", "undone": "yellow", "undo failed": "bold red"}
RUNNING = {"start": "running", "undo": "undoing"}  # states that last until the next one
PROMPTING = {"confirm"}


def _spinner() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@contextmanager
def working(description: str):
    """A spinner while the block runs (a backup or a restore outside a deploy)."""
    if not err.is_terminal:
        yield
        return
    with _spinner() as progress:
        progress.add_task(description, total=None)
        yield


class Steps:
    """``notify(step, state)`` for the engine's protocols (deploy, rollback, migrate)."""

    def __init__(self) -> None:
        self._progress: Progress | None = None

    def __call__(self, step: str, state: str) -> None:
        self._stop()
        if state in RUNNING and step not in PROMPTING and err.is_terminal:
            self._progress = _spinner()
            self._progress.start()
            self._progress.add_task(f"{RUNNING[state]} [bold]{step}[/]", total=None)
        elif state not in RUNNING:
            err.print(f"[{STYLE.get(state, 'dim')}]{state:>9}[/] {step}")

    def _stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
