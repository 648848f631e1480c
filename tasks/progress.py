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
OUTCOME = {"start": "running", "undo": "undoing"}  # what a step is, as the JSON documents say
ON_PRIMARY = {"migrate", "backup", "database", "verify", "plan", "checks", "restore"}


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
        self.current: str | None = None  # the step running now
        self.outcomes: dict[str, str] = {}  # step -> its last state, in the order reached

    def __call__(self, step: str, state: str) -> None:
        self._stop()
        self.outcomes[step] = OUTCOME.get(state, state)
        self.current = step if state in RUNNING else None
        if state in RUNNING and step not in PROMPTING and err.is_terminal:
            self._progress = _spinner()
            self._progress.start()
            self._progress.add_task(f"{RUNNING[state]} [bold]{step}[/]", total=None)
        elif state not in RUNNING:
            err.print(f"[{STYLE.get(state, 'dim')}]{state:>9}[/] {step}")

    def stopping(self, where: str):
        """What the engine calls on a first Ctrl-C or SIGTERM (``Stop(said=...)``)."""

        def said(signum: int) -> None:
            self._stop()
            running = self.current or "the current step"
            host = where if running in ON_PRIMARY else "the hosts"
            err.print(
                f"[bold yellow]stopping after the current step[/] ({running} is running on "
                f"{host}; it will finish there), then undoing what was done; a second signal "
                "exits at once and leaves the rest to fab recover"
            )

        return said

    def _stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
