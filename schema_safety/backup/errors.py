"""The one error backups raise, and the masking that keeps credentials out of every message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

MASK = "********"


class BackupError(Exception):
    """A backup, verification or restore failed; the message is one line, free of secrets."""


class UsageError(BackupError):
    """The command line asked for something impossible (exit code 2)."""


def secrets_of(databases: Mapping[str, Mapping]) -> list[str]:
    """Every password configured in DATABASES, longest first (so no part of one is left)."""
    found = set()
    for settings in databases.values():
        options = settings.get("OPTIONS") or {}
        for value in (settings.get("PASSWORD"), options.get("password"), options.get("passwd")):
            if value:
                found.add(str(value))
    return sorted(found, key=len, reverse=True)


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by asterisks."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def one_line(text: str) -> str:
    """The non-empty lines of ``text`` joined with spaces."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def failure(error: BaseException, secrets: Iterable[str]) -> dict:
    """The one-line JSON error document of a failed command."""
    message = one_line(str(error)) or type(error).__name__
    if not isinstance(error, BackupError):
        message = f"{type(error).__name__}: {message}"
    return {"ok": False, "error": mask(message, secrets)}
