"""What the rehearsal's answer means for a deploy (pure logic; the rehearsal itself runs on
real databases in test_rehearse_migrations.py and test_deploy_rehearsal.py)."""

from __future__ import annotations

import pytest

from deployment.database.rehearsals import Rehearsal, lines, refusal, repairs

MISSING = {"kind": "missing_column", "message": "column asset.description does not exist"}
DONE = {"migration": "content.0003_next", "outcome": "rehearsed"}


def decide(rehearsal: Rehearsal, allow_downtime: bool = False, protected: bool = False):
    return refusal(rehearsal, allow_downtime=allow_downtime, protected=protected)


def test_a_clean_rehearsal_lets_the_deploy_on():
    rehearsal = Rehearsal(ok=True, migrations=(DONE,), elapsed_ms=400)
    assert decide(rehearsal) is None
    assert lines(rehearsal) == (
        "rehearsed on a copy of the live schema in 0.4 s: 1 migration applied there",
    )


def test_a_failed_migration_stops_it_with_the_error():
    failed = {"migration": "content.0003_next", "error": "ProgrammingError: no such column"}
    said = decide(Rehearsal(ok=False, failed=failed))
    assert said.startswith("the rehearsal on a copy of the live schema failed at content.0003")
    assert "ProgrammingError: no such column" in said


def test_models_that_do_not_match_the_result_stop_it():
    said = decide(Rehearsal(ok=False, migrations=(DONE,), new_release=(MISSING,)))
    assert said.startswith("after its migrations the schema would not match the new release")


def test_what_the_running_release_fails_on_stops_it_unless_downtime_is_allowed():
    rehearsal = Rehearsal(ok=True, migrations=(DONE,), running_release=(MISSING,))
    assert "column asset.description does not exist" in decide(rehearsal)
    assert decide(rehearsal, allow_downtime=True) is None
    assert "the running release will fail on: column asset.description" in lines(rehearsal)[-1]


@pytest.mark.parametrize(("protected", "stops"), [(False, False), (True, True)])
def test_unavailable_warns_and_stops_only_a_protected_environment(protected, stops):
    rehearsal = Rehearsal(available=False, ok=False, error="permission denied to create database")
    said = decide(rehearsal, protected=protected)
    assert (said is not None) is stops
    assert lines(rehearsal)[0].startswith("REHEARSAL UNAVAILABLE: permission denied")
    if stops:
        assert "--no-rehearsal" in said


def test_skipped_is_said_and_stops_nothing():
    rehearsal = Rehearsal(skipped="--no-rehearsal")
    assert decide(rehearsal, protected=True) is None
    assert lines(rehearsal) == ("not rehearsed: --no-rehearsal",)


def test_needs_rows_is_shown_and_stops_nothing():
    step = {
        "migration": "content.0004_fill",
        "outcome": "needs_rows",
        "detail": "RunPython raised DoesNotExist: x",
    }
    rehearsal = Rehearsal(ok=True, migrations=(DONE, step))
    assert decide(rehearsal) is None
    assert (
        "not rehearsed, needs rows: content.0004_fill (RunPython raised DoesNotExist: x: the "
        "copy has no rows)"
    ) in lines(rehearsal)


def test_drift_is_repaired_only_by_a_clean_rehearsal_that_removed_it():
    repaired = Rehearsal(ok=True, migrations=(DONE,), repaired=(MISSING,))
    assert repairs(repaired) == ["content.0003_next"]
    assert repairs(Rehearsal(ok=True, migrations=(DONE,))) == []
    assert repairs(Rehearsal(ok=False, migrations=(DONE,), repaired=(MISSING,))) == []
    assert repairs(Rehearsal(skipped="--no-rehearsal")) == []
    assert repairs(None) == []
