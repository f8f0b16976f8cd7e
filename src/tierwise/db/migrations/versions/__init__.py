"""Revisions, oldest first (`0001_…`); Alembic skips this file."""
