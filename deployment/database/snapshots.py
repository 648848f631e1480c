"""Schema snapshots of environments: each primary runs ``manage.py schema_snapshot``.

One connection and one round trip per environment, environments in parallel, through
the current release's code (the schema the environment serves).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ..errors import DeployError, SnapshotFailed
from ..layout import Layout
from ..remote import django


def fetch(environments, connector: Callable) -> dict[str, dict]:
    """``{env name: snapshot}``; ``connector(environment)`` gives ``connect(spec) -> Host``."""
    with ThreadPoolExecutor(max_workers=min(16, len(environments))) as pool:
        results = list(pool.map(lambda env: _attempt(env, connector), environments))
    failures = [result for result in results if isinstance(result, DeployError)]
    if failures:
        raise SnapshotFailed("; ".join(str(failure) for failure in failures))
    return {env.name: result for env, result in zip(environments, results, strict=True)}


def take(environment, connect) -> dict:
    """The snapshot of ``environment``'s database, from its primary's current release."""
    spec = environment.primary
    host = connect(spec)
    try:
        current = Layout(spec.deploy_to).current
        return django.run_json(host, current, environment.managed, "schema_snapshot")
    finally:
        host.close()


def _attempt(environment, connector) -> dict | DeployError:
    try:
        return take(environment, connector(environment))
    except DeployError as error:
        return DeployError(f"{environment.name} ({environment.primary.name}): {error}")
