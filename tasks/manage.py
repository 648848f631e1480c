"""fab manage: a management command in the live release on the primary, as ``kamal app exec``."""

from __future__ import annotations

import sys

from rich.markup import escape

from deployment.errors import DeployError, UsageError
from deployment.layout import Layout
from deployment.remote import django

from . import environment as environments
from . import program, render
from .errors import reported
from .options import ENV, JSON, task


@task(help={**ENV, **JSON})
@reported
def manage(c, env=None, json=False):
    """Run a management command in the live release on the primary: fab manage -- ARGS...

    The words after ``--`` go to the inventory's ``manage`` as they were typed, in the
    folder of the live release, on the primary host. With a terminal (stdin is one) the
    command gets one on the host, so ``createsuperuser`` and ``shell`` work; without one
    (CI) its output streams through. ``--json`` captures it: one document with its exit
    code, stdout and stderr. Exit 0 the command succeeded, 1 it failed, 2 usage (no
    command, nothing deployed), inventory or connection.

        fab manage --env=staging -- createsuperuser
        fab manage --env=production -- showmigrations content
        fab manage --env=production --json -- check --deploy
    """
    args = program.remainder()
    if not args:
        raise UsageError("pass the command after --: fab manage --env=NAME -- COMMAND [ARGS...]")
    environment = environments.resolve(c, env)
    layout = Layout(environment.primary.deploy_to)
    host = environments.connector(c, environment)(environment.primary)
    try:
        if not host.run(["test", "-d", layout.current]).ok:
            raise UsageError(f"nothing deployed on {environment.name} yet: no {layout.current}")
        terminal = sys.stdin.isatty() and not json
        command = django.command(layout.current, environment.managed, *args, tty=terminal)
        if json:
            result = host.run(command)
            code, output = result.exit_code, {"stdout": result.stdout, "stderr": result.stderr}
        else:
            render.err.print(f"[dim]manage.py {escape(' '.join(args))} on {host.name}[/]")
            code, output = host.attach(command, pty=terminal), {}
    finally:
        host.close()
    if json:
        document = {"ok": code == 0, "env": environment.name, "host": host.name, "args": args}
        render.as_json(
            {**document, "exit_code": 0 if code == 0 else 1, "command_exit": code, **output}
        )
    if code != 0:
        raise DeployError(f"manage.py {args[0]} exited {code} on {host.name}")
