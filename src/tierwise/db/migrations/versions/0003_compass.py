"""Data Compass: the consent workflow's access requests (in the columns of the imported
`authorizations` rows) and the access log of reads of a creator's numbers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
Json = sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "compass_requests",
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("partner_id", sa.String(), nullable=False),
        sa.Column("creator_id", sa.String(), nullable=False),
        sa.Column("requested_at", Timestamp, nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("responded_at", Timestamp, nullable=True),
        sa.Column("response", sa.String(16), nullable=True),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.Column("revoked_by", sa.String(16), nullable=True),
        sa.CheckConstraint(
            "response IS NULL OR response IN ('approved', 'declined')",
            name=op.f("ck_compass_requests_response"),
        ),
        sa.CheckConstraint(
            "revoked_by IS NULL OR revoked_by IN ('creator', 'partner')",
            name=op.f("ck_compass_requests_revoked_by"),
        ),
        sa.CheckConstraint("period_to >= period_from", name=op.f("ck_compass_requests_period")),
        sa.CheckConstraint(
            "(response IS NULL) = (responded_at IS NULL)", name=op.f("ck_compass_requests_answer")
        ),
        sa.CheckConstraint(
            "revoked_at IS NULL OR response = 'approved'",
            name=op.f("ck_compass_requests_revoked_needs_approval"),
        ),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by IS NULL)",
            name=op.f("ck_compass_requests_revoked_by_whom"),
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_compass_requests")),
    )
    op.create_index("ix_compass_requests_pair", "compass_requests", ["partner_id", "creator_id"])
    op.create_index("ix_compass_requests_creator", "compass_requests", ["creator_id"])
    op.create_index("ix_compass_requests_open", "compass_requests", ["response", "requested_at"])
    op.create_table(
        "compass_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("login", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("partner_id", sa.String(), nullable=True),
        sa.Column("creator_id", sa.String(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("ranges", Json, nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("what", sa.String(64), nullable=False),
        sa.CheckConstraint(
            "via IN ('page', 'api', 'export', 'cli')", name=op.f("ck_compass_access_log_via")
        ),
        sa.CheckConstraint(
            "last_day >= first_day AND days > 0", name=op.f("ck_compass_access_log_days")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compass_access_log")),
    )
    op.create_index("ix_compass_access_log_creator_at", "compass_access_log", ["creator_id", "at"])
    op.create_index("ix_compass_access_log_partner_at", "compass_access_log", ["partner_id", "at"])
    op.create_index("ix_compass_access_log_at", "compass_access_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_compass_access_log_at", table_name="compass_access_log")
    op.drop_index("ix_compass_access_log_partner_at", table_name="compass_access_log")
    op.drop_index("ix_compass_access_log_creator_at", table_name="compass_access_log")
    op.drop_table("compass_access_log")
    op.drop_index("ix_compass_requests_open", table_name="compass_requests")
    op.drop_index("ix_compass_requests_creator", table_name="compass_requests")
    op.drop_index("ix_compass_requests_pair", table_name="compass_requests")
    op.drop_table("compass_requests")
