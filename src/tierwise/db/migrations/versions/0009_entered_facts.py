"""Operator facts entered in the portal and the API, and published annual selections of
excellent partners (ISV quarterly facts and trophies, issue 13 items 2 and 3).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
Json = sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "entered_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(), nullable=False),
        sa.Column("partner_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("entered_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entered_facts")),
        sa.UniqueConstraint(
            "program_id", "partner_id", "name", "period", name=op.f("uq_entered_facts_fact")
        ),
    )
    op.create_index("ix_entered_facts_program_period", "entered_facts", ["program_id", "period"])
    op.create_table(
        "excellence_selections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("body", Json, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("published_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_excellence_selections")),
        sa.UniqueConstraint("program_id", "year", name=op.f("uq_excellence_selections_year")),
    )


def downgrade() -> None:
    op.drop_table("excellence_selections")
    op.drop_index("ix_entered_facts_program_period", table_name="entered_facts")
    op.drop_table("entered_facts")
