"""A test-only app whose models cover every field, index and constraint shape
that a schema comparison must accept as matching on every backend."""
