"""Alembic migrations of the service database (configured in code: :func:`api.db.migrate`)."""
