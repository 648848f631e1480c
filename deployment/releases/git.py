"""git as the hosts run it: only the transports the inventory docs list (a local path, file://,
https://, ssh:// and ``user@host:path``; never ``ext::`` or others), and every value that comes
from the inventory or the command line after ``--end-of-options``, so none is read as an
option (``--upload-pack=...``)."""

from __future__ import annotations

PROTOCOLS = ("file", "https", "ssh")
SAFE = ["-c", "protocol.allow=never"]
SAFE += [word for name in PROTOCOLS for word in ("-c", f"protocol.{name}.allow=always")]
END = "--end-of-options"


def git(*args: str) -> list[str]:
    """``git -c protocol... ARGS``: put ``END`` before the values yourself."""
    return ["git", *SAFE, *args]
