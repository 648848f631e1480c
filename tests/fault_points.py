"""Fault points: places on the hosts where a step pauses or fails when a test says so.

The engine is not changed for it: the inventory's ``manage``, ``build`` and ``restart`` run
through ``point.sh``, and the migrations the tests deploy call ``point()`` in a RunPython.
A point is named after what runs there (``migration_plan``, ``build``, ``migration``) and,
for one host only, ``NAME@hostN`` (the host's ``deploy_to`` folder name). The control files
live in one folder on this machine (the hosts are on loopback, so they see it too):

    NAME.fail      the next run of NAME fails (exit 1, or RuntimeError in a migration)
    NAME.pause     the first run of NAME pauses: it makes NAME.reached/ and writes its pid
                   there, waits for NAME.go, then carries on; later runs go straight through

    points = Points(tmp_path / "faults")
    manage = points.manage(fleet.manage_command)     # the inventory's manage
    points.pause("locked_migrate")
    ... start fab; points.wait("locked_migrate", process) ... inject the fault ...
    points.go("locked_migrate"); points.settle()     # every paused run has ended
"""

from __future__ import annotations

import contextlib
import shlex
import subprocess
import time
from pathlib import Path

from consistency import alive
from servers.wsgi import GRACEFUL_TIMEOUT, RESTART

DEADLINE = 120.0

POINT = r"""# point.sh NAME [COMMAND...]: fail or pause at the fault point NAME, then run COMMAND.
# NAME "manage": the management command that follows manage.py names the point.
ctl=$(dirname "$0")
name=$1
shift
if [ "$name" = manage ]; then
  next=
  for arg in "$@"; do
    if [ -n "$next" ]; then name=$arg; break; fi
    [ "$arg" = manage.py ] && next=1
  done
fi
host=$(expr "$PWD/" : '.*/\(host[0-9][0-9]*\)/')
for point in "$name@$host" "$name"; do
  if [ -e "$ctl/$point.fail" ]; then
    echo "injected failure at $point" >&2
    printf '{"ok": false, "error": "injected failure at %s"}\n' "$point"
    exit 1
  fi
  if [ -e "$ctl/$point.pause" ] && mkdir "$ctl/$point.reached" 2>/dev/null; then
    reached="$ctl/$point.reached"
    echo $$ > "$reached/pid.tmp" && mv "$reached/pid.tmp" "$reached/pid"
    while [ ! -e "$ctl/$point.go" ]; do sleep 0.1; done
    break
  fi
done
[ $# -gt 0 ] || exit 0
"$@"
"""

RELOAD = (
    """# reload.sh: the inventory's restart: gunicorn of this host reloads into current.
deploy_to=${PWD%/current}
deploy_to=${deploy_to%/releases/*}
set -- "$deploy_to/run/gunicorn.pid" """
    + str(GRACEFUL_TIMEOUT)
    + "\n"
    + RESTART
)

# The body of a migration with fault points "migration" (forward) and "migration-reverse".
MIGRATION = '''"""Test migration {name}: {field}, with fault points in a RunPython."""

import os
import time
from pathlib import Path

from django.db import migrations, models


def point(name):
    """Fail or pause here when the test harness says so (tests/fault_points.py)."""
    folder = os.environ.get("FAULTS")
    if not folder or os.environ.get("SCHEMA_SAFETY_REHEARSAL"):
        return  # not set, or the rehearsal on a scratch copy: the faults are for the real run
    here = Path(folder)
    if (here / f"{{name}}.fail").exists():
        raise RuntimeError(f"injected failure at {{name}}")
    if (here / f"{{name}}.pause").exists():
        try:
            (here / f"{{name}}.reached").mkdir()
        except FileExistsError:
            return
        (here / f"{{name}}.reached" / "pid.tmp").write_text(str(os.getpid()))
        (here / f"{{name}}.reached" / "pid.tmp").rename(here / f"{{name}}.reached" / "pid")
        while not (here / f"{{name}}.go").exists():
            time.sleep(0.1)


def forward(apps, schema_editor):
    point("migration")


def backward(apps, schema_editor):
    point("migration-reverse")


class Migration(migrations.Migration):
    atomic = {atomic}
    dependencies = [("content", "{leaf}")]
    operations = [
        migrations.AddField("resource", "{column}", {field}),
        migrations.RunPython(forward, backward),
    ]
'''


def migration_source(name: str, leaf: str, column: str, field: str, atomic: bool = True) -> str:
    """A content migration adding ``column`` (``field``: its Django field) with fault points."""
    return MIGRATION.format(name=name, leaf=leaf, column=column, field=field, atomic=atomic)


class Points:
    """The control folder of the fault points, and the scripts the inventory runs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.script = folder / "point.sh"
        self.script.write_text(POINT)
        self.reload = folder / "reload.sh"
        self.reload.write_text(RELOAD)

    # --- what the inventory runs ---

    def manage(self, manage: str) -> str:
        """The inventory's ``manage``: ``manage`` through the point of its subcommand, with
        FAULTS set for the migrations' points."""
        words = shlex.split(manage)
        assert words[0] == "env", manage  # Fleet.manage_command: env VAR=... python manage.py
        words.insert(1, f"FAULTS={self.folder}")
        return shlex.join(["sh", str(self.script), "manage", *words])

    def command(self, name: str, *argv: str) -> str:
        """A shell command (``build``, ``restart``) that passes the point ``name`` first."""
        return shlex.join(["sh", str(self.script), name, *argv])

    def restart(self) -> str:
        """The inventory's ``restart``: the point ``restart``, then gunicorn reloads."""
        return self.command("restart", "sh", str(self.reload))

    # --- what the test does ---

    def pause(self, point: str) -> None:
        (self.folder / f"{point}.pause").touch()

    def fail(self, point: str) -> None:
        (self.folder / f"{point}.fail").touch()

    def pid(self, point: str) -> int | None:
        """The process paused at ``point`` (once it got there), else None."""
        with contextlib.suppress(OSError, ValueError):
            return int((self.folder / f"{point}.reached" / "pid").read_text())
        return None

    def wait(self, point: str, process: subprocess.Popen) -> None:
        """Until something pauses at ``point``; fails if ``process`` (fab) ends first."""
        deadline = time.monotonic() + DEADLINE
        while self.pid(point) is None:
            assert process.poll() is None, f"fab ended (exit {process.returncode}) before {point}"
            assert time.monotonic() < deadline, f"nothing reached {point}"
            time.sleep(0.05)

    def go(self, point: str) -> None:
        (self.folder / f"{point}.go").touch()

    def release_all(self) -> None:
        """Let every paused run go on, and no later run pause or fail."""
        for path in self.folder.glob("*.pause"):
            (self.folder / f"{path.stem}.go").touch()
            path.unlink()
        for path in self.folder.glob("*.fail"):
            path.unlink()

    def settle(self) -> list[str]:
        """Wait until every run that paused has ended; the points whose run did not."""
        deadline = time.monotonic() + DEADLINE
        while True:
            running = [path.parent.stem for path in self.folder.glob("*.reached/pid")]
            running = [name for name in running if alive(self.pid(name))]
            if not running or time.monotonic() > deadline:
                return running
            time.sleep(0.1)

    def clear(self) -> None:
        """Every control file gone: the next cell starts with no point armed."""
        for path in self.folder.iterdir():
            if path.is_dir():
                for inner in path.iterdir():
                    inner.unlink()
                path.rmdir()
            elif path not in (self.script, self.reload):
                path.unlink()
