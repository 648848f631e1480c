"""The command-line surface: Fabric tasks, thin, over the engine in deployment/."""

from invoke import Collection

from .backup import backup, backups, restore
from .compare import compare
from .deploy import deploy
from .history import history
from .init import init
from .manage import manage
from .migrate import migrate
from .predeploy import predeploy
from .program import install
from .recover import recover
from .releases import releases
from .rollback import rollback
from .status import status
from .unlock import unlock
from .verify import verify
from .version import version

install()  # parse errors of the task line: bad usage, exit 2

ns = Collection(
    predeploy,
    deploy,
    rollback,
    recover,
    migrate,
    verify,
    history,
    unlock,
    backup,
    backups,
    restore,
    releases,
    status,
    compare,
    manage,
    version,
    init,
)
