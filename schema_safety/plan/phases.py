"""The two phases of a deploy's migrations: before go-live, and after (post-deploy).

A migration whose class says ``post_deploy = True`` (dropping what the old code still reads,
a long backfill) runs once every host serves the new release; so does every pending
migration that depends on one. The rest run before go-live, as always.
"""

from __future__ import annotations

Key = tuple[str, str]


def post_deploy(loader, pending: list[Key]) -> set[Key]:
    """The pending migrations that wait for go-live: marked, or after a marked one."""
    waiting = set()
    for key in pending:  # in plan order: a migration comes after its dependencies
        migration = loader.graph.nodes[key]
        parents = loader.graph.node_map[key].parents
        if getattr(migration, "post_deploy", False) or any(p.key in waiting for p in parents):
            waiting.add(key)
    return waiting


def targets(loader, keys: list[Key]) -> list[str]:
    """``app:name`` targets that migrate exactly ``keys`` (pending, closed under their
    dependencies): in each app, the ones no other of ``keys`` in that app comes after."""
    chosen = set(keys)
    found = []
    for key in keys:
        children = loader.graph.node_map[key].children
        if not any(c.key in chosen and c.key[0] == key[0] for c in children):
            found.append(f"{key[0]}:{key[1]}")
    return found
