"""Every command the docs show is run here, against real parts, so the docs cannot rot.

README.md and docs/*.md show commands in fenced blocks and transcripts in ``console`` blocks
(tests/docs_blocks.py). Each doc section below is played in a world: the ``demo`` environment
(this machine, SQLite) or a fleet of real sshd hosts and PostgreSQL databases named as in the
docs (web1/web2.example.com for production, staging.example.com; tests/docs_fleet.py). Playing
runs every command of the section as shown, checks each transcript's exit code and its lines,
in order (tests/docs_output.py), and runs the section's other commands unless an earlier
section already ran them. A command shown in a section no test plays fails the suite, unless
tests/docs_allowed.py lists it with a reason it checks.

The sections of one world are played in order, each from the state the previous one left.
"""

from __future__ import annotations

import inspect
import re
import shlex

import docs_incidents as incidents
import pytest
import yaml
from docs_allowed import ALLOWED, allowed
from docs_blocks import DOCS, ROOT, blocks, fab_task, shown
from docs_demo import demo_world
from docs_fleet import ADDRESSES, FleetWorld, shared_port
from docs_output import missing

from deployment import inventory
from tasks import ns

RUNBOOK = "docs/runbook.md"
DEMO = {  # (doc, section) -> the test that plays it, in the demo world, in this order
    ("README.md", "A five-minute tour, on the demo environment"): "test_readme_demo_tour",
    ("README.md", "verify_schema in your project"): "test_readme_verify_schema",
}
FLEET = {  # the same, on the docs' hosts
    ("README.md", "On a real host"): "test_readme_real_host",
    (RUNBOOK, "Before anything: where do we stand?"): "test_runbook_where_we_stand",
    ("docs/inventory.md", "Where the inventory is"): "test_runbook_where_we_stand",
    (RUNBOOK, "A schema mismatch is detected"): "test_runbook_schema_mismatch",
    (RUNBOOK, "A deploy failed during the migration"): "test_runbook_failed_migration",
    (RUNBOOK, "A host is unreachable in the middle of a deploy"): "test_runbook_host",
    (RUNBOOK, "The environment is left inconsistent (exit 5): fab recover"): "test_runbook_host",
    (RUNBOOK, "A stale lock"): "test_runbook_stale_lock",
    (RUNBOOK, "A host key changed"): "test_runbook_host_key",
    (RUNBOOK, "Rotating the database password"): "test_runbook_host_key",
    (RUNBOOK, "Restore from a backup"): "test_runbook_restore",
    (RUNBOOK, "Emergencies: skipping the checks"): "test_runbook_restore",
    ("README.md", "A dry run, a dangerous migration, a rollback"): "test_readme_every_task",
    ("README.md", "Deploying with fab"): "test_readme_every_task",
    ("docs/inventory.md", "A new environment: fab init"): "test_readme_every_task",
}
PLAYED = DEMO | FLEET


# --- what the docs show: all of it played or allowed, without running anything ---


def test_every_command_shown_is_run_by_a_test_or_allowed_with_a_reason():
    unplayed = [
        f"{item.where()}: {item.command}"
        for item in shown()
        if (item.doc, item.section) not in PLAYED and not allowed(item.command)
    ]
    assert not unplayed, "shown in the docs, run by no test:\n" + "\n".join(unplayed)


def test_every_played_section_is_in_the_docs():
    sections = {(item.doc, item.section) for item in shown()}
    assert set(PLAYED) <= sections, set(PLAYED) - sections
    for (_, section), test in PLAYED.items():
        assert section in inspect.getsource(globals()[test]), f"{test} does not play {section}"


@pytest.mark.parametrize("entry", ALLOWED, ids=lambda entry: entry.pattern)
def test_each_allowed_command_is_shown_and_still_accurate(entry):
    commands = [item.command for item in shown() if entry.matches(item.command)]
    assert commands, f"no doc shows {entry.pattern}: remove it from docs_allowed.py"
    for command in commands:
        entry.verify(command)


def test_commands_in_the_prose_name_real_tasks_and_options():
    """`fab ...` in running text is not run: its task and options must exist at least."""
    for doc in DOCS:
        for span in re.findall(r"`((?:[A-Z_]+=\S+ )*fab [^`]*)`", (ROOT / doc).read_text()):
            words = [w for w in shlex.split(span) if not re.fullmatch(r"[A-Z_]+=\S*", w)]
            task = fab_task(words)
            if task is None or task in {"HOST", "TASK"}:
                continue
            assert task in ns.tasks, f"{doc}: `{span}`: no task {task}"
            known = {"--" + a.name.replace("_", "-") for a in ns.tasks[task].get_arguments()}
            for option in (w.split("=")[0] for w in words if w.startswith("--")):
                assert option in known, f"{doc}: `{span}`: fab {task} has no option {option}"


def test_the_readme_inventory_is_a_valid_inventory(tmp_path):
    [block, compose] = [b for b in blocks("README.md") if b.language == "yaml"]
    (tmp_path / "production.yml").write_text("\n".join(block.lines))
    environment = inventory.load("production", tmp_path)
    assert [h.name for h in environment.hosts] == ["web1.example.com", "web2.example.com"]
    assert environment.primary.name == "web1.example.com"
    assert environment.known_hosts == (tmp_path / "known_hosts",)

    # Its Compose variant: the same file, with the keys the README shows changed.
    variant = {**yaml.safe_load("\n".join(block.lines)), **yaml.safe_load("\n".join(compose.lines))}
    (tmp_path / "compose.yml").write_text(yaml.safe_dump(variant))
    environment = inventory.load("compose", tmp_path)
    assert (environment.compose.project, environment.manage) == ("cms", "python manage.py")
    assert environment.build == ()


