"""The command-line surface: Fabric tasks, thin, over the engine in deployment/.

``fab`` starts by importing this collection. Each task module brings the parts of the engine
its task needs (operations, the database steps, rendering), so only the modules of the tasks
the command line names are imported: ``fab status --env=X`` does not load the deploy's code.
A command line that names none (``fab -l``, ``fab --help``, a typo) gets them all.
"""

import importlib
import os
import sys

from invoke import Collection

from .program import install

# Task name -> the module that defines it, in the order ``fab -l`` lists them.
MODULES = {
    "predeploy": "predeploy",
    "deploy": "deploy",
    "rollback": "rollback",
    "recover": "recover",
    "migrate": "migrate",
    "verify": "verify",
    "history": "history",
    "unlock": "unlock",
    "backup": "backup",
    "backups": "backup",
    "restore": "backup",
    "releases": "releases",
    "status": "status",
    "compare": "compare",
    "manage": "manage",
    "version": "version",
    "init": "init",
}


def named(argv: list[str]) -> list[str]:
    """The tasks a ``fab`` command line may name (every word before ``--`` that is a task's
    name); all of them when it names none, or when the program is not ``fab`` (a test, a
    script importing the collection)."""
    if not argv or os.path.basename(argv[0]) != "fab":
        return list(MODULES)
    words = argv[1 : argv.index("--")] if "--" in argv else argv[1:]
    found = [name for name in MODULES if name in words]
    return found or list(MODULES)


def collection(names: list[str]) -> Collection:
    """The tasks ``names``, each from its module."""
    tasks = [getattr(importlib.import_module(f".{MODULES[n]}", __name__), n) for n in names]
    return Collection(*tasks)


install()  # parse errors of the task line: bad usage, exit 2

ns = collection(named(sys.argv))
