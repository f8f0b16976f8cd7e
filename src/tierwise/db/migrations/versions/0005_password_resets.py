"""Password-reset links: a third kind of credential, stored like the others (its hash).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kinds(kinds: str) -> None:
    # Batch mode: SQLite cannot alter a constraint in place, so the table is copied.
    with op.batch_alter_table("credentials", recreate="always") as batch:
        batch.drop_constraint(op.f("ck_credentials_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_credentials_kind"), f"kind IN ({kinds})")


def upgrade() -> None:
    _kinds("'session', 'token', 'reset'")


def downgrade() -> None:
    op.execute("DELETE FROM credentials WHERE kind = 'reset'")
    _kinds("'session', 'token'")
