"""Talking to hosts: commands as data (``commands``), shell programs of ours (``scripts/``),
many questions in one round trip (``round_trip``), JSON files read back (``documents``),
the deployed project's JSON-speaking manage.py (``django``), checked runs (``run``)."""
