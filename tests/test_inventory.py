"""The inventory contract: shipped files load, bad files fail with one line naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployment.errors import InventoryError, UsageError
from deployment.inventory import (
    ENV_VAR,
    Healthcheck,
    environments,
    find_host,
    inventory_dir,
    load,
    read,
)

SHIPPED = Path(__file__).resolve().parents[1] / "inventory"

REQUIRED = """\
repository: git@github.com:acme/cms.git
branch: main
deploy_to: /srv/cms
manage: .venv/bin/python manage.py
"""


def write(directory: Path, name: str, text: str) -> Path:
    file = directory / f"{name}.yml"
    file.write_text(text)
    return file


def refused(directory: Path, name: str, text: str) -> str:
    """The one-line message loading ``text`` as environment ``name`` fails with."""
    write(directory, name, text)
    with pytest.raises(InventoryError) as caught:
        load(name, directory)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the shipped inventory ---


@pytest.mark.parametrize("name", ["development", "staging", "production", "demo"])
def test_every_shipped_file_loads(name: str) -> None:
    env = load(name, SHIPPED)
    assert env.name == name
    assert env.primary in env.hosts
    assert env.deploy_to.startswith("/")


def test_shipped_production_is_guarded() -> None:
    env = load("production", SHIPPED)
    assert [h.name for h in env.hosts] == ["web1.example.com", "web2.example.com"]
    assert env.hosts[1].port == 2222
    assert (env.confirm, env.promote_from, env.accept_new_host_keys) == (
        "type-env",
        "staging",
        False,
    )


def test_shipped_demo_deploys_this_repository_locally() -> None:
    env = load("demo", SHIPPED)
    assert env.primary.is_local
    assert Path(env.repository) == SHIPPED.parent
    assert env.confirm == "none"


def test_environments_lists_file_names() -> None:
    assert environments(SHIPPED) == ["demo", "development", "production", "staging"]


# --- defaults and per-host overrides ---


def test_defaults(inventory: Path) -> None:
    write(inventory, "staging", "hosts: [web1.example.com]\n" + REQUIRED)
    env = load("staging", inventory)
    assert (env.keep_releases, env.keep_backups) == (5, 10)
    assert (env.confirm, env.on_failure, env.accept_new_host_keys) == (
        "type-env",
        "rollback",
        False,
    )
    assert env.build == env.restart == env.containers == env.shared == env.known_hosts == ()
    assert env.healthcheck is None and env.promote_from is None
    host = env.primary
    assert (host.name, host.user, host.port, host.deploy_to) == (
        "web1.example.com",
        None,
        None,
        "/srv/cms",
    )
    assert env.file == inventory / "staging.yml"


def test_per_host_values_fall_back_to_the_environment(inventory: Path) -> None:
    write(
        inventory,
        "staging",
        "user: deploy\nport: 22\nhealthcheck: {url: 'http://127.0.0.1:8000/healthz'}\n"
        "hosts:\n"
        "  - web1.example.com\n"
        "  - {host: web2.example.com, user: ops, port: 2222, deploy_to: /srv/cms-b,\n"
        "     healthcheck: {url: 'http://127.0.0.1:9000/up', timeout: 5}}\n"
        "primary: web2.example.com\n" + REQUIRED,
    )
    env = load("staging", inventory)
    web1, web2 = env.hosts
    assert (web1.user, web1.port, web1.deploy_to) == ("deploy", 22, "/srv/cms")
    assert web1.healthcheck == Healthcheck("http://127.0.0.1:8000/healthz", 30)
    assert (web2.user, web2.port, web2.deploy_to) == ("ops", 2222, "/srv/cms-b")
    assert web2.healthcheck == Healthcheck("http://127.0.0.1:9000/up", 5)
    assert env.primary is web2


def test_hosts_sharing_a_machine_are_named_by_port_or_folder(inventory: Path) -> None:
    by_port = "hosts: [{host: 127.0.0.1, port: 2201}, {host: 127.0.0.1, port: 2202}]\n"
    write(inventory, "ports", by_port + "primary: '127.0.0.1:2202'\n" + REQUIRED)
    by_folder = "hosts: [127.0.0.1, {host: 127.0.0.1, deploy_to: /srv/b}]\n"
    write(inventory, "folders", by_folder + REQUIRED)
    assert [h.name for h in load("ports", inventory).hosts] == ["127.0.0.1:2201", "127.0.0.1:2202"]
    assert load("ports", inventory).primary.port == 2202
    names = [h.name for h in load("folders", inventory).hosts]
    assert names == ["127.0.0.1:/srv/cms", "127.0.0.1:/srv/b"]


def test_relative_paths_are_relative_to_the_inventory_folder(inventory: Path) -> None:
    text = "hosts: [local]\nknown_hosts: [known_hosts, /etc/ssh/extra]\n" + REQUIRED
    write(inventory, "demo", text.replace("git@github.com:acme/cms.git", ".."))
    env = load("demo", inventory)
    assert env.known_hosts == (inventory / "known_hosts", Path("/etc/ssh/extra"))
    assert env.repository == str(inventory.parent)


@pytest.mark.parametrize(
    "repository",
    ["git@github.com:acme/cms.git", "https://github.com/acme/cms.git", "file:///srv/git/cms.git"],
)
def test_remote_repositories_are_kept_as_written(inventory: Path, repository: str) -> None:
    write(
        inventory,
        "staging",
        "hosts: [a]\n" + REQUIRED.replace("git@github.com:acme/cms.git", repository),
    )
    assert load("staging", inventory).repository == repository


def test_known_hosts_may_be_one_file(inventory: Path) -> None:
    write(inventory, "staging", "hosts: [a]\nknown_hosts: keys/known_hosts\n" + REQUIRED)
    assert load("staging", inventory).known_hosts == (inventory / "keys" / "known_hosts",)


# --- bad input: one line, file and key ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "hosts: [a]\nkeep_releasez: 3\n" + REQUIRED,
            "inventory/staging.yml: keep_releasez: unknown key; did you mean keep_releases? "
            "known keys: accept_new_host_keys, branch,",
        ),
        (
            "hosts: [a, {host: b, prot: 22}]\n" + REQUIRED,
            "inventory/staging.yml: hosts[1].prot: unknown key; did you mean port? known keys: "
            "deploy_to, healthcheck, host, name, port, user",
        ),
        ("hosts: a\n" + REQUIRED, "inventory/staging.yml: hosts: Input should be a valid list"),
        (
            "hosts: [a]\nport: '22'\n" + REQUIRED,
            "inventory/staging.yml: port: Input should be a valid integer",
        ),
        (
            "hosts: [a]\nconfirm: always\n" + REQUIRED,
            "confirm: Input should be 'type-env', 'yes-no' or 'none'",
        ),
        (
            "hosts: [a]\non_failure: retry\n" + REQUIRED,
            "on_failure: Input should be 'rollback' or 'stop'",
        ),
        (
            "hosts: [a]\nbuild: make\n" + REQUIRED,
            "inventory/staging.yml: build: Input should be a valid list",
        ),
        (
            "hosts: [a, 5]\n" + REQUIRED,
            "inventory/staging.yml: hosts[1]: expected a host name or a mapping",
        ),
        (
            "hosts: []\n" + REQUIRED,
            "inventory/staging.yml: hosts: List should have at least 1 item",
        ),
        ("hosts: [a]\nbranch: main\n", "inventory/staging.yml: deploy_to: required key missing"),
        (
            "hosts: [a]\n" + REQUIRED.replace("branch: main\n", ""),
            "inventory/staging.yml: branch: required key missing",
        ),
        (REQUIRED, "inventory/staging.yml: hosts: required key missing"),
        ("- a\n", "inventory/staging.yml: expected a mapping (key: value), got a list"),
        ("", "inventory/staging.yml: expected a mapping (key: value), got nothing"),
    ],
)
def test_wrong_keys_types_and_missing_keys(inventory: Path, text: str, expected: str) -> None:
    assert expected in refused(inventory, "staging", text)


def test_the_first_problem_is_named_and_the_others_counted(inventory: Path) -> None:
    message = refused(inventory, "staging", "hosts: [a]\nkeep_releases: 0\nkeep_backups: 0\n")
    assert message == (
        "inventory/staging.yml: deploy_to: required key missing "
        "(more problems: repository, branch, manage, keep_releases, keep_backups)"
    )


def test_bad_port(inventory: Path) -> None:
    message = refused(inventory, "staging", "hosts: [a, {host: b, port: 70000}]\n" + REQUIRED)
    assert (
        message
        == "inventory/staging.yml: hosts[1].port: Input should be less than or equal to 65535"
    )


@pytest.mark.parametrize(("value", "minimum"), [("keep_releases: 1", 2), ("keep_backups: 0", 1)])
def test_keep_limits(inventory: Path, value: str, minimum: int) -> None:
    message = refused(inventory, "staging", f"hosts: [a]\n{value}\n" + REQUIRED)
    assert message.endswith(f"Input should be greater than or equal to {minimum}")


@pytest.mark.parametrize("host_level", [False, True])
def test_relative_deploy_to(inventory: Path, host_level: bool) -> None:
    hosts = "hosts: [{host: a, deploy_to: srv/cms}]\n" if host_level else "hosts: [a]\n"
    text = hosts + (REQUIRED if host_level else REQUIRED.replace("/srv/cms", "srv/cms"))
    key = "hosts[0].deploy_to" if host_level else "deploy_to"
    message = refused(inventory, "staging", text)
    assert message == f"inventory/staging.yml: {key}: must be an absolute path (starting with /)"


def test_shared_paths_stay_inside_the_release(inventory: Path) -> None:
    message = refused(inventory, "staging", "hosts: [a]\nshared: [.env, ../etc]\n" + REQUIRED)
    assert message.startswith("inventory/staging.yml: shared[1]: must be a relative path")


def test_healthcheck(inventory: Path) -> None:
    bad_url = "hosts: [a]\nhealthcheck: {url: 'ftp://x/healthz'}\n" + REQUIRED
    assert "healthcheck.url: URL scheme should be 'http' or 'https'" in refused(
        inventory, "s", bad_url
    )
    retries = "hosts: [a]\nhealthcheck: {url: 'http://x/', retries: 3}\n" + REQUIRED
    assert "healthcheck.retries: unknown key; known keys: timeout, url" in refused(
        inventory, "s", retries
    )


def test_primary_must_be_one_of_the_hosts(inventory: Path) -> None:
    message = refused(inventory, "staging", "hosts: [web1, web2]\nprimary: web3\n" + REQUIRED)
    assert message == "inventory/staging.yml: primary: web3 is not one of the hosts (web1, web2)"


def test_the_same_host_twice_is_refused(inventory: Path) -> None:
    message = refused(inventory, "staging", "hosts: [web1, web1]\n" + REQUIRED)
    assert (
        message
        == "inventory/staging.yml: hosts: web1 is listed twice with the same port and deploy_to"
    )


def test_accept_new_host_keys_is_refused_in_production_only(inventory: Path) -> None:
    text = "hosts: [a]\naccept_new_host_keys: true\n" + REQUIRED
    write(inventory, "staging", text)
    assert load("staging", inventory).accept_new_host_keys is True
    message = refused(inventory, "production", text)
    assert message.startswith(
        "inventory/production.yml: accept_new_host_keys: refused for a protected environment"
    )


@pytest.mark.parametrize("name", ["Production", "prod", "live"])
def test_protected_is_what_refuses_trust_on_first_use_and_confirm_none(inventory, name):
    text = "hosts: [a]\nprotected: true\naccept_new_host_keys: true\n" + REQUIRED
    message = refused(inventory, name, text)
    assert "accept_new_host_keys: refused for a protected environment" in message
    text = "hosts: [a]\nprotected: true\nconfirm: none\n" + REQUIRED
    assert "confirm: refused for a protected environment" in refused(inventory, name, text)
    write(inventory, name, "hosts: [a]\nconfirm: none\n" + REQUIRED)
    assert load(name, inventory).protected is False  # only production is, by default
    write(inventory, "production", "hosts: [a]\nprotected: false\nconfirm: none\n" + REQUIRED)
    assert load("production", inventory).protected is False


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("repository", "'--upload-pack=touch pwned'"),
        ("env_file", "'-x'"),
        ("env_file", "/etc/passwd"),
        ("env_file", "../outside"),
    ],
)
def test_values_a_program_would_read_as_options_are_refused(inventory, key, value):
    text = REQUIRED if key != "repository" else REQUIRED.replace("repository:", "old_repository:")
    body = f"hosts: [a]\n{key}: {value}\n" + "\n".join(
        line for line in text.splitlines() if not line.startswith(f"{key}:")
    )
    message = refused(inventory, "staging", body.replace("old_repository:", "# "))
    assert message.startswith(f"inventory/staging.yml: {key}: "), message


def test_a_password_in_a_url_of_manage_is_a_warning():
    from deployment.inventory.spec import secret_warnings

    assert secret_warnings("env DATABASE_URL=postgres://app:s3cret@db/cms python manage.py")
    assert not secret_warnings("env DATABASE_URL=postgres://app@db/cms python manage.py")
    assert not secret_warnings(".venv/bin/python manage.py")


def test_promote_from_names_another_environment(inventory: Path) -> None:
    write(inventory, "staging", "hosts: [a]\n" + REQUIRED)
    write(inventory, "production", "hosts: [b]\npromote_from: staging\n" + REQUIRED)
    assert load("production", inventory).promote_from == "staging"
    message = refused(inventory, "production", "hosts: [b]\npromote_from: stagin\n" + REQUIRED)
    assert message == (
        "inventory/production.yml: promote_from: no environment 'stagin'; "
        "known environments: production, staging"
    )
    itself = refused(inventory, "production", "hosts: [b]\npromote_from: production\n" + REQUIRED)
    assert itself.endswith("promote_from: an environment cannot promote from itself")


def test_yaml_syntax_error_names_the_line(inventory: Path) -> None:
    message = refused(inventory, "staging", "hosts: [a\n" + REQUIRED)
    assert message.startswith("inventory/staging.yml: line 2, column ")


def test_duplicate_keys_are_refused(inventory: Path) -> None:
    message = refused(inventory, "staging", "hosts: [a]\nbranch: develop\n" + REQUIRED)
    assert (
        message
        == "inventory/staging.yml: line 4, column 1: branch: duplicate key (first on line 2)"
    )
    nested = "hosts: [{host: a, port: 1, port: 2}]\n" + REQUIRED
    assert "line 1, column 28: port: duplicate key" in refused(inventory, "staging", nested)


def test_yaml_merge_keys_still_work(inventory: Path) -> None:
    write(inventory, "staging", "hosts: [{<<: {user: deploy}, host: a, user: ops}]\n" + REQUIRED)
    assert load("staging", inventory).primary.user == "ops"


def test_missing_file(inventory: Path) -> None:
    with pytest.raises(InventoryError) as caught:
        read(inventory / "staging.yml")
    assert str(caught.value) == "inventory/staging.yml: no such inventory file"
    assert caught.value.exit_code == 2


def test_missing_directory(inventory: Path) -> None:
    with pytest.raises(InventoryError) as caught:
        load("staging", inventory / "nowhere")
    assert str(caught.value).startswith("inventory/nowhere: no inventory directory here")


def test_unknown_environment(inventory: Path) -> None:
    write(inventory, "staging", "hosts: [a]\n" + REQUIRED)
    write(inventory, "production", "hosts: [b]\n" + REQUIRED)
    with pytest.raises(UsageError) as caught:
        load("prod", inventory)
    assert str(caught.value) == (
        "unknown environment 'prod'; known environments: production, staging (in inventory)"
    )
    assert caught.value.exit_code == 2
    with pytest.raises(UsageError):
        load("../inventory/staging", inventory)


# --- where the inventory is ---


def test_inventory_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert inventory_dir(Path("inventory")) == Path("inventory")
    monkeypatch.setenv(ENV_VAR, "")
    assert inventory_dir(Path("inventory")) == Path("inventory")
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert inventory_dir(Path("inventory")) == tmp_path


# --- fab -H HOST ---


def test_find_host_across_files(inventory: Path) -> None:
    write(inventory, "staging", "hosts: [staging.example.com, shared.example.com]\n" + REQUIRED)
    write(inventory, "production", "hosts: [web1, {host: web2, port: 2222}]\n" + REQUIRED)
    write(
        inventory,
        "demo",
        "hosts: [{host: 127.0.0.1, port: 2201}, {host: 127.0.0.1, port: 2202}]\n" + REQUIRED,
    )
    assert find_host("staging.example.com", inventory).name == "staging"
    assert find_host("web2", inventory).name == "production"
    env = find_host("127.0.0.1:2202", inventory)
    assert env.name == "demo"
    assert [h.port for h in env.matching("127.0.0.1:2202")] == [2202]
    assert len(env.matching("127.0.0.1")) == 2


def test_find_host_in_two_environments_needs_env(inventory: Path) -> None:
    write(inventory, "staging", "hosts: [shared.example.com]\n" + REQUIRED)
    write(inventory, "production", "hosts: [shared.example.com, web1]\n" + REQUIRED)
    with pytest.raises(UsageError) as caught:
        find_host("shared.example.com", inventory)
    assert str(caught.value) == "host shared.example.com is in production and staging; pass --env"
    assert caught.value.exit_code == 2


def test_find_host_in_no_environment(inventory: Path) -> None:
    write(inventory, "staging", "hosts: [web1]\n" + REQUIRED)
    with pytest.raises(UsageError) as caught:
        find_host("web9", inventory)
    assert str(caught.value).startswith("host web9 is in no environment (staging in inventory)")


def test_parallel_bounds_the_hosts_worked_on_at_once(inventory: Path) -> None:
    write(inventory, "staging", "hosts: [a, b, c]\nparallel: 2\n" + REQUIRED)
    environment = load("staging", inventory)
    assert (environment.parallel, environment.workers(), environment.workers(1)) == (2, 2, 1)
    write(inventory, "staging", "hosts: [a, b, c]\n" + REQUIRED)
    assert load("staging", inventory).workers() == 3  # default 30
    assert "parallel" in refused(inventory, "staging", "hosts: [a]\nparallel: 0\n" + REQUIRED)
