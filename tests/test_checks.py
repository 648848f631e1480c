"""deployment.checks: every check and status from hand-built answers; no host, no shell."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from deployment import checks
from deployment.checks import Check, Facts, evaluate
from deployment.remote.round_trip import Section

CONTRACT_ORDER = [
    "connectivity",
    "git_status",
    "branch",
    "containers",
    "schema",
    "migrations",
    "critical_relationships",
    "admin_user",
    "disk_space",
    "lock",
]
DATABASE = ["schema", "migrations", "critical_relationships", "admin_user"]
REPO = "git@github.com:acme/cms.git"
TIP = "1111111aaaaaaabbbbbbbcccccccdddddddeeeee"
HEAD = "abc1234def5678abc1234def5678abc1234def56"
GIB = 1024**3
MIB = 1024**2


def sec(name: str, output: str = "", code: int = 0) -> Section:
    return Section(name, code, output)


def df(available: int) -> str:
    return (
        "Filesystem     1-blocks        Used   Available Capacity Mounted on\n"
        f"/dev/sda1  107374182400 40000000000 {available} 40% /\n"
    )


def compose_line(service: str, state: str = "running", health: str = "", code: int = 0) -> str:
    row = {"Service": service, "State": state, "Health": health, "ExitCode": code}
    return json.dumps(row) + "\n"


def deployed_sections(**overrides: Section) -> dict[str, Section]:
    sections = {
        "current": sec("current", "releases/20240501-120000-abc1234\n"),
        "commit": sec("commit", HEAD + "\n"),
        "git_status": sec("git_status"),
        "branch": sec("branch", f"{TIP}\trefs/heads/main\n"),
        "on_branch": sec("on_branch"),
        "disk": sec("disk", df(60 * GIB)),
        "lock": sec("lock", "", 1),
        "containers": sec("containers", compose_line("web") + compose_line("worker")),
        "django": sec("django", "{...}\n"),
    }
    return sections | overrides


def nothing_deployed_sections() -> dict[str, Section]:
    missing = "fatal: cannot change to '/srv/cms/current': No such file or directory\n"
    return {
        "current": sec("current", "", 1),
        "commit": sec("commit", missing, 128),
        "git_status": sec("git_status", missing, 128),
        "branch": sec("branch", f"{TIP}\trefs/heads/main\n"),
        "on_branch": sec("on_branch", missing, 128),
        "disk": sec("disk", "df: /srv/cms: No such file or directory\n" + df(60 * GIB)),
        "lock": sec("lock", "", 1),
        "containers": sec("containers", "sh: 1: cd: can't cd to /srv/cms/current\n", 2),
        "django": sec("django", "sh: 1: cd: can't cd to /srv/cms/current\n", 2),
    }


def report(**overrides) -> dict:
    """A predeploy_report document, shaped as schema_safety.predeploy.Report.as_json."""
    document = {
        "ok": True,
        "database": "default",
        "vendor": "postgresql",
        "elapsed_ms": 42,
        "connectivity": {"ok": True, "detail": "connected to PostgreSQL 15.4"},
        "schema": schema_json([]),
        "migrations": {
            "ok": True,
            "unapplied": [],
            "applied_missing_on_disk": [],
            "conflicts": {},
            "inconsistent": [],
            "detail": "all 12 migrations applied",
        },
        "critical_relationships": [
            {"relationship": "content.Asset.resource", "ok": True, "message": "ok"}
        ],
        "admin_user": {"ok": True, "count": 1, "detail": "1 active superuser(s)"},
        "database_size_bytes": 10 * MIB,
    }
    return document | overrides


def schema_json(problems: list[dict], models: int = 3) -> dict:
    errors = [p for p in problems if p["severity"] == "error"]
    return {
        "ok": not errors,
        "database": "default",
        "vendor": "postgresql",
        "counts": {"models": models, "tables": models, "problems": len(problems)},
        "problems": problems,
        "critical": [],
        "elapsed_ms": 7,
    }


def problem(message: str, severity: str = "error") -> dict:
    return {
        "kind": "missing_column",
        "severity": severity,
        "app": "content",
        "model": "Asset",
        "table": "content_asset",
        "column": "resource_id",
        "expected": "bigint",
        "actual": None,
        "message": message,
        "hint": None,
    }


def facts(**overrides) -> Facts:
    values = {
        "sections": deployed_sections(),
        "branch": "main",
        "repository": REPO,
        "containers": ("web", "worker"),
        "primary": True,
        "primary_name": "web1",
        "django": report(),
        "local": False,
    }
    return Facts(**(values | overrides))


def found(f: Facts) -> dict[str, tuple[str, str]]:
    return {c.name: (c.status, c.detail) for c in evaluate(f)}


# --- shape ---


def test_order_is_the_contract():
    assert list(checks.ORDER) == CONTRACT_ORDER


@pytest.mark.parametrize(
    "case",
    [
        facts(),
        facts(primary=False, django=None),
        facts(sections=nothing_deployed_sections(), django=None),
        facts(django=None),
        facts(sections={}, django=None, containers=()),
    ],
    ids=["healthy", "non-primary", "nothing-deployed", "no-report", "no-answers"],
)
def test_every_host_gets_every_check_in_contract_order(case: Facts):
    assert [c.name for c in evaluate(case)] == CONTRACT_ORDER


def test_statuses_are_the_contracts():
    assert (checks.PASS, checks.FAIL, checks.WARN, checks.SKIP) == ("pass", "fail", "warn", "skip")


def test_elapsed_ms_is_stamped_on_every_check():
    assert {c.elapsed_ms for c in evaluate(facts(), elapsed_ms=321)} == {321}


def test_check_as_json_is_the_contract_shape():
    assert Check("lock", "pass", "no deploy in progress", 5).as_json() == {
        "name": "lock",
        "status": "pass",
        "detail": "no deploy in progress",
        "elapsed_ms": 5,
    }


def test_a_healthy_primary_passes_everything():
    assert found(facts()) == {
        "connectivity": ("pass", "ssh ok; database: connected to PostgreSQL 15.4"),
        "git_status": ("pass", "no local edits in the current release"),
        "branch": ("pass", "main at 1111111"),
        "containers": ("pass", "web, worker running"),
        "schema": ("pass", "3 models match the database"),
        "migrations": ("pass", "all 12 migrations applied"),
        "critical_relationships": ("pass", "content.Asset.resource"),
        "admin_user": ("pass", "1 active superuser(s)"),
        "disk_space": ("pass", "60.0 GiB free, database 10.0 MiB"),
        "lock": ("pass", "no deploy in progress"),
    }


# --- nothing deployed, and hosts other than the primary ---


def test_nothing_deployed_skips_what_needs_a_release():
    result = found(facts(sections=nothing_deployed_sections(), django=None))
    for name in ["git_status", "containers", *DATABASE]:
        assert result[name] == ("skip", "nothing deployed yet"), name
    assert result["connectivity"] == ("pass", "ssh ok")
    assert result["branch"] == ("pass", "main at 1111111")
    assert result["disk_space"] == ("pass", "60.0 GiB free")
    assert result["lock"] == ("pass", "no deploy in progress")


def test_an_empty_current_link_is_nothing_deployed():
    sections = deployed_sections(current=sec("current", "\n"))
    assert not facts(sections=sections).deployed()
    assert facts().deployed()


def test_database_checks_are_skipped_on_other_hosts_naming_the_primary():
    result = found(facts(primary=False, django=None))
    for name in DATABASE:
        assert result[name] == ("skip", "checked on the primary, web1"), name
    assert result["disk_space"] == ("pass", "60.0 GiB free")


def test_database_checks_are_skipped_on_other_hosts_before_the_first_deploy_too():
    result = found(facts(sections=nothing_deployed_sections(), primary=False, django=None))
    assert {result[name][0] for name in DATABASE} == {"skip"}


# --- connectivity ---


@pytest.mark.parametrize(("local", "shell"), [(False, "ssh ok"), (True, "local shell ok")])
def test_connectivity_wording(local: bool, shell: str):
    assert checks.connectivity(facts(local=local, django=None)) == Check(
        "connectivity", "pass", shell
    )
    assert checks.connectivity(facts(local=local)) == Check(
        "connectivity", "pass", f"{shell}; database: connected to PostgreSQL 15.4"
    )


def test_connectivity_fails_when_the_database_is_unreachable():
    detail = "cannot read database 'default' (postgresql): connection refused"
    document = report(connectivity={"ok": False, "detail": detail})
    assert checks.connectivity(facts(django=document)) == Check(
        "connectivity", "fail", f"ssh ok; database: {detail}"
    )


# --- git_status ---


def test_git_status_lists_edited_files():
    output = " M app.py\n?? notes.txt\nR  old.py -> new.py\n"
    check = checks.git_status(facts(sections=deployed_sections(git_status=sec("g", output))))
    assert check == Check(
        "git_status", "fail", "edited on the host: app.py, notes.txt, old.py -> new.py"
    )


def test_git_status_lists_five_files_then_counts_the_rest():
    output = "".join(f" M f{i}.py\n" for i in range(1, 8))
    check = checks.git_status(facts(sections=deployed_sections(git_status=sec("g", output))))
    assert check.status == "fail"
    assert check.detail == "edited on the host: f1.py, f2.py, f3.py, f4.py, f5.py and 2 more"


def test_git_status_with_exactly_five_files_has_no_more():
    output = "".join(f" M f{i}.py\n" for i in range(1, 6))
    check = checks.git_status(facts(sections=deployed_sections(git_status=sec("g", output))))
    assert check.detail == "edited on the host: f1.py, f2.py, f3.py, f4.py, f5.py"


def test_git_status_failure_reports_git_s_last_line():
    output = "warning: x\nfatal: not a git repository: '/srv/cms/current'\n"
    check = checks.git_status(facts(sections=deployed_sections(git_status=sec("g", output, 128))))
    assert check == Check("git_status", "fail", "fatal: not a git repository: '/srv/cms/current'")


def test_git_status_failure_without_output():
    check = checks.git_status(facts(sections=deployed_sections(git_status=sec("g", "", 128))))
    assert check == Check("git_status", "fail", "git status failed")


# --- branch ---


def test_branch_missing_on_the_remote_fails():
    check = checks.branch(facts(sections=deployed_sections(branch=sec("branch", ""))))
    assert check == Check("branch", "fail", f"branch main does not exist on {REPO}")


def test_ls_remote_error_fails_with_its_last_line():
    output = (
        "git@github.com: Permission denied (publickey).\n"
        "fatal: Could not read from remote repository.\n\n"
        "Please make sure you have the correct access rights\n"
        "and the repository exists.\n"
    )
    check = checks.branch(facts(sections=deployed_sections(branch=sec("branch", output, 128))))
    assert check == Check("branch", "fail", f"cannot read {REPO}: and the repository exists.")


def test_ls_remote_not_asked_fails():
    sections = deployed_sections()
    del sections["branch"]
    check = checks.branch(facts(sections=sections))
    assert check == Check("branch", "fail", f"cannot read {REPO}: git ls-remote failed")


def test_current_release_not_on_the_branch_warns():
    sections = deployed_sections(on_branch=sec("on_branch", "", 1))
    assert checks.branch(facts(sections=sections)) == Check(
        "branch", "warn", "current release abc1234 is not on main (tip 1111111)"
    )


def test_on_branch_is_ignored_before_the_first_deploy():
    sections = nothing_deployed_sections()
    assert checks.branch(facts(sections=sections)).status == "pass"


# --- containers ---


def test_containers_none_configured_skip():
    assert checks.containers(facts(containers=())) == Check(
        "containers", "skip", "no containers in the inventory"
    )


def test_containers_all_running_pass():
    assert checks.containers(facts()) == Check("containers", "pass", "web, worker running")


def test_containers_exited_fail_with_exit_code():
    output = compose_line("web") + compose_line("worker", "exited", code=1)
    check = checks.containers(facts(sections=deployed_sections(containers=sec("c", output))))
    assert check == Check("containers", "fail", "worker exited (exit code 1)")


def test_containers_starting_warn():
    output = compose_line("web", health="starting") + compose_line("worker")
    check = checks.containers(facts(sections=deployed_sections(containers=sec("c", output))))
    assert check == Check("containers", "warn", "web health check still starting")


def test_containers_compose_failure_fails_with_its_last_line():
    output = "sh: 1: docker: not found\nsh: 1: podman: not found\n"
    check = checks.containers(facts(sections=deployed_sections(containers=sec("c", output, 127))))
    assert check == Check("containers", "fail", "docker compose ps: sh: 1: podman: not found")


def test_containers_not_asked_fail():
    sections = deployed_sections()
    del sections["containers"]
    check = checks.containers(facts(sections=sections))
    assert check == Check("containers", "fail", "docker compose ps: compose ps failed")


def test_containers_unreadable_output_fail():
    check = checks.containers(facts(sections=deployed_sections(containers=sec("c", "[{oops"))))
    assert check.status == "fail"
    assert check.detail.startswith("not compose ps JSON")


# --- schema, migrations, critical relationships, admin user ---


def test_schema_errors_fail_with_their_messages():
    document = report(
        schema=schema_json(
            [problem("column asset.resource_id is missing"), problem("w", "warning")]
            + [problem("table content_tag is missing")]
        )
    )
    check = checks.database(facts(django=document))[0]
    assert check == Check(
        "schema",
        "fail",
        "2 error(s): column asset.resource_id is missing; table content_tag is missing",
    )


def test_schema_shows_three_errors_then_counts_the_rest():
    document = report(schema=schema_json([problem(f"e{i}") for i in range(1, 6)]))
    check = checks.database(facts(django=document))[0]
    assert check.detail == "5 error(s): e1; e2; e3 (+2 more)"


def test_schema_warnings_only_warn():
    document = report(
        schema=schema_json([problem("index missing", "warning"), problem("x", "warning")])
    )
    check = checks.database(facts(django=document))[0]
    assert check == Check("schema", "warn", "2 warning(s): index missing")


def test_migrations_not_ok_fail_with_the_detail():
    detail = "recorded as applied but not on disk: content.0007_asset_resource (...)"
    document = report(migrations=report()["migrations"] | {"ok": False, "detail": detail})
    check = checks.database(facts(django=document))[1]
    assert check == Check("migrations", "fail", detail)


def test_migrations_to_apply_pass():
    detail = "2 to apply by this deploy: content.0008_a, content.0009_b"
    migrations = report()["migrations"] | {"unapplied": ["content.0008_a"], "detail": detail}
    check = checks.database(facts(django=report(migrations=migrations)))[1]
    assert check == Check("migrations", "pass", detail)


def test_critical_relationship_failing_fails():
    outcomes = [
        {"relationship": "content.Asset.resource", "ok": False, "message": "column missing"},
        {"relationship": "content.Asset.owner", "ok": True, "message": "ok"},
        {"relationship": "content.Tag.asset", "ok": False, "message": "no foreign key"},
    ]
    check = checks.database(facts(django=report(critical_relationships=outcomes)))[2]
    assert check == Check(
        "critical_relationships",
        "fail",
        "content.Asset.resource: column missing; content.Tag.asset: no foreign key",
    )


def test_critical_relationships_none_configured_skip():
    check = checks.database(facts(django=report(critical_relationships=[])))[2]
    assert check == Check("critical_relationships", "skip", "none configured")


def test_admin_user_not_applicable_skip():
    admin = {"ok": None, "count": None, "detail": "django.contrib.auth is not installed"}
    check = checks.database(facts(django=report(admin_user=admin)))[3]
    assert check == Check("admin_user", "skip", "django.contrib.auth is not installed")


def test_admin_user_missing_fail():
    detail = "no active superuser: run `manage.py createsuperuser`"
    admin = {"ok": False, "count": 0, "detail": detail}
    check = checks.database(facts(django=report(admin_user=admin)))[3]
    assert check == Check("admin_user", "fail", detail)


def test_missing_report_fails_every_database_check_with_the_section_s_last_line():
    output = (
        "Traceback (most recent call last):\n"
        '  File "manage.py", line 22, in <module>\n'
        "ModuleNotFoundError: No module named 'schema_safety'\n"
    )
    sections = deployed_sections(django=sec("django", output, 1))
    result = found(facts(sections=sections, django=None))
    detail = "predeploy_report failed: ModuleNotFoundError: No module named 'schema_safety'"
    for name in DATABASE:
        assert result[name] == ("fail", detail), name
    assert result["connectivity"] == ("pass", "ssh ok")


def test_missing_report_without_output_names_the_exit_code():
    sections = deployed_sections(django=sec("django", "", 127))
    checks_ = checks.database(facts(sections=sections, django=None))
    assert {c.detail for c in checks_} == {"predeploy_report failed: exit 127"}


def test_report_not_asked():
    sections = deployed_sections()
    del sections["django"]
    checks_ = checks.database(facts(sections=sections, django=None))
    assert {(c.status, c.detail) for c in checks_} == {("fail", "the project was not asked")}


def test_schema_that_could_not_be_checked_fails():
    document = report(schema={"ok": False, "error": "relation pg_catalog.x does not exist"})
    check = checks.database(facts(django=document))[0]
    assert check.status == "fail"
    assert "relation pg_catalog.x does not exist" in check.detail


def test_unreachable_database_passes_no_database_check():
    detail = "cannot read database 'default' (postgresql): connection refused"
    document = {
        "ok": False,
        "database": "default",
        "vendor": "postgresql",
        "elapsed_ms": 3,
        "connectivity": {"ok": False, "detail": detail},
        "schema": None,
        "migrations": None,
        "critical_relationships": [],
        "admin_user": None,
        "database_size_bytes": None,
    }
    schema, migrations, _, admin = checks.database(facts(django=document))
    assert schema.status != "pass"
    assert migrations.detail
    assert "django.contrib.auth" not in admin.detail


# --- disk space ---


def test_disk_space_below_twice_the_database_fails():
    sections = deployed_sections(disk=sec("disk", df(15 * MIB)))
    assert checks.disk_space(facts(sections=sections)) == Check(
        "disk_space", "fail", "15.0 MiB free, backups need 2 x 10.0 MiB"
    )


def test_disk_space_of_exactly_twice_the_database_passes():
    sections = deployed_sections(disk=sec("disk", df(20 * MIB)))
    assert checks.disk_space(facts(sections=sections)) == Check(
        "disk_space", "pass", "20.0 MiB free, database 10.0 MiB"
    )


def test_disk_space_enough_passes():
    assert checks.disk_space(facts()) == Check(
        "disk_space", "pass", "60.0 GiB free, database 10.0 MiB"
    )


@pytest.mark.parametrize(
    "answer",
    [
        sec("disk", "df: unrecognized option '-B1'\n", 1),
        sec("disk", "garbage\n"),
        sec("disk", ""),
        None,
    ],
    ids=["df-error", "garbage", "empty", "not-asked"],
)
def test_disk_space_unreadable_warns(answer):
    sections = deployed_sections()
    del sections["disk"]
    if answer is not None:
        sections["disk"] = answer
    assert checks.disk_space(facts(sections=sections)) == Check(
        "disk_space", "warn", "could not read free space (df)"
    )


def test_disk_space_on_another_host_passes_with_the_free_space():
    sections = deployed_sections(disk=sec("disk", df(1 * MIB)))
    assert checks.disk_space(facts(sections=sections, primary=False, django=None)) == Check(
        "disk_space", "pass", "1.0 MiB free"
    )


def test_disk_space_without_a_database_size_passes_with_the_free_space():
    document = report(database_size_bytes=None)
    assert checks.disk_space(facts(django=document)) == Check("disk_space", "pass", "60.0 GiB free")


def test_disk_space_reads_past_a_failed_df_of_deploy_to():
    output = "df: /srv/cms: No such file or directory\n" + df(512)
    check = checks.disk_space(facts(sections=deployed_sections(disk=sec("disk", output))))
    assert check.status == "fail"
    assert check.detail.startswith("512 B free")


# --- lock ---


def test_lock_held_fails_naming_task_operator_and_time():
    info = {"task": "deploy", "operator": "alice@laptop", "time": "2024-05-02T12:00:00Z", "pid": 7}
    sections = deployed_sections(lock=sec("lock", json.dumps(info) + "\n"))
    assert checks.lock(facts(sections=sections)) == Check(
        "lock",
        "fail",
        "held: deploy by alice@laptop since 2024-05-02T12:00:00Z; "
        "wait, or `fab unlock` if its holder is gone",
    )


def test_lock_held_with_partial_info():
    sections = deployed_sections(lock=sec("lock", '{"task": "migrate"}\n'))
    check = checks.lock(facts(sections=sections))
    assert check.detail.startswith("held: migrate by ? since ?;")


@pytest.mark.parametrize("output", ["{half", "not json\n", "[1, 2]\n", '"text"\n'])
def test_lock_unreadable_fails(output: str):
    sections = deployed_sections(lock=sec("lock", output))
    assert checks.lock(facts(sections=sections)) == Check(
        "lock", "fail", "held: an unreadable lock; wait, or `fab unlock` if its holder is gone"
    )


@pytest.mark.parametrize(
    "answer", [sec("lock", "", 1), sec("lock", "\n"), None], ids=["absent", "empty", "not-asked"]
)
def test_no_lock_passes(answer):
    sections = deployed_sections()
    del sections["lock"]
    if answer is not None:
        sections["lock"] = answer
    assert checks.lock(facts(sections=sections)) == Check("lock", "pass", "no deploy in progress")


def test_evaluate_reports_each_failure_in_its_own_check():
    info = {"task": "deploy", "operator": "bob", "time": "t"}
    sections = deployed_sections(
        git_status=sec("git_status", " M app.py\n"),
        lock=sec("lock", json.dumps(info) + "\n"),
    )
    result = found(replace(facts(), sections=sections))
    assert [n for n, (status, _) in result.items() if status != "pass"] == ["git_status", "lock"]


def test_a_user_who_may_not_create_databases_is_warned_about_the_rehearsal():
    refused = {"ok": False, "detail": "the database user may not create databases"}
    said = found(facts(django=report(rehearsal=refused)))["migrations"]
    assert said == (
        "warn",
        "all 12 migrations applied; rehearsal unavailable (the database user may not create "
        "databases): grant CREATEDB or set rehearsal_database",
    )
    given = facts(django=report(rehearsal=refused), rehearsal_database="cms_rehearsal")
    assert found(given)["migrations"] == ("pass", "all 12 migrations applied")
    allowed = {"ok": True, "detail": "the database user may create databases"}
    assert found(facts(django=report(rehearsal=allowed)))["migrations"][0] == "pass"
