"""TSP registrations and sanctions (seed 001), and the `scores` run kind (monthly TSP
scores: stored and published, no lifecycle).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
KINDS = "'run', 'whatif', 'restatement'"


def _run_kinds(old: str, new: str) -> None:
    """Change the kinds `runs.kind` admits from `old` to `new`."""
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_runs_kind"), "runs", type_="check")
        op.create_check_constraint(op.f("ck_runs_kind"), "runs", f"kind IN ({new})")
        return
    # SQLite changes a constraint by copying the table, which the rows of run_results,
    # run_awards, publications and restatements referring to `runs` forbid inside a
    # transaction (foreign keys are on). A CHECK constraint does not change the rows'
    # format, so the table's text is edited in place: SQLite's documented procedure for
    # such changes (sqlite.org/lang_altertable.html, "other kinds of schema changes").
    bind = op.get_bind()
    text = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'"
    ).scalar_one()
    if f"kind IN ({old})" not in text:
        raise RuntimeError(f"runs.kind does not admit exactly {old}: {text}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'runs'",
        (text.replace(f"kind IN ({old})", f"kind IN ({new})"),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _run_kinds(KINDS, f"{KINDS}, 'scores'")
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(), nullable=False),
        sa.Column("partner_id", sa.String(), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint(
            "program_id", "partner_id", "period", name=op.f("uq_registrations_quarter")
        ),
    )
    op.create_index("ix_registrations_program_period", "registrations", ["program_id", "period"])
    op.create_table(
        "sanctions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("program_id", sa.String(), nullable=False),
        sa.Column("partner_id", sa.String(), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.CheckConstraint("kind IN ('exclude', 'forfeit')", name=op.f("ck_sanctions_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sanctions")),
        sa.UniqueConstraint(
            "kind", "program_id", "partner_id", "period", name=op.f("uq_sanctions_once")
        ),
    )
    op.create_index("ix_sanctions_program_partner", "sanctions", ["program_id", "partner_id"])


def downgrade() -> None:
    op.drop_index("ix_sanctions_program_partner", table_name="sanctions")
    op.drop_table("sanctions")
    op.drop_index("ix_registrations_program_period", table_name="registrations")
    op.drop_table("registrations")
    op.execute(
        "DELETE FROM publications WHERE run_id IN (SELECT id FROM runs WHERE kind = 'scores')"
    )
    op.execute(
        "DELETE FROM run_results WHERE run_id IN (SELECT id FROM runs WHERE kind = 'scores')"
    )
    op.execute("DELETE FROM runs WHERE kind = 'scores'")
    _run_kinds(f"{KINDS}, 'scores'", KINDS)
