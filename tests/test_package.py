"""django-schema-safety, a distribution of its own: built as a wheel and used from it alone.

The wheel is built from packaging/django-schema-safety as the README says, installed into a
brand-new virtualenv with nothing but Django (and dj-database-url, which the example project's
settings read), and the example project, copied away from this repository, runs verify_schema
with it.
"""

from __future__ import annotations

import email.parser
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from project import CMS, ROOT

import schema_safety

PACKAGING = ROOT / "packaging" / "django-schema-safety"
WHERE = "import schema_safety as s; print(s.__file__)"
DIST_INFO = f"django_schema_safety-{schema_safety.__version__}.dist-info"


def run(*argv, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=300, **kwargs
    )
    assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, PACKAGING)
    (built,) = dist.glob("django_schema_safety-*.whl")
    return built


def test_the_wheel_ships_schema_safety_alone(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    source = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "schema_safety").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert {name for name in names if not name.startswith(DIST_INFO)} == source
    assert {name.split("/")[0] for name in names} == {"schema_safety", DIST_INFO}


def test_django_is_its_only_dependency_and_rich_an_extra(wheel):
    metadata = email.parser.Parser().parsestr(
        zipfile.ZipFile(wheel).read(f"{DIST_INFO}/METADATA").decode()
    )
    assert metadata["Name"] == "django-schema-safety"
    assert metadata["Version"] == schema_safety.__version__
    assert metadata.get_all("Requires-Dist") == ["django<6.1,>=5.2", "rich>=13; extra == 'rich'"]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A new virtualenv with the wheel, the Django we test with, and nothing of ours."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in ("Django", "dj-database-url")]
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel, *pins)
    return python


@pytest.fixture
def cms(tmp_path) -> Path:
    """The example project, away from this repository (its manage.py cannot find ours)."""
    ignore = shutil.ignore_patterns("db.sqlite3", "__pycache__", "static")
    return Path(shutil.copytree(CMS, tmp_path / "away" / "cms", ignore=ignore))


def manage(python: Path, cms: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env |= {
        "DATABASE_URL": f"sqlite:///{cms / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "cms.settings",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(python), "manage.py", *args], cwd=cms, env=env, capture_output=True, text=True
    )


def test_the_example_project_verifies_its_schema_with_the_installed_wheel(installed, cms):
    assert manage(installed, cms, "migrate", "-v0").returncode == 0
    where = manage(installed, cms, "shell", "-v0", "-c", WHERE)
    assert Path(where.stdout.strip()).is_relative_to(installed.parents[1]), where.stdout

    report = manage(installed, cms, "verify_schema", "--format", "json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["ok"] is True

    text = manage(installed, cms, "verify_schema")  # rich is not installed: plain text
    assert text.returncode == 0 and text.stdout.startswith("critical content.Asset.resource: ok")


def test_the_orchestrator_is_not_installed_with_it(installed):
    for package in ("deployment", "tasks", "fabric", "rich"):
        probe = subprocess.run(
            [str(installed), "-c", f"import {package}"], cwd=installed.parent, capture_output=True
        )
        assert probe.returncode != 0, f"{package} is importable from the wheel's venv"
