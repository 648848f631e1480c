"""The rolling go-live (``go_live: {canary, batch, max_failures}``): the waves, the inventory
key, and three real sshd hosts going live wave after wave, one of them failing its health
check: past ``max_failures`` every switched host goes back and the later waves are never
touched; within it, the deploy ends with every host on the new release and says which failed."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploying import events, live, make_fleet
from test_inventory import REQUIRED, refused, write

from deployment.inventory import load
from deployment.inventory.spec import GoLive

HOSTS = tuple(f"web{i}" for i in range(1, 21))


@pytest.mark.parametrize(
    ("rollout", "sizes"),
    [
        (GoLive(), [20]),
        (GoLive(canary=1), [1, 19]),
        (GoLive(canary=1, batch=5), [1, 5, 5, 5, 4]),
        (GoLive(batch="25%"), [5, 5, 5, 5]),
        (GoLive(canary=2, batch="10%"), [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]),
        (GoLive(batch="1%"), [1] * 20),
        (GoLive(canary=30), [20]),
    ],
)
def test_the_waves_keep_inventory_order_and_cover_every_host_once(rollout, sizes):
    waves = rollout.waves(HOSTS)
    assert [len(wave) for wave in waves] == sizes
    assert tuple(name for wave in waves for name in wave) == HOSTS


def test_one_host_is_one_wave():
    assert GoLive(canary=1, batch="50%").waves(("web1",)) == [("web1",)]


def test_go_live_defaults_to_all_at_once(inventory):
    write(inventory, "staging", "hosts: [web1, web2]\n" + REQUIRED)
    assert load("staging", inventory).go_live == GoLive(0, None, 0)


def test_go_live_is_read(inventory):
    text = "hosts: [web1, web2]\ngo_live: {canary: 1, batch: 10%, max_failures: 2}\n"
    write(inventory, "staging", text + REQUIRED)
    assert load("staging", inventory).go_live == GoLive(1, "10%", 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("go_live: {batch: 0}", "go_live.batch: must be a number of hosts (1 or more), or a"),
        ("go_live: {batch: true}", "go_live.batch: must be a number of hosts (1 or more), or"),
        ("go_live: {batch: 0%}", "go_live.batch: must be a number of hosts (1 or more), or a"),
        ("go_live: {batch: 150%}", "go_live.batch: must be a number of hosts (1 or more), or a"),
        ("go_live: {canary: -1}", "go_live.canary: Input should be greater than or equal to 0"),
        ("go_live: {max_failures: x}", "go_live.max_failures: Input should be a valid integer"),
        ("go_live: {canaries: 1}", "go_live.canaries: unknown key; did you mean canary?"),
    ],
)
def test_bad_go_live(inventory, text, expected):
    message = refused(inventory, "staging", "hosts: [web1]\n" + text + "\n" + REQUIRED)
    assert message.startswith(f"inventory/staging.yml: {expected}"), message


# --- three hosts going live in waves ---


@pytest.fixture(scope="module")
def hosts(sshd_servers):
    return [sshd_servers.start(f"127.0.0.{n}") for n in (101, 102, 103)]


@pytest.fixture
def fleet(tmp_path, hosts, postgres_server, request):
    """Three hosts with a first release live; each restart appends to ``restarts.log`` the
    release it restarts and what every host's ``current`` was at that moment."""
    fleet = make_fleet(tmp_path, hosts, postgres_server, request.node.name, confirm="none")
    log = tmp_path / "restarts.log"
    currents = " ".join(f"$(readlink {d}/current)" for d in fleet.deploy_to)
    fleet.keys = {
        "confirm": "none",
        "checks": {"admin_user": False},
        "restart": [f'echo "$(pwd -P) {currents}" >> {log}'],
    }
    fleet.write_inventory(**fleet.keys)
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    fleet.log = log
    fleet.origin.commit("a new release")
    return fleet


def restarts(fleet, release: str) -> list[tuple[int, list[str]]]:
    """Each restart of ``release``: the host that restarted (its index), every host's live
    release at that moment."""
    found = []
    for line in fleet.log.read_text().splitlines():
        path, *currents = line.split()
        if Path(path).name == release:
            host = next(i for i, d in enumerate(fleet.deploy_to) if path.startswith(f"{d}/"))
            found.append((host, [Path(c).name for c in currents]))
    return found


def rolling(fleet, max_failures: int) -> None:
    """Canary web1, then one host a wave; web2's health check cannot pass."""
    never = {"url": "http://127.0.0.1:9/healthz", "timeout": 1}
    fleet.write_inventory(
        **fleet.keys,
        go_live={"canary": 1, "batch": 1, "max_failures": max_failures},
        per_host=[{}, {"healthcheck": never}, {}],
    )


def test_past_max_failures_every_switched_host_goes_back_and_later_waves_are_untouched(fleet):
    (first,) = set(live(fleet))
    rolling(fleet, max_failures=0)

    done = fleet.fab("deploy", "--env=test", "--yes")

    assert done.returncode == 1, done.stderr
    assert "failed at go live" in done.stderr and "health check" in done.stderr
    assert live(fleet) == [first, first, first]
    new = events(fleet)[-1]["release"]
    assert events(fleet)[-1]["outcome"] == "rolled_back"
    went = restarts(fleet, new)
    assert [host for host, _ in went] == [0, 1]  # web3's wave never came
    assert went[1][1][0] == new  # web2 went after the canary served the new release


def test_within_max_failures_the_deploy_ends_on_the_new_release_and_names_the_host(fleet):
    rolling(fleet, max_failures=1)

    done = fleet.fab("deploy", "--env=test", "--yes")

    assert done.returncode == 0, done.stderr
    (new,) = set(live(fleet))
    assert events(fleet)[-1]["release"] == new
    went = dict(restarts(fleet, new))
    assert sorted(went) == [0, 1, 2]
    assert went[2][:2] == [new, new]  # web3 waited for both earlier waves
    assert "within go_live.max_failures (1)" in done.stderr
    assert "127.0.0.102" in events(fleet)[-1]["message"]
