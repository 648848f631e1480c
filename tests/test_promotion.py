"""The promotion gate: production deploys only what staging deployed successfully."""

from __future__ import annotations

import json

import pytest
from fleet import detail, statuses
from two_envs import two_environments

from deployment.checks.promotion_gate import Source, gate, resolve
from deployment.errors import PromotionRefused
from deployment.history import Event

SHA = "a" * 40
OTHER = "b" * 40


class Env:
    name = "production"


def _source(*events: Event) -> Source:
    return Source("staging", events)


def _deploy(commit: str, outcome: str = "success") -> Event:
    return Event("deploy", outcome, "staging", commit=commit, time="2026-05-02T12:00:00Z")


def test_a_commit_staging_deployed_passes() -> None:
    assert gate(Env, _source(_deploy(OTHER), _deploy(SHA)), SHA, force=False) is None
    assert gate(Env, _source(_deploy(SHA)), SHA[:7], force=False) is None  # abbreviated


def test_a_failed_or_missing_deploy_is_refused_naming_env_and_commit() -> None:
    for source in (_source(), _source(_deploy(SHA, "rolled_back")), _source(_deploy(OTHER))):
        with pytest.raises(PromotionRefused) as refused:
            gate(Env, source, SHA, force=False)
        assert str(refused.value).startswith(
            "production is promoted from staging: aaaaaaa was never deployed to staging"
        )


def test_force_returns_the_override_message() -> None:
    message = gate(Env, _source(), SHA, force=True)
    assert message == (
        "--force-promotion: aaaaaaa deployed to production: aaaaaaa was never deployed to staging"
    )


def test_an_unreadable_source_is_refused() -> None:
    with pytest.raises(PromotionRefused, match="cannot read staging's history"):
        gate(Env, Source("staging", error="cannot read staging's history: refused"), SHA, False)


def test_no_promote_from_no_gate() -> None:
    assert gate(Env, None, SHA, force=False) is None


def test_resolve_prefers_the_peeled_tag() -> None:
    listing = f"{SHA}\trefs/heads/main\n{OTHER}\trefs/tags/v1\n{'c' * 40}\trefs/tags/v1^{{}}\n"
    assert resolve("main", listing) == SHA
    assert resolve("v1", listing) == "c" * 40
    assert resolve(OTHER, "") == OTHER
    assert resolve("abc1234", listing) == "abc1234"


@pytest.fixture(scope="module")
def promotion_hosts(sshd_servers):
    return [sshd_servers.start("127.0.0.33"), sshd_servers.start("127.0.0.34")]


@pytest.fixture
def envs(tmp_path, promotion_hosts, postgres_server):
    return two_environments(
        tmp_path, promotion_hosts, postgres_server, "promotion", promote_from="staging"
    )


def _deploy_env(fleet, *args):
    return fleet.fab("deploy", f"--env={fleet.name}", "--yes", "--allow-dangerous", *args)


def _predeploy(fleet) -> tuple[int, dict]:
    done = fleet.fab("predeploy", f"--env={fleet.name}", "--json")
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def _history(fleet) -> list[dict]:
    done = fleet.fab("history", f"--env={fleet.name}", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["events"]


def test_production_deploys_only_what_staging_deployed(envs) -> None:
    staging, production = envs
    tip = staging.origin.commit("a change")
    short = tip[:7]

    refused = _deploy_env(production)
    assert refused.returncode == 1, refused.stderr
    assert f"production is promoted from staging: {short} was never deployed to staging" in (
        refused.stderr
    )
    assert not (production.deploy_to[0] / "current").exists()
    code, report = _predeploy(production)
    assert code == 1
    host = production.servers[0].host
    assert statuses(report)[host]["promotion"] == "fail"
    assert detail(report, host, "promotion") == f"{short} was never deployed to staging"

    assert _deploy_env(staging).returncode == 0
    code, report = _predeploy(production)
    assert statuses(report)[host]["promotion"] == "pass"
    assert detail(report, host, "promotion").startswith(f"{short} deployed to staging at 20")
    done = _deploy_env(production)
    assert done.returncode == 0, done.stderr
    assert [e["event"] for e in _history(production)] == ["deploy", "deploy"]  # failed, success


def test_force_promotion_deploys_and_is_recorded(envs) -> None:
    _, production = envs
    done = _deploy_env(production, "--force-promotion")
    assert done.returncode == 0, done.stderr
    events = _history(production)
    assert [(e["event"], e["outcome"]) for e in events] == [
        ("override", "success"),
        ("deploy", "success"),
    ]
    assert events[0]["message"].startswith("--force-promotion: ")
    assert "was never deployed to staging" in events[0]["message"]


def test_staging_itself_has_no_promotion_check(envs) -> None:
    staging, _ = envs
    code, report = _predeploy(staging)
    assert "promotion" not in statuses(report)[staging.servers[0].host]
