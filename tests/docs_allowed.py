"""Commands the docs show that no test runs, each with why, and a check that it is still true.

Everything else shown in README.md and docs/*.md is run by tests/test_docs_commands.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass

from docs_blocks import ROOT


def makefile_target(name: str) -> list[str]:
    """The recipe lines of a Makefile target (it must exist)."""
    text = (ROOT / "Makefile").read_text()
    found = re.search(rf"^{re.escape(name)}:.*\n((?:\t.*\n)*)", text, re.M)
    assert found, f"the Makefile has no target {name}"
    return [line.strip() for line in found.group(1).splitlines()]


def make_demo_runs_the_demo_script() -> None:
    assert "$(PYTHON) scripts/demo.py" in makefile_target("demo")
    assert (ROOT / "scripts" / "demo.py").is_file()


def make_test_runs_pytest_after_lint() -> None:
    assert "$(PYTHON) -m pytest -n auto --dist loadfile" in makefile_target("test")
    assert re.search(r"^test: lint\b", (ROOT / "Makefile").read_text(), re.M)


def make_bench_runs_the_bench_scripts() -> None:
    for line in makefile_target("bench"):
        script = re.search(r"(bench/\w+\.py)", line)
        assert script is None or (ROOT / script.group(1)).is_file(), line


def the_wheel_is_built_and_installed_by_test_package() -> None:
    config = tomllib.loads((ROOT / "packaging/django-schema-safety/pyproject.toml").read_text())
    assert config["project"]["name"] == "django-schema-safety"
    test = (ROOT / "tests" / "test_package.py").read_text()
    assert '"pip", "wheel", "--no-deps"' in test and "PACKAGING" in test


def make_venv_creates_dot_venv() -> None:
    assert re.search(r"^VENV := \.venv$", (ROOT / "Makefile").read_text(), re.M)
    assert "$(BASE_PYTHON) -m venv $(VENV)" in " ".join(makefile_target("$(DEMO_STAMP)"))


def bench_options_exist(command: str) -> None:
    words = command.split()
    script = ROOT / words[1]
    assert script.is_file(), command
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for option in (w.split("=")[0] for w in words[2:] if w.startswith("--")):
        assert option in done.stdout, f"{script.name} --help does not mention {option}"


@dataclass(frozen=True)
class Allowed:
    pattern: str  # the whole command, a regular expression
    why: str
    check: object  # check() or check(command): raises AssertionError when no longer true

    def matches(self, command: str) -> bool:
        return re.fullmatch(self.pattern, command) is not None

    def verify(self, command: str) -> None:
        takes_command = self.check.__code__.co_argcount == 1
        self.check(command) if takes_command else self.check()


ALLOWED = [
    Allowed(
        r"make demo",
        "34 s, and it checks itself (exit 1 when the story does not go as told); the README's "
        "tour runs its steps one by one instead",
        make_demo_runs_the_demo_script,
    ),
    Allowed(r"make test", "it is the suite running this test", make_test_runs_pytest_after_lint),
    Allowed(
        r"make bench",
        "minutes of benchmarks, which print ratios rather than pass or fail (docs/benchmarks.md)",
        make_bench_runs_the_bench_scripts,
    ),
    Allowed(
        r"\.venv/bin/python bench/\w+\.py( --[\w-]+( [\w.]+)*)*",
        "a benchmark run: its script must exist and know the options shown",
        bench_options_exist,
    ),
    Allowed(
        r"pip wheel --no-deps -w dist packaging/django-schema-safety",
        "tests/test_package.py builds the wheel so, into a temporary folder",
        the_wheel_is_built_and_installed_by_test_package,
    ),
    Allowed(
        r"pip install django-schema-safety --find-links dist",
        "installs into the reader's project; tests/test_package.py installs the built wheel "
        "into a new virtualenv and runs verify_schema with it",
        the_wheel_is_built_and_installed_by_test_package,
    ),
    Allowed(
        r"\. \.venv/bin/activate",
        "puts .venv/bin first on PATH, as every command run here has it",
        make_venv_creates_dot_venv,
    ),
]


def allowed(command: str) -> Allowed | None:
    found = [entry for entry in ALLOWED if entry.matches(command)]
    assert len(found) <= 1, f"{command}: several allow-list entries match"
    return found[0] if found else None
