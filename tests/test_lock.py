"""The deploy lock against real OpenSSH: atomic, refreshed, released, never auto-removed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from deploying import stale_lock
from fleet import Fleet
from project import ROOT

from deployment import history, lock
from deployment.errors import LockHeld
from deployment.hosts import Host
from deployment.layout import Layout
from deployment.lock import Holder, Lock
from deployment.remote.commands import render

Connect = Callable[[], Host]


def holder(operator: str = "alice@laptop", task: str = "deploy") -> Holder:
    return Holder(task, env="test", ref="main", operator=operator)


def info_json(layout: Layout) -> dict:
    return json.loads(Path(lock.info_path(layout)).read_text())


def eventually(predicate: Callable[[], object], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- commands: exact strings, every value quoted ---


def test_commands_quote_every_value() -> None:
    layout = Layout("/srv/cms")
    payload = '{"message": "it\'s $(rm -rf /)"}'

    assert render(lock.acquire_command(layout, payload)) == (
        "mkdir -p /srv/cms/.deploy && mkdir /srv/cms/.deploy/lock && "
        "{ { printf '%s\\n' '{\"message\": \"it'\"'\"'s $(rm -rf /)\"}' > "
        "/srv/cms/.deploy/lock/info.json.16f343bb6fac.tmp && "
        "mv /srv/cms/.deploy/lock/info.json.16f343bb6fac.tmp /srv/cms/.deploy/lock/info.json; } "
        "|| { rm -rf /srv/cms/.deploy/lock && false; }; }"
    )
    assert render(lock.release_command(layout, "abc")) == (
        '{ { grep -qF \'"token": "abc"\' /srv/cms/.deploy/lock/info.json 2>/dev/null; } '
        "|| { exit 3; }; } && rm -rf /srv/cms/.deploy/lock"
    )


def test_a_hostile_deploy_to_stays_one_word() -> None:
    command = render(lock.status_command(Layout("/srv/a b; $(touch x)")))
    assert "'/srv/a b; $(touch x)/.deploy/lock'" in command


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (119, "119 s"), (720, "12 min"), (3 * 3600, "3 h"), (5 * 86400, "5 days")],
)
def test_duration(seconds: float, text: str) -> None:
    assert lock.duration(seconds) == text


def test_an_unreadable_lock_is_held_by_an_unknown_holder() -> None:
    info = lock.parse_status("web1", "1700000000\n-\n{half")
    assert (info.operator, info.idle_seconds, info.stale) == (None, None, False)
    assert lock.held_message(info, "prod") == (
        "deploy lock on prod held by an unknown holder (no readable info.json) since ?; "
        "holder looks gone (no info); if so: fab unlock --env=prod --reason=..."
    )


def test_terminate_as_interrupt_raises_keyboard_interrupt_then_restores_the_handler() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    with lock.terminate_as_interrupt(), pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert signal.getsignal(signal.SIGTERM) is previous


# --- taking and releasing ---


@pytest.mark.integration
def test_the_lock_records_who_where_what_and_goes_on_success(host: Host, layout: Layout) -> None:
    with Lock(host, layout, holder(), refresh_seconds=0) as held:
        info = info_json(layout)
        assert info["token"] == held.token
    assert {k: info[k] for k in ("operator", "pid", "task", "env", "ref")} == {
        "operator": "alice@laptop",
        "pid": os.getpid(),
        "task": "deploy",
        "env": "test",
        "ref": "main",
    }
    assert info["time"].endswith("Z") and info["refreshed"] >= info["time"]
    assert not Path(layout.lock).exists()
    assert [p.name for p in Path(layout.lock).parent.iterdir()] == []  # no temporary left


@pytest.mark.integration
def test_the_lock_goes_when_the_block_raises(host: Host, layout: Layout) -> None:
    with pytest.raises(RuntimeError, match="step failed"), Lock(host, layout, holder()):
        assert Path(layout.lock).is_dir()
        raise RuntimeError("step failed")
    assert not Path(layout.lock).exists()


def race(links: list[Host], layout: Layout) -> dict[int, object]:
    """Both take the lock at the same moment; {contender: "won" or the LockHeld it got}."""
    start, attempted = threading.Barrier(2), threading.Barrier(2)
    outcome: dict[int, object] = {}

    def take(i: int) -> None:
        contender = Lock(links[i], layout, holder(f"op{i}@m"), refresh_seconds=0)
        start.wait()
        try:
            contender.acquire()
            outcome[i] = "won"
        except LockHeld as error:
            outcome[i] = error
        attempted.wait()  # the winner holds the lock until the loser has tried
        contender.release()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcome


@pytest.mark.integration
def test_two_acquirers_racing_exactly_one_wins(opener: Connect, layout: Layout) -> None:
    for _ in range(5):
        outcome = race([opener(), opener()], layout)
        winners = [i for i, result in outcome.items() if result == "won"]
        assert len(winners) == 1 and len(outcome) == 2, outcome
        loser = outcome[1 - winners[0]]
        assert isinstance(loser, LockHeld) and loser.exit_code == 3
        assert f"held by op{winners[0]}@m (deploy) since " in str(loser)
        assert not Path(layout.lock).exists()


SCRIPT = """
import os, sys, time
import fabric
from deployment.hosts import KnownHosts, connect
from deployment.layout import Layout
from deployment.remote.commands import render
from deployment.lock import Holder, Lock, terminate_as_interrupt