def test_a_transcript_matches_line_by_line_in_order():
    real = "deployed 20261124101500-3f2a9c1 to demo (local)\nlock: free (12 ms)\n"
    assert missing(["deployed 20261124000000-0a0b0c0 to demo (local)", "..."], real, {}) == []
    assert missing(["lock: free (7 ms)", "deployed <release> ..."], real, {}) == [
        "deployed <release> ..."
    ]
    assert missing(["lock: free"], real, {}) == ["lock: free"]  # the whole line, not a word
    assert missing(["deployed <release> to production (local)"], real, {}) != []
    digits = "web1: 20261124065738-8923912 (8923912), 1234567 bytes in 1234567 ms"
    shown = "web1: 20261124101500-3f2a9c1 (3f2a9c1), 60625 bytes in 12 ms"
    assert missing([shown], digits, {}) == []  # a commit may be all digits


# --- the demo environment: this machine, SQLite ---


def in_story(world, story: dict, request):
    """A section plays on from the state the earlier ones left: skip it if one did not."""
    tests = list(dict.fromkeys(story.values()))
    earlier = tests[: tests.index(request.node.name)]
    broken = [s for s, test in story.items() if test in earlier and s not in world.played]
    if broken:
        pytest.skip(f"plays on from {broken[0][1]!r}, which did not play through")
    return world


@pytest.fixture(scope="module")
def demo_world_(tmp_path_factory):
    return demo_world(tmp_path_factory.mktemp("docs_demo"))


@pytest.fixture
def demo(demo_world_, request):
    return in_story(demo_world_, DEMO, request)


def test_readme_demo_tour(demo):
    demo.play_section("README.md", "A five-minute tour, on the demo environment")


def test_readme_verify_schema(demo):
    """`python manage.py verify_schema ...` in the demo's live release, on its database."""
    demo.play_section("README.md", "verify_schema in your project")


# --- the docs' hosts: production on web1 and web2.example.com, staging; real sshd, PostgreSQL ---


@pytest.fixture(scope="module")
def fleet_world(tmp_path_factory, sshd_servers, postgres_server):
    port = shared_port()
    servers = [sshd_servers.start(address, port) for address in ADDRESSES.values()]
    yield FleetWorld(tmp_path_factory.mktemp("docs_fleet"), servers, postgres_server)
    servers[1].start()  # in case a failure left web2 down


@pytest.fixture
def fleet(fleet_world, request):
    return in_story(fleet_world, FLEET, request)


def test_readme_real_host(fleet):
    fleet.play_section("README.md", "On a real host")
    fleet.add_superuser("production")  # the admin_user check wants one, as the README says


def test_runbook_where_we_stand(fleet):
    fleet.play_section(RUNBOOK, "Before anything: where do we stand?")
    fleet.play_section("docs/inventory.md", "Where the inventory is")


def test_runbook_schema_mismatch(fleet):
    def in_a_checkout():  # on production's database
        fleet.project = fleet.origin.work
        fleet.use_database("production")

    fleet.play_section(
        RUNBOOK,
        "A schema mismatch is detected",
        before={
            "fab predeploy --env=production": lambda: incidents.drift(fleet),
            "python manage.py verify_schema --fix": in_a_checkout,
        },
        after={"fab deploy --env=staging": lambda: fleet.add_superuser("staging")},
    )


def test_runbook_failed_migration(fleet):
    before = {"fab deploy --env=production": lambda: incidents.broken_migration(fleet)}
    fleet.play_section(RUNBOOK, "A deploy failed during the migration", before=before)


def test_runbook_host(fleet):
    drop = incidents.HostDrop(fleet)

    def fix_and_arm():
        incidents.fixed_migration(fleet)
        drop.arm()

    fleet.play_section(
        RUNBOOK,
        "A host is unreachable in the middle of a deploy",
        before={
            "fab deploy --env=production": fix_and_arm,
            "fab -H web2.example.com predeploy": drop.back,
        },
        after={"fab deploy --env=production": drop.disarm},
    )
    fleet.play_section(RUNBOOK, "The environment is left inconsistent (exit 5): fab recover")


def test_runbook_stale_lock(fleet):
    before = {"fab deploy --env=production": lambda: incidents.stale_lock(fleet)}
    fleet.play_section(RUNBOOK, "A stale lock", before=before)


def test_runbook_host_key(fleet):
    before = {"fab status --env=production": lambda: incidents.rekeyed(fleet)}
    fleet.play_section(RUNBOOK, "A host key changed", before=before)
    fleet.play_section(RUNBOOK, "Rotating the database password")


def test_runbook_restore(fleet):
    fleet.play_section(RUNBOOK, "Restore from a backup")
    fleet.play_section(RUNBOOK, "Emergencies: skipping the checks")


def test_readme_every_task(fleet):
    """The dry run, the tagged deploy and the rollback first: the list shows them too."""
    dry_run, tag = (
        "fab deploy --env=production --dry-run",
        "fab deploy --env=production --ref=v2.3.0",
    )
    footprint = {}

    def drop_a_column():
        incidents.dropped_column(fleet)
        footprint.update(fleet.footprint("production"))

    def nothing_left():  # no release, no preview, no history: only the mirrors moved
        assert fleet.footprint("production") == footprint

    fleet.play_section(
        "README.md",
        "A dry run, a dangerous migration, a rollback",
        before={
            dry_run: drop_a_column,
            f"{tag} --yes --allow-dangerous --allow-downtime": lambda: fleet.tag("v2.3.0"),
        },
        after={dry_run: nothing_left},
    )
    fleet.play_section("README.md", "Deploying with fab")
    fleet.play_section("docs/inventory.md", "A new environment: fab init")  # the last: it adds qa
