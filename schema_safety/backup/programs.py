"""Client programs (pg_dump, mysqldump, ...): found robustly, run without leaking secrets.

Credentials never go into argv: callers pass them in the environment (libpq's PGPASSWORD) or
in a ``secret_file`` (MySQL's ``--defaults-extra-file``), and every error message is masked.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from .errors import BackupError, mask, one_line

DEBIAN_POSTGRESQL = "/usr/lib/postgresql/*/bin"


def find_program(*names: str) -> str:
    """The first of ``names`` on PATH, else in Debian's PostgreSQL folders (newest version)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    for name in names:
        candidates = glob.glob(os.path.join(DEBIAN_POSTGRESQL, name))
        if candidates:
            return max(candidates, key=_version)
    listed = " or ".join(names)
    raise BackupError(f"{listed} not found on PATH: install the database client programs")


def _version(path: str) -> tuple[int, ...]:
    folder = Path(path).parts[-3]
    return tuple(int(part) for part in folder.split(".") if part.isdigit())


@contextlib.contextmanager
def secret_file(text: str) -> Iterator[str]:
    """A temporary file (mode 0600) holding ``text``, removed on exit."""
    descriptor, path = tempfile.mkstemp(prefix="schema-safety-", suffix=".cnf")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        yield path
    finally:
        os.unlink(path)


def run(
    argv: list[str],
    *,
    env: dict[str, str] | None = None,
    stdout: IO[bytes] | int = subprocess.DEVNULL,
    secrets: Iterable[str] = (),
) -> None:
    """Run a client program; raise BackupError with its (masked) last words if it fails."""
    try:
        done = subprocess.run(
            argv,
            env=_environment(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            check=False,
        )
    except OSError as error:
        raise BackupError(f"cannot run {Path(argv[0]).name}: {error.strerror}") from None
    if done.returncode != 0:
        raise BackupError(_failed(argv, done.returncode, done.stderr, secrets))


def pipe(
    first: list[str], second: list[str], *, env: dict[str, str], secrets: Iterable[str] = ()
) -> None:
    """Run ``first | second``; raise with the consumer's error first (the producer only
    loses its pipe when the consumer stops)."""
    with tempfile.TemporaryFile() as errors1, tempfile.TemporaryFile() as errors2:
        producer = _start(first, env, stdout=subprocess.PIPE, stderr=errors1)
        try:
            consumer = _start(second, env, stdin=producer.stdout, stderr=errors2)
        except BackupError:
            producer.kill()
            producer.wait()
            raise
        producer.stdout.close()
        codes = consumer.wait(), producer.wait()
        for argv, code, errors in ((second, codes[0], errors2), (first, codes[1], errors1)):
            if code != 0:
                errors.seek(0)
                raise BackupError(_failed(argv, code, errors.read(), secrets))


def feed(
    argv: list[str],
    chunks: Iterable[bytes],
    *,
    env: dict[str, str] | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """Run ``argv`` with ``chunks`` written to its standard input."""
    with tempfile.TemporaryFile() as errors:
        process = _start(argv, env, stdin=subprocess.PIPE, stderr=errors)
        try:
            _write(process.stdin, chunks)
        except BaseException:
            process.kill()
            process.wait()
            raise
        code = process.wait()
        if code != 0:
            errors.seek(0)
            raise BackupError(_failed(argv, code, errors.read(), secrets))


def _write(stream: IO[bytes], chunks: Iterable[bytes]) -> None:
    """Write and close; a reader that stopped early says why through its exit code."""
    with contextlib.suppress(BrokenPipeError):
        for chunk in chunks:
            stream.write(chunk)
    with contextlib.suppress(BrokenPipeError):
        stream.close()


def _start(argv: list[str], env: dict[str, str] | None, **streams) -> subprocess.Popen:
    streams = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, **streams}
    try:
        return subprocess.Popen(argv, env=_environment(env), **streams)
    except OSError as error:
        raise BackupError(f"cannot run {Path(argv[0]).name}: {error.strerror}") from None


def _environment(extra: dict[str, str] | None) -> dict[str, str]:
    return {**os.environ, **(extra or {})}


def _failed(argv: list[str], code: int, stderr: bytes, secrets: Iterable[str]) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
    said = mask(one_line("\n".join(lines)), secrets) or "no error message"
    return f"{Path(argv[0]).name} failed (exit {code}): {said}"
