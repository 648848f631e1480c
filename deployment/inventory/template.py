"""A new inventory file, commented, from a few answers (``fab init``): the required keys set,
the others shown with their defaults, commented out. Values are written as JSON strings,
which YAML reads back as the same strings whatever they hold."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Answers:
    """What ``fab init`` asks; ``hosts`` in order, the first the primary."""

    hosts: tuple[str, ...]
    repository: str
    deploy_to: str
    manage: str
    branch: str = "main"
    user: str | None = None


def text(name: str, answers: Answers) -> str:
    """The file ``inventory/<name>.yml``: every key described in docs/inventory.md."""
    hosts = ", ".join(json.dumps(host) for host in answers.hosts)
    user = f"user: {json.dumps(answers.user)}" if answers.user else "# user: deploy"
    return f"""\
# The {name} environment: fab predeploy --env={name}, fab deploy --env={name}.
# Every key is described in docs/inventory.md; the commented ones show their default.

hosts: [{hosts}]   # ssh targets or ~/.ssh/config aliases; the first is the primary
{user}                     # the ssh login (ssh_config wins where it sets one)
repository: {json.dumps(answers.repository)}
branch: {json.dumps(answers.branch)}                   # the only branch {name} deploys from
deploy_to: {json.dumps(answers.deploy_to)}
manage: {json.dumps(answers.manage)}   # how to run manage.py in a release

# build:                           # run in each new release before it goes live
#   - python3 -m venv .venv
#   - .venv/bin/pip install --quiet -r requirements.txt
# restart: [sudo systemctl restart cms]
# healthcheck: {{url: http://127.0.0.1:8000/healthz, timeout: 30}}
# shared: [.env, media]            # linked from <deploy_to>/shared into every release
# keep_releases: 5
# keep_backups: 10
# confirm: type-env                # type-env | yes-no | none
# known_hosts: known_hosts         # host keys, next to this file (ssh-keyscan HOST >> it)
# on_failure: rollback             # rollback | stop
# promote_from: staging            # deploy only commits deployed there first
# checks: {{admin_user: false}}      # a pre-deploy check turned off
# hooks:                           # shell commands with DEPLOY_ENV, DEPLOY_RELEASE, ...
#   after_go_live: [./scripts/announce.sh]
# notify: {{url: "https://hooks.slack.com/services/...", events: [deploy, rollback]}}
"""
