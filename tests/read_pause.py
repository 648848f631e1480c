"""A file whose first reader pauses: a fault point where no command of ours runs.

pause = ReadPause(deploy_to / ".deploy" / "history.jsonl")
pause.arm()                 # the file is a named pipe now
pause.wait(process)         # until something opens it to read (and blocks)
pause.go()                  # the file is back; the reader gets its text
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path

from fault_points import DEADLINE


class ReadPause:
    """Pause the first reader of a file (the primary's history, read by ``cat``): the file
    becomes a named pipe until ``go`` gives the reader its text and puts the file back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = b""
        self.writer: int | None = None

    def arm(self) -> None:
        self.text = self.path.read_bytes() if self.path.exists() else b""
        self.path.unlink(missing_ok=True)
        os.mkfifo(self.path)

    def reached(self) -> bool:
        """A reader has the pipe open (then a writer may open it without blocking)."""
        if self.writer is None:
            with contextlib.suppress(OSError):  # ENXIO: nobody reads yet
                self.writer = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        return self.writer is not None

    def wait(self, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + DEADLINE
        while not self.reached():
            assert process.poll() is None, f"fab ended (exit {process.returncode}) first"
            assert time.monotonic() < deadline, f"nobody read {self.path}"
            time.sleep(0.05)

    def go(self) -> None:
        """The file back as it was; the paused reader gets its text."""
        if not self.path.is_fifo():
            return
        spare = self.path.with_name(self.path.name + ".restored")
        spare.write_bytes(self.text)
        spare.replace(self.path)
        if self.writer is not None:
            with contextlib.suppress(OSError):  # the reader may be gone (its host went down)
                os.set_blocking(self.writer, True)
                os.write(self.writer, self.text)
            os.close(self.writer)
            self.writer = None
