"""Outbox delivery: each message's state on each channel (e-mail, webhook), its attempts,
last error and next attempt, and the sender that holds it while sending.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", Timestamp, nullable=False),
        sa.Column("claimed_at", Timestamp, nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "channel IN ('email', 'webhook', 'none')", name=op.f("ck_outbox_deliveries_channel")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'failed')",
            name=op.f("ck_outbox_deliveries_state"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_deliveries_attempts")),
        sa.ForeignKeyConstraint(
            ["message_id"], ["outbox.id"], name=op.f("fk_outbox_deliveries_message_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_deliveries")),
        sa.UniqueConstraint(
            "message_id", "channel", name=op.f("uq_outbox_deliveries_message_channel")
        ),
    )
    op.create_index("ix_outbox_deliveries_due", "outbox_deliveries", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_deliveries_due", table_name="outbox_deliveries")
    op.drop_table("outbox_deliveries")
