"""The heartbeat of a held lock: rewrites info.json while the lock is ours, notices when not."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from ..errors import DeployError
from ..hosts import Host
from ..layout import Layout
from .commands import note_path, refresh_command
from .info import NOT_OURS, TIMEOUT, _json


class Heartbeat:
    """Refresh the lock every ``seconds`` (0: never) on ``connect()``'s connection, or ``host``.

    ``lost`` says why the lock is gone once someone removed it (``fab unlock``).
    """

    def __init__(
        self,
        host: Host,
        layout: Layout,
        token: str,
        env: str,
        payload: Callable[[], str],
        *,
        connect: Callable[[], Host] | None,
        seconds: float,
    ) -> None:
        self.host, self.layout, self.token, self.env = host, layout, token, env
        self.seconds = seconds
        self.lost: str | None = None
        self._payload, self._connect = payload, connect
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.seconds > 0:
            self._thread = threading.Thread(target=self._beat, name="deploy-lock", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(TIMEOUT + 5)

    def _beat(self) -> None:
        link: Host | None = None
        try:
            while not self._stop.wait(self.seconds):
                with contextlib.suppress(DeployError):  # the next beat tries again
                    link = link or (self._connect() if self._connect else self.host)
                    if not self._refresh(link):
                        return
        finally:
            if link is not None and link is not self.host:
                link.close()

    def _refresh(self, link: Host) -> bool:
        command = refresh_command(self.layout, self.token, self._payload())
        result = link.run(command, timeout=TIMEOUT)
        if result.exit_code == NOT_OURS and not self._stop.is_set():
            self.lost = lost_message(link, self.layout, self.token, self.env)
            return False
        return True


def lost_message(host: Host, layout: Layout, token: str, env: str) -> str:
    """Why our lock is gone: who cleared it (their note), or that someone removed it."""
    note = _json(host.run(["cat", note_path(layout)], timeout=TIMEOUT).stdout)
    if note.get("token") != token:
        return f"the deploy lock on {env} was removed while this operation held it; stopping"
    who, why, when = note.get("by", "?"), note.get("reason", ""), note.get("time", "?")
    return f"the deploy lock on {env} was cleared by {who} at {when} ({why}); stopping"
