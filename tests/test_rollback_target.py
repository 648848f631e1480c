"""Which release ``fab rollback`` goes back to: the newest good release older than the live
one; never a release that failed, nor one an earlier rollback went back from. Real deploys
and rollbacks on a host behind sshd, PostgreSQL; each release its own commit."""

from __future__ import annotations

import pytest
from deploying import events, live, make_fleet


@pytest.fixture(scope="module")
def host(sshd_servers):
    return sshd_servers.start("127.0.0.73")


def deploy(fleet, name: str) -> str:
    fleet.origin.commit(name)
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    return live(fleet)[0]


def rollback(fleet) -> str:
    done = fleet.fab("rollback", "--env=test", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    return live(fleet)[0]


@pytest.mark.integration
def test_rollback_skips_what_was_rolled_back_from_and_takes_the_newest_good(
    tmp_path, host, postgres_server, request
):
    fleet = make_fleet(tmp_path, [host], postgres_server, request.node.name, confirm="none")
    first = deploy(fleet, "r1")
    fleet.add_superuser()
    second = deploy(fleet, "r2")
    third = deploy(fleet, "r3")
    assert rollback(fleet) == second  # third is now a release rolled back from
    fourth = deploy(fleet, "r4")

    # Older than fourth: third (rolled back from), second and first (good): second.
    assert rollback(fleet) == second
    # Older than second: first; never third or fourth, which are newer and rolled back from.
    assert rollback(fleet) == first

    told = [(e["event"], e["release"], e["previous_release"]) for e in events(fleet)]
    assert [t for t in told if t[0] == "rollback"] == [
        ("rollback", second, third),
        ("rollback", second, fourth),
        ("rollback", first, second),
    ]
