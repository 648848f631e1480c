"""The command-line surface: Fabric tasks, thin, over the engine in deployment/."""

from invoke import Collection

from .predeploy import predeploy

ns = Collection(predeploy)
