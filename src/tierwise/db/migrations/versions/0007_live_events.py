"""Live events: each event received once (its id the idempotency key), and the days
compaction has folded into the DuckDB store.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
KINDS = (
    "live.started",
    "live.minute",
    "live.product",
    "live.ended",
    "order.paid",
    "order.refunded",
    "stock.changed",
    "violation.issued",
)


def upgrade() -> None:
    kinds = ", ".join(f"'{kind}'" for kind in KINDS)
    op.create_table(
        "live_events",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", Timestamp, nullable=False),
        sa.CheckConstraint(f"kind IN ({kinds})", name=op.f("ck_live_events_kind")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_live_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_live_events_event_id")),
    )
    op.create_index("ix_live_events_subject", "live_events", ["subject", "at"])
    op.create_index("ix_live_events_day", "live_events", ["day"])
    op.create_table(
        "live_day_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_day_marks")),
    )
    op.create_index("ix_live_day_marks_day", "live_day_marks", ["day"])


def downgrade() -> None:
    op.drop_index("ix_live_day_marks_day", table_name="live_day_marks")
    op.drop_table("live_day_marks")
    op.drop_index("ix_live_events_day", table_name="live_events")
    op.drop_index("ix_live_events_subject", table_name="live_events")
    op.drop_table("live_events")
