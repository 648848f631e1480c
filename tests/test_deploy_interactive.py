"""fab deploy asking the operator, through a real pseudo-terminal, against real sshd and PostgreSQL.

``confirm: type-env`` wants the environment's name typed; ``confirm: yes-no`` a ``y``
(Enter alone means no). Declining exits 4 and leaves every host and the database as they were.
"""

from __future__ import annotations

import pytest
from deploying import (
    ADD_HOMEPAGE,
    HOMEPAGE,
    add_field,
    add_migration,
    columns,
    events,
    fab_in_terminal,
    fab_piped,
    live,
    lock_held,
    make_fleet,
    release_folders,
)


@pytest.fixture(scope="module")
def hosts(sshd_servers):
    return [sshd_servers.start("127.0.0.21"), sshd_servers.start("127.0.0.22")]


@pytest.fixture
def fleet(tmp_path, hosts, postgres_server, request):
    return make_fleet(tmp_path, hosts, postgres_server, request.node.name, confirm="type-env")


def test_type_env_refuses_another_name_then_deploys_on_the_right_one(fleet):
    refused = fab_in_terminal(fleet, ["deploy", "--env=test"], [("Type test to deploy", "prod")])
    assert refused.prompts_seen == ["Type test to deploy"], refused.output
    assert refused.returncode == 4, refused.output
    assert "migrations to apply" in refused.output  # the plan came before the question
    assert "not confirmed" in refused.output
    assert live(fleet) == [None, None]
    assert release_folders(fleet) == [[], []]
    assert not lock_held(fleet)
    [event] = events(fleet)
    assert (event["event"], event["outcome"]) == ("deploy", "failed")
    assert "not confirmed" in event["message"]

    done = fab_in_terminal(fleet, ["deploy", "--env=test"], [("Type test to deploy", "test")])
    assert done.returncode == 0, done.output
    assert "deployed" in done.output
    first, second = live(fleet)
    assert first is not None and first == second
    assert [(e["event"], e["outcome"]) for e in events(fleet)] == [
        ("deploy", "failed"),
        ("deploy", "success"),
    ]


def test_yes_no_deploys_on_y_and_enter_alone_means_no(fleet, postgres_server):
    fleet.write_inventory(confirm="yes-no")
    done = fab_in_terminal(fleet, ["deploy", "--env=test"], [("Deploy test?", "y")])
    assert done.returncode == 0, done.output
    before = live(fleet)
    assert before[0] is not None and before[0] == before[1]
    fleet.add_superuser()  # the admin_user check wants one from the second deploy on

    add_field(fleet.origin, HOMEPAGE)
    add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)
    refused = fab_in_terminal(fleet, ["deploy", "--env=test"], [("Deploy test?", "")])
    assert refused.prompts_seen == ["Deploy test?"], refused.output
    assert refused.returncode == 4, refused.output
    assert "content.0003_resource_homepage" in refused.output  # shown in the plan
    assert live(fleet) == before
    assert release_folders(fleet) == [[before[0]], [before[1]]]
    assert "homepage" not in columns(postgres_server, fleet)
    assert not lock_held(fleet)
    assert [(e["event"], e["outcome"]) for e in events(fleet)][-1] == ("deploy", "failed")


def test_type_env_without_a_terminal_or_yes_refuses_before_anything_changes(fleet):
    done = fab_piped(fleet, "deploy", "--env=test", answer="test\n")
    assert done.returncode == 4
    assert "no terminal" in done.stderr and "pass --yes" in done.stderr
    for folder in fleet.deploy_to:
        assert not folder.exists()
