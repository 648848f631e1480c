"""deployment.journal: written whole, read back, a damaged one still says "interrupted"."""

from __future__ import annotations

from deployment import journal
from deployment.hosts import LocalHost
from deployment.journal import UNREADABLE, Journal
from deployment.layout import Layout


def _journal(**values) -> Journal:
    return Journal(
        task="deploy",
        env="prod",
        step="migrate",
        release="20260101000000-abcdef1",
        previous={"web1": "20251231000000-1234567", "web2": None},
        before={"content": "0002_x"},
        after={"content": "0003_y"},
        backup="20260101000000-abcdef1",
        **values,
    )


def test_a_journal_goes_to_the_primary_and_comes_back_the_same(tmp_path):
    host, layout = LocalHost(), Layout(str(tmp_path / "it's $(here)"))
    written = _journal(switched=("web1",), reversible=True)
    journal.write(host, layout, written)
    assert journal.read(host, layout) == written
    journal.clear(host, layout)
    assert journal.read(host, layout) is None


def test_no_journal_is_none_and_a_damaged_one_is_unreadable_not_absent():
    assert journal.parse("") is None
    damaged = journal.parse('{"task": "deploy", "env": "pro', "prod")
    assert damaged is not None and damaged.step == UNREADABLE and damaged.env == "prod"
    assert journal.parse("[1, 2]").step == UNREADABLE


def test_keys_a_later_version_adds_are_ignored():
    document = {**_journal().as_json(), "new_key": 1}
    assert journal.parse(__import__("json").dumps(document)) == _journal()
