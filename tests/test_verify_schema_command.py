"""verify_schema in-process, through call_command, as Django's own tests/user_commands does.

Django is set up once, in this test process, with the test project on a new SQLite database.
"""

from __future__ import annotations

import os
import sys
from io import StringIO

import pytest
from project import CMS

DJANGO_ENV = {"DJANGO_SETTINGS_MODULE": "project_settings", "DATABASE_URL": ""}


@pytest.fixture(scope="module")
def django_project(tmp_path_factory):
    """Django set up in this process on a migrated SQLite database (the environment restored)."""
    import django
    from django.core.management import call_command

    if str(CMS) not in sys.path:
        sys.path.append(str(CMS))
    saved = {name: os.environ.get(name) for name in DJANGO_ENV}
    database = tmp_path_factory.mktemp("in_process") / "db.sqlite3"
    os.environ.update(DJANGO_ENV, DATABASE_URL=f"sqlite:///{database}")
    try:
        django.setup()
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
    call_command("migrate", verbosity=0)
    return call_command


def verify(call_command, *args, **options):
    out, err = StringIO(), StringIO()
    call_command("verify_schema", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_verbosity_1_reports_and_verbosity_0_prints_nothing(django_project):
    out, _ = verify(django_project)
    assert "OK:" in out and "critical content.Asset.resource: ok" in out
    assert verify(django_project, verbosity=0) == ("", "")


def test_json_is_printed_at_every_verbosity(django_project):
    out, err = verify(django_project, format="json", verbosity=0)
    assert out.lstrip().startswith("{") and '"ok": true' in out and err == ""


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"dry_run": True}, "--dry-run only goes with --fix"),
        ({"critical": ["content.Asset.nope"]}, "Asset has no field 'nope'"),
        ({"critical": ["content.Asset"]}, "is not app_label.Model.field"),
        ({"database": "elsewhere"}, "unknown database alias 'elsewhere'"),
        ({"apps": ["nosuchapp"]}, "No installed app with label 'nosuchapp'"),
    ],
)
def test_usage_errors_are_command_errors_with_returncode_2(django_project, options, says):
    from django.core.management import CommandError

    with pytest.raises(CommandError) as raised:
        verify(django_project, **options)
    assert says in str(raised.value) and raised.value.returncode == 2


def test_every_option_has_help(django_project):
    from django.core.management import load_command_class

    command = load_command_class("schema_safety", "verify_schema")
    parser = command.create_parser("manage.py", "verify_schema")
    options = [action for action in parser._actions if action.option_strings]
    assert len(options) > 10
    for action in options:
        assert action.help and action.help.strip(), action.option_strings
