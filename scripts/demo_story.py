"""What both demo stories share: where the repository is, the console, headings, and the
check that stops a story when the product does not behave as it says."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

REPO = Path(__file__).resolve().parents[1]
console = Console(highlight=False, soft_wrap=True)


class StoryBroken(Exception):
    """The product did not behave the way the story says it does."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise StoryBroken(message)


def heading(number: int, title: str) -> None:
    console.print()
    console.rule(f"[bold cyan]{number}. {title}", align="left")
