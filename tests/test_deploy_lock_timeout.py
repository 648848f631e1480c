"""fab deploy behind a long transaction on real PostgreSQL over real sshd: the migration gives
up waiting for its table lock (the inventory's lock_timeout, retried lock_retries times), the
deploy is undone, the error names the session that held the lock, and the site's reads of the
table went on meanwhile instead of queueing behind the waiting ALTER."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from deploying import (
    ADD_HOMEPAGE,
    HOMEPAGE,
    add_field,
    add_migration,
    columns,
    events,
    live,
    make_fleet,
)


@pytest.fixture(scope="module")
def host(sshd_servers):
    return sshd_servers.start("127.0.0.81")


def reads_until(postgres_server, database: str, future) -> int:
    """The site's reads of the resource table until ``future`` is done; one that queued
    behind the migration for as long as the long transaction lasts would fail after 30 s."""
    reads = 0
    with postgres_server.connect(database) as reader:
        reader.execute("SET lock_timeout = '30s'")
        while not future.done():
            reader.execute("SELECT count(*) FROM resource").fetchall()
            reads += 1
            time.sleep(0.1)
    return reads


@pytest.mark.integration
def test_a_long_transaction_undoes_the_deploy_not_the_site(
    host, postgres_server, tmp_path, request
):
    fleet = make_fleet(
        tmp_path,
        [host],
        postgres_server,
        request.node.name,
        confirm="none",
        lock_timeout=1,
        lock_retries=1,
    )
    first = fleet.fab("deploy", "--env=test", "--yes")
    assert first.returncode == 0, first.stdout + first.stderr
    fleet.add_superuser()
    serving = live(fleet)
    add_field(fleet.origin, HOMEPAGE)
    add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)

    with postgres_server.connect(fleet.db) as holder:
        holder.autocommit = False
        (pid,) = holder.execute("SELECT pg_backend_pid()").fetchone()
        holder.execute("SELECT count(*) FROM resource").fetchall()  # ACCESS SHARE, held
        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(fleet.fab, "deploy", "--env=test", "--yes")
            reads = reads_until(postgres_server, fleet.db, future)
        holder.rollback()
    done = future.result()

    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "content.0003_resource_homepage gave up waiting for a table lock after 1 s" in said
    assert f"held by: pid {pid} " in said
    assert reads > 0
    assert live(fleet) == serving
    assert "homepage" not in columns(postgres_server, fleet)
    assert events(fleet)[-1]["outcome"] in ("failed", "rolled_back")
