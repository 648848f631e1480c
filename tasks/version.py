"""fab version: the orchestrator's version, and schema_safety's on an environment's primary."""

from __future__ import annotations

from importlib import metadata

from rich.markup import escape

from deployment.errors import DeployError
from deployment.layout import Layout
from deployment.remote import django

from . import environment as environments
from . import render
from .errors import reported
from .options import JSON, task

DISTRIBUTION = "schema-safety-deploy"
ASK = "import schema_safety; print(schema_safety.__version__)"


@task(
    help={
        "env": "also ask the environment's primary which schema_safety its live release runs",
        **JSON,
    }
)
@reported
def version(c, env=None, json=False):
    """Print the orchestrator's version; with --env, schema_safety's on the primary too.

    The primary is asked through the inventory's ``manage`` in the live release
    (``manage.py shell -c``); when it cannot be reached or has nothing deployed, the
    version says why instead, and the task still succeeds. Exit 0, 2 usage or inventory.

        fab version
        fab version --env=production --json
    """
    found = {"orchestrator": _own()}
    if env is not None or getattr(c, "original_host", None):
        environment = environments.resolve(c, env)
        found["env"] = environment.name
        found["schema_safety"], found["schema_safety_error"] = _on_primary(c, environment)
    if json:
        render.as_json(found)
        return
    render.out.print(f"orchestrator ({DISTRIBUTION}) {found['orchestrator']}")
    if "env" in found:
        on = f"schema_safety on {escape(found['env'])}'s primary"
        render.out.print(f"{on}: {escape(found['schema_safety'] or found['schema_safety_error'])}")


def _own() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def _on_primary(c, environment) -> tuple[str | None, str | None]:
    """(version, None), or (None, why it is not known)."""
    layout = Layout(environment.primary.deploy_to)
    try:
        host = environments.connector(c, environment)(environment.primary)
        try:
            result = host.run(
                django.command(layout.current, environment.managed, "shell", "-c", ASK)
            )
        finally:
            host.close()
    except DeployError as error:
        return None, f"not reachable: {error}"
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if not result.ok or not lines:
        return None, f"unknown: {django.last_line(result.stderr or result.stdout)}"
    return lines[-1], None
