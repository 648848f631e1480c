"""Run the test project's manage.py commands in a subprocess, as an operator would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
CMS = ROOT / "examples" / "cms"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def manage(
    database_url: str,
    *args: str,
    settings: str = "project_settings",
    cwd=None,
    pythonpath=None,
    env=None,
) -> Run:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": settings,
        "PYTHONPATH": os.pathsep.join(map(str, pythonpath or [TESTS, CMS, ROOT])),
        "NO_COLOR": "1",
        **(env or {}),
    }
    done = subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=env,
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def problems(report: dict) -> set[tuple]:
    return {(p["kind"], p["table"], p["column"], p["severity"]) for p in report["problems"]}
