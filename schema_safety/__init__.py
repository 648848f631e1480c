"""schema_safety: verify that the live database schema matches the Django models."""

__version__ = "0.1.0"
