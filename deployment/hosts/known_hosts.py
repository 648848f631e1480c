"""Host key verification: known_hosts files read once per run, shared by every connection.

Fabric accepts any host key (``AutoAddPolicy``); we refuse unknown keys unless the environment
allows trust on first use, and refuse changed keys always. paramiko's own loader compares each
new line with every line before it, which costs seconds per client on a large file: here the
files are parsed once, and every ``SSHClient`` is handed the same parsed keys.
"""

from __future__ import annotations

import base64
import hmac
import os
import shlex
import threading
from collections.abc import Sequence
from pathlib import Path

import paramiko
from paramiko.hostkeys import HostKeyEntry

from deployment.errors import HostKeyRefused, UsageError

USER_KNOWN_HOSTS = "~/.ssh/known_hosts"


class _ParsedKeys(paramiko.HostKeys):
    """paramiko's lookup over entries appended as read, hashed names decoded once."""

    def __init__(self) -> None:
        super().__init__()
        self.origins: dict[int, Path] = {}
        self._hashed: dict[str, tuple[bytes, bytes]] = {}

    def append(self, entry: HostKeyEntry, origin: Path) -> None:
        self._entries.append(entry)
        self.origins[id(entry)] = origin

    def origins_of(self, hostname: str) -> list[Path]:
        """The files an entry for ``hostname`` came from."""
        found = [
            self.origins[id(entry)]
            for entry in list(self._entries)
            if id(entry) in self.origins and self._hostname_matches(hostname, entry)
        ]
        return list(dict.fromkeys(found))

    def _hostname_matches(self, hostname: str, entry: HostKeyEntry) -> bool:
        # paramiko decodes each |1|salt|hash name again for every lookup: 45 µs a line.
        for name in entry.hostnames:
            if name == hostname:
                return True
            if name.startswith("|1|") and not hostname.startswith("|1|"):
                salt, digest = self._salt_and_digest(name)
                if hmac.compare_digest(hmac.digest(salt, hostname.encode(), "sha1"), digest):
                    return True
        return False

    def _salt_and_digest(self, name: str) -> tuple[bytes, bytes]:
        if name not in self._hashed:
            try:
                salt, digest = name[3:].split("|")
                self._hashed[name] = (base64.b64decode(salt), base64.b64decode(digest))
            except ValueError:  # binascii.Error is a ValueError
                self._hashed[name] = (b"", b"")
        return self._hashed[name]


class KnownHosts:
    """The known host keys of one run, from ``files`` in order (missing files are skipped).

    ``KnownHosts.default("inventory/known_hosts")`` reads ``~/.ssh/known_hosts`` and then the
    inventory's file. With trust on first use, new keys are appended to the first file that
    can be written, in the same order.
    """

    def __init__(
        self,
        files: Sequence[str | os.PathLike[str]],
        learn_to: str | os.PathLike[str] | None = None,
    ) -> None:
        self.files = [Path(file).expanduser() for file in files]
        # Keys trusted on first use go to this file only (an environment's own), never to
        # ~/.ssh/known_hosts, which every environment reads. None: the first writable file.
        self.learn_to = Path(learn_to).expanduser() if learn_to is not None else None
        if self.learn_to is not None and self.learn_to not in self.files:
            self.files.append(self.learn_to)
        self.keys = _ParsedKeys()
        self._revoked: set[bytes] = set()
        self._lock = threading.Lock()
        for path in self.files:
            self._load(path)

    @classmethod
    def default(
        cls, *extra: str | os.PathLike[str], learn_to: str | os.PathLike[str] | None = None
    ) -> KnownHosts:
        """``~/.ssh/known_hosts`` followed by ``extra`` files (and ``learn_to``)."""
        return cls([USER_KNOWN_HOSTS, *extra], learn_to=learn_to)

    def _load(self, path: Path) -> None:
        try:
            text = path.read_text(errors="replace")
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as error:
            raise UsageError(f"cannot read known_hosts file {path}: {error.strerror}") from None
        for number, line in enumerate(text.splitlines(), 1):
            marker, _, rest = line.strip().partition(" ")
            if marker == "@revoked":
                revoked = _parse(rest, number)
                if revoked is not None:
                    self._revoked.add(revoked.key.asbytes())
            elif marker and not marker.startswith(("#", "@")):
                entry = _parse(line, number)
                if entry is not None:
                    self.keys.append(entry, path)

    def revoked(self, key: paramiko.PKey) -> bool:
        """Whether a ``@revoked`` line lists ``key`` (refused whatever else the files say)."""
        return key.asbytes() in self._revoked

    def install(self, client: paramiko.SSHClient, label: str, accept_new: bool) -> None:
        """Make ``client`` check host keys against ours (``label`` names the host in errors)."""
        # The "system" host keys are the ones paramiko checks first and never writes back.
        client._system_host_keys = self.keys
        client.set_missing_host_key_policy(_Policy(self, label, accept_new))

    def sources(self, name: str) -> list[Path]:
        """The files holding a key for ``name`` (``host`` or ``[host]:port``)."""
        return self.keys.origins_of(name)

    def record(self, name: str, key: paramiko.PKey) -> None:
        """Trust ``key`` for ``name`` from now on, in memory and in the first writable file."""
        with self._lock:
            if self.keys.check(name, key):
                return
            line = known_hosts_line(name, key)
            for path in [self.learn_to] if self.learn_to is not None else self.files:
                if _append(path, line):
                    self.keys.append(HostKeyEntry([name], key), path)
                    return
        tried = ", ".join(str(path) for path in self.files) or "none given"
        raise HostKeyRefused(
            f"cannot record the host key for {name}: no writable known_hosts file ({tried})"
        )


