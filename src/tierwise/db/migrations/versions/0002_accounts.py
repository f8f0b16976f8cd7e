"""Accounts: users with their role and subject, hashed session and API credentials, and
failed sign-ins for the login throttle.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(128), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("partner_id", sa.String(), nullable=True),
        sa.Column("creator_id", sa.String(), nullable=True),
        sa.Column("seller_id", sa.String(), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "role IN ('operator', 'partner', 'creator', 'seller')", name=op.f("ck_users_role")
        ),
        sa.CheckConstraint(
            "(role = 'partner') = (partner_id IS NOT NULL)"
            " AND (role = 'creator') = (creator_id IS NOT NULL)"
            " AND (role = 'seller') = (seller_id IS NOT NULL)",
            name=op.f("ck_users_subject"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
    )
    op.create_table(
        "credentials",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.CheckConstraint("kind IN ('session', 'token')", name=op.f("ck_credentials_kind")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_credentials_user_id_users")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_credentials")),
    )
    op.create_index("ix_credentials_user", "credentials", ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(128), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_login_at", "login_failures", ["login", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_login_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_index("ix_credentials_user", table_name="credentials")
    op.drop_table("credentials")
    op.drop_table("users")
