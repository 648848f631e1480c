"""fab running on a pseudo-terminal in the background: a test reads what it shows, answers its
prompts, signals it, and waits for it.

    run = FabRun.start(fleet, "deploy", "--env=test")
    run.wait_for("Type")          # the confirmation prompt is on the screen
    run.send_signal(signal.SIGTERM)
    run.type("test")
    code = run.wait()             # -SIGKILL when killed; run.output: what the terminal showed
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time

from deploying import ANSI, DEADLINE, fab_argv, fab_environment
from fleet import Fleet
from project import ROOT


class FabRun:
    def __init__(self, process: subprocess.Popen, master: int) -> None:
        self.process = process
        self.master = master
        self._raw = bytearray()
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, fleet: Fleet, *args: str) -> FabRun:
        master, slave = os.openpty()
        process = subprocess.Popen(
            fab_argv(fleet, *args),
            cwd=ROOT,
            env=fab_environment(fleet, {"TERM": "xterm", "COLUMNS": "160"}),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        return cls(process, master)

    @property
    def output(self) -> str:
        """What the terminal showed so far, colours removed."""
        return ANSI.sub("", bytes(self._raw).decode(errors="replace")).replace("\r\n", "\n")

    def wait_for(self, text: str) -> None:
        """Until ``text`` is on the screen; fails if fab ends first."""
        deadline = time.monotonic() + DEADLINE
        while text not in self.output:
            assert self.process.poll() is None, f"fab ended before {text!r}:\n{self.output}"
            assert time.monotonic() < deadline, f"{text!r} never showed:\n{self.output}"
            time.sleep(0.05)

    def type(self, line: str) -> None:
        """``line`` and Enter, as typed (nothing if fab is gone)."""
        if not self._closed:
            with contextlib.suppress(OSError):
                os.write(self.master, line.encode() + b"\r")

    def send_signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = DEADLINE) -> int:
        """fab's exit code (negative: the signal that killed it); kills it past ``timeout``."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"fab did not end in {timeout} s:\n{self.output}") from None
        self._reader.join(10)
        if not self._closed:
            self._closed = True
            os.close(self.master)
        return code

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO once fab and its children closed the terminal
                break
            if not chunk:
                break
            self._raw += chunk
