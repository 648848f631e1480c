"""How a rollback plans its way back: the migrations to move (and the code that knows them),
the order of code and database, and the preflight of a restore-based way back (the backup is
there and verifies) before anything changes."""

from __future__ import annotations

from ..database import backups, migrations
from ..database.verify import errors as verify_errors
from ..errors import DeployError, RemoteCommandFailed
from .summary import Plan

MISSING = ("missing_table", "missing_column")  # what the target's code would read and not find


class PlanSteps:
    """Part of ``Rollback``: its plan step."""

    def make_plan(self) -> None:
        """The moves, the code that makes them, the order, and the preflight of the way back."""
        want, have = self._meta(self.target).get("state"), self._meta(self.current).get("state")
        if want is None or have is None or want == have:
            self.moves = []  # the same state, or releases laid out by hand (none recorded)
            return
        self.moves = [
            f"{app}:{name}" for app, name in sorted(want.items()) if have.get(app) != name
        ]
        self.moves += [f"{app}:zero" for app in sorted(set(have) - set(want))]
        self._plan_moves()
        self.code_first, self.order_reason = self._order()
        if not self._reversible():
            self._preflight_backup()

    def _plan_moves(self) -> None:
        for release in (self.current, self.target):
            try:
                document = migrations.plan(
                    self.primary,
                    self.primary_layout.release(release),
                    self.environment.managed,
                    *self.moves,
                )
            except RemoteCommandFailed:
                continue  # this release's code does not know every target migration
            self.plan, self.code_from = Plan.from_json(document), release
            return
        raise DeployError(f"neither {self.current} nor {self.target} can move the database")

    def _order(self) -> tuple[bool, str]:
        """Code first when the target's models find everything they read in the schema as it
        is now (going back over additive changes: at worst its inserts miss a new NOT NULL
        column, briefly); the database first when a table or column they need is gone (the
        backup brings it back), and always going forward."""
        if not self.plan.backwards:
            return False, f"{self.target} is newer: its migrations run first, as in a deploy"
        path = self.primary_layout.release(self.target)
        found = verify_errors(self.primary, path, self.environment.managed)
        missing = [p["message"] for p in found if p.get("kind") in MISSING]
        if missing:
            why = f"{self.target} needs what the schema lacks now ({'; '.join(missing[:3])})"
            return False, f"database first: {why}"
        note = f"; until the database moves: {'; '.join(p['message'] for p in found[:2])}"
        return True, f"code first: {self.target} runs on the schema as it is now" + (
            note if found else ""
        )

    def _preflight_backup(self) -> None:
        """The backup a restore-based way back needs is there and verifies, before anything."""
        backup_id = self._backup_id()
        if backup_id is None:
            raise DeployError(
                f"the way back to {self.target} is irreversible and no backup "
                f"was recorded for {self.current}; nothing was changed"
            )
        layout, manage = self.primary_layout, self.environment.managed
        backups.verify(self.primary, layout, layout.release(self.code_from), manage, backup_id)
        self.backup = backups.read_manifest(self.primary, layout, backup_id)
        self.safety = backups.safety_id(backup_id)
