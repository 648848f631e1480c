"""The database, always through the deployed release's own manage.py on the primary:
migrations (``migrations``), backups (``backups``), verification (``verify``), schema
snapshots of environments (``snapshots``) and their comparison (``compare``)."""