address, port, key, known, deploy_to, waiting, inside = sys.argv[1:]
options = {"key_filename": [key], "allow_agent": False, "look_for_keys": False}
config = fabric.Config(runtime_ssh_path=os.devnull, overrides={"connect_kwargs": options})
host = connect(address, port=int(port), user="root", known_hosts=KnownHosts([known]), config=config)
try:
    with terminate_as_interrupt(), Lock(host, Layout(deploy_to), Holder("deploy", "test")):
        if waiting == "remote":  # the interrupt takes effect when the command ends
            host.run(["sh", "-c", 'touch "$1" && sleep 3', "sh", inside])
        else:
            open(inside, "w").close()
        time.sleep(60)
except KeyboardInterrupt:
    sys.exit(130)
"""


@pytest.mark.integration
@pytest.mark.parametrize(
    ("signum", "waiting"),
    [(signal.SIGTERM, "local"), (signal.SIGINT, "local"), (signal.SIGTERM, "remote")],
    ids=["SIGTERM", "Ctrl-C", "SIGTERM-during-a-remote-command"],
)
def test_a_signal_releases_the_lock(
    signum: int, waiting: str, sshd_server, known_hosts_file, layout: Layout, tmp_path: Path
) -> None:
    script = tmp_path / "hold.py"
    script.write_text(SCRIPT)
    argv = [sys.executable, str(script), sshd_server.host, str(sshd_server.port)]
    argv += [str(sshd_server.client_key_path), str(known_hosts_file(sshd_server)), layout.deploy_to]
    inside = tmp_path / "inside"  # written once the holder waits, locally or on the host
    argv += [waiting, str(inside)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
    )
    try:
        eventually(lambda: inside.exists() or process.poll() is not None, seconds=60)
        assert process.poll() is None, process.stderr.read()
        assert Path(layout.lock).is_dir()
        process.send_signal(signum)
        assert process.wait(timeout=30) == 130, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not Path(layout.lock).exists()


# --- a lock held by someone else ---


@pytest.mark.integration
def test_a_stale_lock_is_reported_with_its_age_and_never_removed(host: Host, layout: Layout):
    left = stale_lock(layout, idle=timedelta(minutes=12))

    with pytest.raises(LockHeld) as raised:
        Lock(host, layout, holder()).acquire()

    assert str(raised.value) == (
        f"deploy lock on test held by ci@runner-7 (deploy) since {left['time']}, "
        "last refreshed 12 min ago; holder looks gone (no heartbeat for 12 min); "
        "if so: fab unlock --env=test --reason=..."
    )
    assert info_json(layout) == left
    found = lock.status(host, layout)
    assert found.stale and found.pid == 4711 and 3590 < found.age_seconds < 3700


@pytest.mark.integration
def test_a_lock_without_info_is_held_and_can_be_cleared(host: Host, layout: Layout) -> None:
    Path(layout.lock).mkdir(parents=True)  # as if its holder died between mkdir and write

    with pytest.raises(LockHeld, match="held by an unknown holder .* if so: fab unlock"):
        Lock(host, layout, holder()).acquire()
    assert Path(layout.lock).is_dir()

    assert lock.clear(host, layout, "bob@desk", "empty lock").operator is None
    assert lock.status(host, layout) is None


@pytest.mark.integration
def test_a_live_lock_is_not_called_stale(host: Host, layout: Layout) -> None:
    stale_lock(layout, idle=timedelta(seconds=5))
    with pytest.raises(LockHeld) as raised:
        Lock(host, layout, holder()).acquire()
    assert "looks gone" not in str(raised.value)
    assert lock.status(host, layout).stale is False


class Attempts:
    """A host that counts the lock's ``mkdir`` attempts and how many of them failed."""

    def __init__(self, host: Host) -> None:
        self.host, self.made, self.refused = host, 0, threading.Semaphore(0)

    def run(self, command, **options):
        result = self.host.run(command, **options)
        if "mkdir" in render(command):
            self.made += 1
            if not result.ok:
                self.refused.release()
        return result

    def __getattr__(self, name: str):
        return getattr(self.host, name)


