"""One error hierarchy; each error knows its exit code (the command-line contract).

The task layer's one decorator (``tasks/errors.py``) turns a ``DeployError`` into one red
line and ``exit_code``; anything else is a bug and keeps its traceback. An error without a
message was reported already (a table, a report): only its exit code is left to give.
"""

from __future__ import annotations


class DeployError(Exception):
    """A step or a check failed."""

    exit_code = 1


class UsageError(DeployError):
    """Bad usage: unknown option value, environment or host."""

    exit_code = 2


class InventoryError(UsageError):
    """An inventory file is missing, malformed or invalid."""


class ConnectionFailed(DeployError):
    """A host could not be reached or refused authentication."""

    exit_code = 2


class ConnectionLost(ConnectionFailed):
    """The connection dropped while a command ran: what it did there is unknown."""


class HostKeyRefused(ConnectionFailed):
    """A host presented an unknown or changed host key."""


class RemoteCommandFailed(DeployError):
    """A command on a host exited non-zero; ``step``: which one, in a script of several."""

    def __init__(self, message: str, step: str | None = None):
        super().__init__(message)
        self.step = step


class NothingDeployed(DeployError):
    """A host has no live release (``current``) yet."""


class SnapshotFailed(DeployError):
    """An environment's schema snapshot could not be taken (unreachable, nothing deployed)."""

    exit_code = 2


class PromotionRefused(DeployError):
    """The commit was never deployed to the environment it is promoted from."""


class ChecksFailed(DeployError):
    """A pre-deploy check failed on a host (the report says which)."""


class HostsUnreachable(ConnectionFailed):
    """A host could not be reached (the report says which; the others were still read)."""


class Differences(DeployError):
    """Environments compared and found different (``fab compare``)."""


class SchemaMismatch(DeployError):
    """``verify_schema`` found problems (its report says which)."""


class Attention(DeployError):
    """``fab status``: the environment needs attention (its verdict says why)."""


class PlanRefused(DeployError):
    """The plan would stop a deploy (``--dry-run`` says why)."""


class Interrupted(DeployError):
    """A signal (Ctrl-C, SIGTERM) stopped the operation after a step; what it did was undone."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by signal {signum} ({_signal_name(signum)})")
        self.exit_code = 128 + signum  # 130 Ctrl-C, 143 SIGTERM, as a shell reports them


def _signal_name(signum: int) -> str:
    import signal

    return signal.Signals(signum).name


class Inconsistent(DeployError):
    """The environment is left inconsistent: hosts on different releases, the live release
    not matching the database, or an interrupted operation (``fab recover`` repairs)."""

    exit_code = 5


class LockHeld(DeployError):
    """Another operation holds the deploy lock."""

    exit_code = 3


class NotConfirmed(DeployError):
    """The operator declined, or there was no terminal and no --yes."""

    exit_code = 4


class StepFailed(DeployError):
    """A step of an operation failed; the steps done were undone as far as possible.

    ``error`` is what the step raised, ``outcome`` what ran and what was undone. Bad usage
    (2: an unknown release, ref or backup), a declined confirmation (4), a lost lock (3) and
    a signal (130, 143) keep their meaning; any other failed step is a 1.
    """

    def __init__(self, step: str, error: BaseException, outcome):
        self.step, self.error, self.outcome = step, error, outcome
        super().__init__(f"{step} failed: {error}")

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        kept = UsageError | NotConfirmed | LockHeld | Interrupted
        return self.error.exit_code if isinstance(self.error, kept) else 1
