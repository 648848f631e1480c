"""The command-line surface: Fabric tasks, thin, over the engine in deployment/."""

from invoke import Collection

from .deploy import deploy
from .history import history
from .migrate import migrate
from .predeploy import predeploy
from .rollback import rollback
from .unlock import unlock

ns = Collection(predeploy, deploy, rollback, migrate, history, unlock)