@pytest.mark.integration
def test_waiting_takes_the_lock_once_its_holder_releases(opener: Connect, layout: Layout):
    first = Lock(opener(), layout, holder("first@m"), refresh_seconds=0)
    first.acquire()
    link = Attempts(opener())
    second = Lock(link, layout, holder("second@m"), refresh_seconds=0, poll_seconds=0.05)
    outcome: list[object] = []
    waiter = threading.Thread(target=lambda: outcome.append(second.acquire(wait_seconds=600)))
    waiter.start()

    for _ in range(2):  # refused twice: it is waiting, not giving up
        assert link.refused.acquire(timeout=60)
    assert waiter.is_alive() and info_json(layout)["operator"] == "first@m"
    assert first.release() is True
    waiter.join(60)

    assert outcome == [None] and not waiter.is_alive()
    assert info_json(layout)["operator"] == "second@m"
    assert second.release() is True


@pytest.mark.integration
def test_waiting_gives_up_at_the_deadline(opener: Connect, layout: Layout) -> None:
    with Lock(opener(), layout, holder("first@m"), refresh_seconds=0) as first:
        link = Attempts(opener())
        with pytest.raises(LockHeld, match="held by first@m"):
            Lock(link, layout, holder(), poll_seconds=0.2).acquire(wait_seconds=1)
        assert link.made > 1  # it tried again before giving up
        assert info_json(layout)["token"] == first.token  # and never touched the lock


@pytest.mark.integration
def test_the_heartbeat_refreshes_info_json(opener: Connect, layout: Layout) -> None:
    with Lock(opener(), layout, holder(), connect=opener, refresh_seconds=0.2) as held:
        before = info_json(layout)
        eventually(lambda: info_json(layout)["refreshed"] != before["refreshed"])
        after = info_json(layout)
        assert (after["token"], after["time"]) == (held.token, before["time"])
        held.check()


# --- fab unlock ---


@pytest.mark.integration
def test_clearing_stops_the_old_holder_without_touching_the_new_one(
    opener: Connect, layout: Layout
) -> None:
    old = Lock(opener(), layout, holder(), connect=opener, refresh_seconds=0.2)
    old.acquire()
    bob = opener()

    cleared = lock.clear(bob, layout, "bob@desk", "alice's job is stuck")
    new = Lock(bob, layout, holder("bob@desk", "rollback"), refresh_seconds=0)
    new.acquire()

    assert cleared.operator == "alice@laptop" and cleared.token == old.token
    eventually(lambda: old._lost)
    with pytest.raises(LockHeld, match=r"cleared by bob@desk at .* \(alice's job is stuck\)"):
        old.check()
    assert old.release() is False
    assert info_json(layout)["token"] == new.token
    assert new.release() is True


@pytest.mark.integration
def test_clearing_nothing_is_fine(host: Host, layout: Layout) -> None:
    assert lock.clear(host, layout, "bob@desk", "just in case") is None
    assert lock.status(host, layout) is None


@pytest.mark.integration
def test_a_lock_on_any_host_means_held(host: Host, tmp_path: Path) -> None:
    primary, other = Layout(str(tmp_path / "a")), Layout(str(tmp_path / "b"))
    with Lock(host, primary, holder(), refresh_seconds=0) as mine:
        lock.check_all([host, host], [primary, other], "test", mine)
        stale_lock(other, idle=timedelta(minutes=1))
        with pytest.raises(LockHeld, match=r"^deploy lock on test \(on 127\.0\.0\.2\) held by ci@"):
            lock.check_all([host, host], [primary, other], "test", mine)


@pytest.mark.integration
def test_hostile_deploy_to_runs_nothing(host: Host, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    layout = Layout(str(tmp_path / f'it\'s "$(touch {marker})" `touch {marker}`; x'))
    with Lock(host, layout, holder(), refresh_seconds=0):
        assert lock.status(host, layout).operator == "alice@laptop"
    assert lock.status(host, layout) is None
    assert not marker.exists()


@pytest.mark.integration
def test_fab_unlock_clears_a_stale_lock_and_records_why(fleet: Fleet) -> None:
    layout = Layout(str(fleet.deploy_to[0]))
    left = stale_lock(layout, idle=timedelta(minutes=30))

    done = fleet.fab("unlock", "--env=test", "--reason=runner 7 was cancelled")

    assert done.returncode == 0, done.stderr
    assert "held by ci@runner-7 (deploy), pid 4711 on runner-7" in " ".join(done.stdout.split())
    assert not Path(layout.lock).exists()
    line = json.loads(Path(layout.history).read_text())
    assert (line["event"], line["outcome"], line["env"]) == ("unlock", "success", "test")
    assert line["operator"] == history.current_operator()
    assert line["message"] == (
        f"cleared the lock of ci@runner-7 (deploy) since {left['time']}: runner 7 was cancelled"
    )


@pytest.mark.integration
def test_fab_unlock_with_nothing_to_clear_or_no_reason(fleet: Fleet) -> None:
    done = fleet.fab("unlock", "--env=test", "--reason=checking")
    assert (done.returncode, done.stdout.strip()) == (0, "no deploy lock on test: nothing to clear")
    assert not Path(Layout(str(fleet.deploy_to[0])).history).exists()

    refused = fleet.fab("unlock", "--env=test")
    assert refused.returncode == 2 and "--reason" in refused.stderr
