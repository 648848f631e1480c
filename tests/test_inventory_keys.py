"""The inventory keys of the second round that shape what an operation does around its steps:
``checks`` (a pre-deploy check turned off), ``hooks`` (commands at phases), ``notify`` (each
history event posted). Each: a good value, bad values (one line, exit 2), the default."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_checks import facts
from test_inventory import REQUIRED, refused, write

from deployment import checks, history
from deployment.checks import evaluate
from deployment.inventory import load
from deployment.inventory.spec import CHECK_NAMES, EVENT_NAMES, Compose, Notify

HOSTS = "hosts: [web1]\n"


def test_the_names_are_the_engines():
    assert (*checks.ORDER, checks.PROMOTION) == CHECK_NAMES
    assert EVENT_NAMES == history.EVENTS


def test_defaults_all_checks_on_no_hooks_no_notify(inventory: Path) -> None:
    write(inventory, "staging", HOSTS + REQUIRED)
    env = load("staging", inventory)
    assert (env.checks_off, dict(env.hooks), env.notify) == ((), {}, None)


def test_checks_turns_one_off(inventory: Path) -> None:
    write(inventory, "staging", HOSTS + "checks: {admin_user: false}\n" + REQUIRED)
    assert load("staging", inventory).checks_off == ("admin_user",)


def test_a_check_turned_off_is_reported_skip():
    found = {c.name: (c.status, c.detail) for c in evaluate(facts(off=("admin_user",)))}
    assert found["admin_user"] == ("skip", "turned off in the inventory")
    assert found["schema"][0] == "pass"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "checks: {admin_usr: false}",
            "checks.admin_usr: 'admin_usr' is not a pre-deploy check; known: connectivity,",
        ),
        (
            "checks: {admin_user: true}",
            "checks.admin_user: only false turns a check off (every check is on unless",
        ),
        ("checks: [admin_user]", "checks: Input should be a valid dictionary"),
    ],
)
def test_bad_checks(inventory: Path, text: str, expected: str) -> None:
    message = refused(inventory, "staging", HOSTS + text + "\n" + REQUIRED)
    assert message.startswith(f"inventory/staging.yml: {expected}"), message


def test_hooks_by_phase(inventory: Path) -> None:
    text = "hooks:\n  after_go_live: [./notify.sh, echo done]\n  on_failure: [echo failed]\n"
    write(inventory, "staging", HOSTS + text + REQUIRED)
    hooks = load("staging", inventory).hooks
    assert dict(hooks) == {
        "after_go_live": ("./notify.sh", "echo done"),
        "on_failure": ("echo failed",),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hooks: {after_deploy: [x]}", "hooks.after_deploy: 'after_deploy' is not a hook phase"),
        ("hooks: {after_go_live: echo hi}", "hooks.after_go_live: Input should be a valid list"),
        ("hooks: {after_go_live: ['']}", "hooks.after_go_live[0]: String should have at least"),
    ],
)
def test_bad_hooks(inventory: Path, text: str, expected: str) -> None:
    message = refused(inventory, "staging", HOSTS + text + "\n" + REQUIRED)
    assert message.startswith(f"inventory/staging.yml: {expected}"), message


def test_notify(inventory: Path) -> None:
    text = "notify: {url: 'https://hooks.example.com/T0/B0', events: [deploy, rollback]}\n"
    write(inventory, "staging", HOSTS + text + REQUIRED)
    assert load("staging", inventory).notify == Notify(
        "https://hooks.example.com/T0/B0", ("deploy", "rollback")
    )
    write(inventory, "staging", HOSTS + "notify: {url: 'http://127.0.0.1:8080/'}\n" + REQUIRED)
    assert load("staging", inventory).notify.events == EVENT_NAMES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("notify: {url: 'ftp://x/'}", "notify.url: URL scheme should be 'http' or 'https'"),
        ("notify: {url: 'http://x/', events: [deplo]}", "notify.events[0]: 'deplo' is not a"),
        ("notify: {url: 'http://x/', event: [deploy]}", "notify.event: unknown key; did you mean"),
        ("notify: {url: 'http://x/', events: []}", "notify.events: List should have at least"),
        ("notify: {events: [deploy]}", "notify.url: required key missing"),
    ],
)
def test_bad_notify(inventory: Path, text: str, expected: str) -> None:
    message = refused(inventory, "staging", HOSTS + text + "\n" + REQUIRED)
    assert message.startswith(f"inventory/staging.yml: {expected}"), message


def test_the_docs_example_loads(inventory: Path) -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "inventory.md").read_text()
    block = docs.split("## Hooks, notifications, checks turned off\n\n```yaml\n")[1]
    write(inventory, "staging", HOSTS + REQUIRED + block.split("```")[0])
    env = load("staging", inventory)
    assert env.checks_off == ("admin_user",)
    assert set(env.hooks) == {
        "before_build",
        "before_migrate",
        "after_go_live",
        "after_rollback",
        "on_failure",
    }
    assert env.notify.events == ("deploy", "rollback", "recover")


def test_lock_limits_default_and_reach_locked_migrate(inventory: Path) -> None:
    write(inventory, "staging", HOSTS + REQUIRED)
    assert load("staging", inventory).managed.migrate_options() == (
        "--lock-timeout",
        "5",
        "--lock-retries",
        "3",
    )
    write(inventory, "staging", HOSTS + "lock_timeout: 0.5\nlock_retries: 0\n" + REQUIRED)
    assert load("staging", inventory).managed.migrate_options() == (
        "--lock-timeout",
        "0.5",
        "--lock-retries",
        "0",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lock_timeout: -1\n", "lock_timeout: Input should be greater than or equal to 0"),
        ("lock_timeout: '5s'\n", "lock_timeout: Input should be a valid number"),
        ("lock_timeout: true\n", "lock_timeout: Input should be a valid number"),
        ("lock_retries: 1.5\n", "lock_retries: Input should be a valid integer"),
        ("lock_retries: 100\n", "lock_retries: Input should be less than or equal to 20"),
    ],
)
def test_bad_lock_limits(inventory: Path, text: str, expected: str) -> None:
    message = refused(inventory, "staging", HOSTS + text + REQUIRED)
    assert message.startswith(f"inventory/staging.yml: {expected}"), message


def test_compose_defaults_and_what_it_changes(inventory: Path) -> None:
    write(inventory, "staging", HOSTS + "compose: {project: cms}\n" + REQUIRED)
    env = load("staging", inventory)
    assert env.compose == Compose("compose.yaml", "web", "cms")
    assert env.compose.image("20261208101500-3f2a9c1") == "cms-web:20261208101500-3f2a9c1"
    assert env.services == ("web",)  # the containers check expects the release's service
    assert (env.managed.compose, env.managed.backups) == (env.compose, "/srv/cms/backups")


def test_no_compose_by_default(inventory: Path) -> None:
    write(inventory, "staging", HOSTS + "containers: [web, worker]\n" + REQUIRED)
    env = load("staging", inventory)
    assert (env.compose, env.services, env.managed.backups) == (None, ("web", "worker"), None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("compose: {file: compose.yaml}", "compose.project: required key missing"),
        ("compose: {project: Cms Site}", "compose.project: 'Cms Site' is not a Compose project"),
        ("compose: {project: -cms}", "compose.project: '-cms' is not a Compose project name"),
        ("compose: {project: cms, service: '--rm'}", "compose.service: '--rm' is not a Compose"),
        ("compose: {project: cms, file: /etc/c.yaml}", "compose.file: must be a relative path"),
        ("compose: {project: cms, file: ../c.yaml}", "compose.file: must be a relative path"),
        ("compose: {project: cms, image: x}", "compose.image: unknown key; known keys: file,"),
        ("compose: cms", "compose: expected a mapping (key: value), got a string"),
    ],
)
def test_bad_compose(inventory: Path, text: str, expected: str) -> None:
    message = refused(inventory, "staging", HOSTS + text + "\n" + REQUIRED)
    assert message.startswith(f"inventory/staging.yml: {expected}"), message