class _Policy(paramiko.MissingHostKeyPolicy):
    """What to do with a host no known_hosts file mentions: refuse, or trust on first use."""

    def __init__(self, known_hosts: KnownHosts, label: str, accept_new: bool) -> None:
        self.known_hosts = known_hosts
        self.label = label
        self.accept_new = accept_new

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        if self.known_hosts.revoked(key):
            raise HostKeyRefused(revoked_key_message(self.label, key))
        if not self.accept_new:
            raise HostKeyRefused(unknown_key_message(self.label, hostname, key))
        self.known_hosts.record(hostname, key)


def known_hosts_line(name: str, key: paramiko.PKey) -> str:
    """``[127.0.0.2]:2222 ssh-ed25519 AAAA...`` (``name`` is already in known_hosts form)."""
    return f"{name} {key.get_name()} {key.get_base64()}"


def hostkey_name(host: str, port: int) -> str:
    """The name known_hosts files use: ``host`` on port 22, ``[host]:port`` elsewhere."""
    return host if port == 22 else f"[{host}]:{port}"


def unknown_key_message(label: str, name: str, key: paramiko.PKey) -> str:
    return (
        f"host key for {label} is not known; verify it ({key.get_name()} {key.fingerprint}) "
        f"and add this line to known_hosts: {known_hosts_line(name, key)}"
    )


def revoked_key_message(label: str, key: paramiko.PKey) -> str:
    return f"host key for {label} is REVOKED in known_hosts ({key.get_name()} {key.fingerprint})"


def changed_key_message(label: str, name: str, key: paramiko.PKey, files: list[Path]) -> str:
    removals = " and ".join(
        shlex.join(["ssh-keygen", "-R", name, "-f", str(path)]) for path in files
    )
    removals = removals or shlex.join(["ssh-keygen", "-R", name])
    return (
        f"host key for {label} CHANGED: possible man-in-the-middle attack (or the host was "
        f"reinstalled); it now offers {key.get_name()} {key.fingerprint}. If the change is "
        f"expected, remove the old line with {removals} "
        "and connect again"
    )


def _parse(line: str, number: int) -> HostKeyEntry | None:
    """One known_hosts line; None for what paramiko cannot read (skipped, as paramiko does)."""
    try:
        entry = HostKeyEntry.from_line(line, number)
    except Exception:
        return None
    return entry if entry is not None and entry.key is not None else None


def _append(path: Path, line: str) -> bool:
    """Append ``line`` to ``path`` (created with a private ~/.ssh if needed); False if we can't."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with path.open("a+b") as file:
            file.seek(0, os.SEEK_END)
            separator = b""
            if file.tell() > 0:
                file.seek(-1, os.SEEK_END)
                separator = b"" if file.read(1) == b"\n" else b"\n"
            file.write(separator + line.encode() + b"\n")
    except OSError:
        return False
    return True
