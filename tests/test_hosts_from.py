"""``hosts_from: {ansible: PATH, group: NAME}``: an environment's hosts read from an Ansible
inventory through the real ``ansible-inventory`` (ansible-core, pinned with the test tools),
then predeploy over a real sshd host named as Ansible names it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fleet import Fleet, Origin, deploy_by_hand
from test_inventory import REQUIRED, refused, write

from deployment.inventory import load
from deployment.inventory.ansible import hosts

INI = """\
[web]
web1 ansible_host=127.0.0.1 ansible_port=2201 ansible_user=deploy
web2 ansible_host=10.0.0.2

[db]
db1

[production:children]
web
"""


@pytest.fixture(autouse=True)
def ansible_ini(inventory: Path) -> None:
    """An Ansible inventory ``ansible.ini`` in the inventory folder."""
    (inventory / "ansible.ini").write_text(INI)


def test_the_group_and_its_children_become_the_hosts(inventory):
    write(
        inventory,
        "production",
        "hosts_from: {ansible: ansible.ini, group: production}\n" + REQUIRED,
    )

    env = load("production", inventory)

    found = [(h.name, h.host, h.port, h.user) for h in env.hosts]
    assert found == [("web1", "127.0.0.1", 2201, "deploy"), ("web2", "10.0.0.2", None, None)]
    assert env.primary.name == "web1"
    assert [h.name for h in env.matching("web2")] == ["web2"]


def test_the_inventory_file_keys_still_apply_and_primary_names_an_ansible_host(inventory):
    text = "hosts_from: {ansible: ansible.ini, group: web}\nprimary: web2\nuser: ops\nport: 22\n"
    write(inventory, "production", text + REQUIRED)

    env = load("production", inventory)

    assert env.primary.name == "web2"
    assert [(h.user, h.port) for h in env.hosts] == [("deploy", 2201), ("ops", 22)]


def test_all_is_the_default_group(inventory):
    write(inventory, "staging", "hosts_from: {ansible: ansible.ini}\n" + REQUIRED)
    assert [h.name for h in load("staging", inventory).hosts] == ["db1", "web1", "web2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hosts_from: {ansible: ansible.ini, group: cache}", "no group 'cache' in the Ansible"),
        ("hosts_from: {ansible: nowhere.ini}", "ansible: no such inventory"),
        ("hosts_from: {ansible: ansible.ini, groups: web}", "unknown key groups; known keys"),
        ("hosts_from: ansible.ini", "expected a mapping with ansible: PATH"),
        ("hosts: [a]\nhosts_from: {ansible: ansible.ini}", "set hosts or hosts_from, not both"),
    ],
)
def test_bad_hosts_from(inventory, text, expected):
    message = refused(inventory, "staging", text + "\n" + REQUIRED)
    assert message.startswith(f"inventory/staging.yml: hosts_from: {expected}"), message


def test_a_broken_ansible_inventory_is_one_line(inventory):
    (inventory / "broken.yml").write_text("all: [not, a, group]\n")
    message = refused(inventory, "staging", "hosts_from: {ansible: broken.yml}\n" + REQUIRED)
    assert message.startswith("inventory/staging.yml: hosts_from: "), message


def test_an_empty_group_is_refused():
    listing = {"_meta": {"hostvars": {}}, "all": {"children": ["web"]}, "web": {}}
    with pytest.raises(ValueError, match="the Ansible group 'web' has no hosts"):
        hosts(listing, "web")


def test_a_cycle_of_children_is_read_once():
    listing = {"a": {"hosts": ["h1"], "children": ["b"]}, "b": {"hosts": ["h2"], "children": ["a"]}}
    assert [entry["name"] for entry in hosts(listing, "a")] == ["h1", "h2"]


def test_predeploy_reaches_the_host_ansible_names(tmp_path, sshd_server):
    """The host is ``web1`` in every report and for ``fab -H``; SSH goes to its ansible_host."""
    fleet = Fleet(tmp_path, Origin(tmp_path), [sshd_server], "sqlite:///unused.sqlite3")
    fleet.trust()
    deploy_by_hand(fleet.origin, fleet.deploy_to[0])
    file = fleet.inventory / "test.yml"
    document = yaml.safe_load(file.read_text())
    del document["hosts"]
    ini = f"[web]\nweb1 ansible_host={sshd_server.host} ansible_port={sshd_server.port}\n"
    (fleet.inventory / "hosts.ini").write_text(ini)
    document["hosts_from"] = {"ansible": "hosts.ini", "group": "web"}
    file.write_text(yaml.safe_dump(document))

    code, report = fleet.predeploy()
    by_host = fleet.fab("-H", "web1", "predeploy", "--json")

    (host,) = report["hosts"]
    checks = {c["name"]: c["status"] for c in host["checks"]}
    assert host["host"] == "web1"
    assert checks["connectivity"] == "pass", host
    assert json.loads(by_host.stdout)["hosts"][0]["host"] == "web1", by_host.stderr
