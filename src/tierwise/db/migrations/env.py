"""Alembic environment: `StateStore.open` passes its connection in `config.attributes`;
the alembic command (see the package docstring) passes a URL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from tierwise.db.models import Base

#: Key of the PostgreSQL advisory lock that serialises concurrent upgrades.
MIGRATION_LOCK = 7_243_001


def _migrate(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes opening a new database at once: the second waits, then finds
            # the schema at head.
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        context.run_migrations()


def _run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=Base.metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    elif connection is not None:
        _migrate(connection)
    else:
        from tierwise.db.engine import engine_for

        engine = engine_for(str(config.get_main_option("sqlalchemy.url")))
        try:
            with engine.begin() as conn:
                _migrate(conn)
        finally:
            engine.dispose()


_run()
