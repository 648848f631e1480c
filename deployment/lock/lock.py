"""The ``Lock`` itself: take it (waiting if asked), check it between steps, release it."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import secrets
import time
from collections.abc import Callable

from ..errors import DeployError, LockHeld, RemoteCommandFailed
from ..history import timestamp
from ..hosts import Host, Result
from ..layout import Layout
from ..remote.commands import Command
from .commands import acquire_command, if_ours, refresh_command, release_command
from .heartbeat import Heartbeat, lost_message
from .info import (
    NOT_OURS,
    POLL_SECONDS,
    REFRESH_SECONDS,
    STALE_AFTER,
    TIMEOUT,
    Holder,
    LockInfo,
    held_message,
)
from .state import cannot_message, clear, orphaned, status


class Lock:
    """The deploy lock of ``layout`` on ``host``, for ``holder``; a context manager.

    ``connect()`` opens the heartbeat's own connection (default: share ``host``).
    """

    def __init__(
        self,
        host: Host,
        layout: Layout,
        holder: Holder,
        *,
        connect: Callable[[], Host] | None = None,
        wait_seconds: float = 0,
        take_over: bool = False,
        refresh_seconds: float = REFRESH_SECONDS,
        stale_after: float = STALE_AFTER,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.host, self.layout, self.holder = host, layout, holder
        self.token = secrets.token_hex(16)
        self.wait_seconds, self.refresh_seconds = wait_seconds, refresh_seconds
        self.stale_after, self.poll_seconds = stale_after, poll_seconds
        self.held = False
        self.take_over = take_over  # fab recover: a lock whose holder is gone is taken over
        self.kept = False  # left on the host for fab recover
        self.taken_from: LockInfo | None = None  # the lock taken over (take_over), if any
        self.release_error: DeployError | None = None
        self._since = timestamp()
        self._heartbeat = Heartbeat(
            host,
            layout,
            self.token,
            holder.env,
            self._payload,
            connect=connect,
            seconds=refresh_seconds,
        )

    def __enter__(self) -> Lock:
        if not self.held:
            self.acquire(self.wait_seconds)
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self.release(quiet=error is not None)
        if error is not None and self.release_error is not None:
            error.add_note(f"and the deploy lock was not released: {self.release_error}")

    @property
    def _lost(self) -> str | None:
        """Why the lock is no longer ours, once the heartbeat found it gone."""
        return self._heartbeat.lost

    def acquire(self, wait_seconds: float = 0) -> None:
        """Take the lock, trying again every ``poll_seconds`` for up to ``wait_seconds``.

        Raises ``LockHeld`` naming the holder when the time is up; never removes a lock.
        """
        deadline, failures = time.monotonic() + wait_seconds, 0
        while True:
            result = self._attempt()
            if result.ok:
                return
            info = status(self.host, self.layout, self.stale_after)
            if info is None:  # released in between, or mkdir failed for another reason
                failures += 1
                if failures > 1:
                    message = cannot_message("create", self.layout, self.host, result)
                    raise RemoteCommandFailed(message)
                continue
            gone = orphaned(info) if self.take_over else None
            if gone:
                clear(self.host, self.layout, self.holder.operator, f"taken over: {gone}")
                self.taken_from = info
                continue
            failures, remaining = 0, deadline - time.monotonic()
            if remaining <= 0:
                raise LockHeld(held_message(info, self.holder.env))
            time.sleep(min(self.poll_seconds, remaining))

    def check(self) -> None:
        """Raise ``LockHeld`` if the lock was cleared (``fab unlock``) while we held it
        (as the heartbeat last saw it: no round trip)."""
        if self._lost is not None:
            raise LockHeld(self._lost)

    def while_held(self, command: Command) -> None:
        """Run ``command`` on the lock's host only if the lock is still ours, in one round
        trip (the journal is written this way before each step); ``LockHeld`` if it is not."""
        self.check()
        result = self.host.run(if_ours(self.layout, self.token, command), timeout=TIMEOUT)
        if result.exit_code == NOT_OURS:
            raise LockHeld(lost_message(self.host, self.layout, self.token, self.holder.env))
        if not result.ok:
            detail = result.stderr.strip() or f"exit status {result.exit_code}"
            raise RemoteCommandFailed(
                f"cannot write {self.layout.lock} on {self.host.name}: {detail}"
            )

    def keep(self) -> None:
        """Leave the lock on the host for ``fab recover`` (the operation ended inconsistent):
        no more heartbeats, and its info says so, so that recover takes it over at once."""
        if not self.held:
            return
        self.held, self.kept = False, True
        self._heartbeat.stop()
        with contextlib.suppress(DeployError):
            payload = self._payload(left_for_recover=True)
            self.host.run(refresh_command(self.layout, self.token, payload), timeout=TIMEOUT)

    def release(self, quiet: bool = False) -> bool:
        """Remove the lock if it is still ours; True if removed. ``quiet``: never raise."""
        if not self.held:
            return False
        self.held = False
        self._heartbeat.stop()
        try:
            result = self.host.run(release_command(self.layout, self.token), timeout=TIMEOUT)
            if not result.ok and result.exit_code != NOT_OURS:
                message = cannot_message("remove", self.layout, self.host, result)
                raise RemoteCommandFailed(message)
        except DeployError as error:
            self.release_error = error
            if quiet:
                return False
            raise
        return result.ok

    def _attempt(self) -> Result:
        """One ``mkdir``; interrupted half-way, the lock may be ours: then it goes again."""
        self._since = timestamp()
        try:
            result = self.host.run(acquire_command(self.layout, self._payload()), timeout=TIMEOUT)
            if result.ok:
                self.held = True
                self._heartbeat.start()
            return result
        except BaseException:
            if self.held:
                self.release(quiet=True)
            else:
                with contextlib.suppress(Exception):
                    self.host.run(release_command(self.layout, self.token), timeout=TIMEOUT)
            raise

    def _payload(self, left_for_recover: bool = False) -> str:
        info = {"token": self.token, "time": self._since, "refreshed": timestamp()}
        if left_for_recover:
            info["left_for_recover"] = True
        return json.dumps({**dataclasses.asdict(self.holder), **info}, sort_keys=True)
