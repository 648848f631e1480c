"""Entry point for ``fab``: the tasks live in tasks/."""

from tasks import ns  # noqa: F401
