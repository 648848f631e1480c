"""The rehearsal: the pending migrations applied to a copy of the live database's schema (no
rows) in a scratch database, before anything live changes; then what the new release and the
running one would each find wrong with the schema they leave."""
