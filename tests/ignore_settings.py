"""Test settings: the test project with accepted drift listed in SCHEMA_SAFETY["IGNORE"]."""

from project_settings import *  # noqa: F403

SCHEMA_SAFETY = {
    "CRITICAL_RELATIONSHIPS": ["content.Asset.resource"],
    "IGNORE": ["legacy_*", {"table": "resource", "kind": "null_mismatch"}],
}
