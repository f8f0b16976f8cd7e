"""The initial state schema: runs, results, awards, publications, restatements, decisions,
the hash-chained audit log with its head, and the notification outbox.

The audit log is append-only in the database too: triggers refuse UPDATE and DELETE.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The prev_hash of the first audit entry (and the head of an empty log).
GENESIS = "0" * 64

Timestamp = sa.DateTime(timezone=True)
Json = sa.JSON(none_as_null=True)

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
)
_POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("program_id", sa.String(), nullable=False),
        sa.Column("program_version", sa.Integer(), nullable=False),
        sa.Column("definition_hash", sa.String(length=64), nullable=False),
        sa.Column("data_fingerprint", sa.String(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("generated_on", sa.Date(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("gate_ok", sa.Boolean(), nullable=False),
        sa.Column("gate_report", Json, nullable=False),
        sa.Column("result_hash", sa.String(length=64), nullable=False),
        sa.Column("partners", sa.Integer(), nullable=False),
        sa.Column("restates", sa.String(), nullable=True),
        sa.CheckConstraint("kind IN ('run', 'whatif', 'restatement')", name=op.f("ck_runs_kind")),
        sa.CheckConstraint(
            "status IN ('preview', 'published', 'superseded')", name=op.f("ck_runs_status")
        ),
        sa.ForeignKeyConstraint(["restates"], ["runs.id"], name=op.f("fk_runs_restates_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint(
            "program_id",
            "period",
            "definition_hash",
            "data_fingerprint",
            "generated_on",
            "kind",
            name="uq_runs_inputs",
        ),
    )
    op.create_index("ix_runs_program_period", "runs", ["program_id", "period_start"])

    op.create_table(
        "run_results",
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("partner_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.String(length=64), nullable=True),
        sa.Column("computed_level", sa.String(), nullable=True),
        sa.Column("level", sa.String(), nullable=True),
        sa.Column("previous_level", sa.String(), nullable=True),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("body", Json, nullable=False),
        sa.Column("standing", Json, nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_results_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "partner_id", name=op.f("pk_run_results")),
    )
    op.create_index("ix_run_results_partner", "run_results", ["partner_id"])

    op.create_table(
        "run_awards",
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("partner_id", sa.String(), nullable=False),
        sa.Column("award", sa.String(), nullable=False),
        sa.Column("for_period", sa.String(length=16), nullable=False),
        sa.Column("program_id", sa.String(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_awards_run_id_runs")),
        sa.PrimaryKeyConstraint(
            "run_id", "partner_id", "award", "for_period", name=op.f("pk_run_awards")
        ),
    )
    op.create_index("ix_run_awards_program_partner", "run_awards", ["program_id", "partner_id"])

    op.create_table(
        "publications",
        sa.Column("program_id", sa.String(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("published_at", Timestamp, nullable=False),
        sa.Column("published_by", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_publications_run_id_runs")),
        sa.PrimaryKeyConstraint("program_id", "period", name=op.f("pk_publications")),
        sa.UniqueConstraint("run_id", name=op.f("uq_publications_run_id")),
    )

    op.create_table(
        "restatements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("from_run", sa.String(), nullable=False),
        sa.Column("to_run", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("differences", Json, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["from_run"], ["runs.id"], name=op.f("fk_restatements_from_run_runs")
        ),
        sa.ForeignKeyConstraint(["to_run"], ["runs.id"], name=op.f("fk_restatements_to_run_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restatements")),
        sa.UniqueConstraint("to_run", name=op.f("uq_restatements_to_run")),
    )

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(), nullable=False),
        sa.Column("partner_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("effective", sa.Date(), nullable=True),
        sa.Column("level", sa.String(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("continues", sa.Boolean(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "kind IN ('invite', 'downgrade', 'remove', 'continue_invitation', 'override')",
            name=op.f("ck_decisions_kind"),
        ),
        sa.CheckConstraint(
            "mode IS NULL OR mode IN ('floor', 'fixed')", name=op.f("ck_decisions_mode")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index("ix_decisions_program_decided", "decisions", ["program_id", "decided_on"])

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("object", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    dialect = op.get_context().dialect.name
    triggers = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRESQL_TRIGGERS}
    for statement in triggers.get(dialect, ()):
        op.execute(statement)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("program_id", sa.String(), nullable=False),
        sa.Column("partner_id", sa.String(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.Column("dedupe_key", sa.String(), nullable=False),
        sa.Column("notice", Json, nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent')", name=op.f("ck_outbox_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index("ix_outbox_status", "outbox", ["status"])
    op.create_index("ix_outbox_partner", "outbox", ["partner_id"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("audit_head")
    op.drop_table("audit_log")  # its triggers go with it
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("decisions")
    op.drop_table("restatements")
    op.drop_table("publications")
    op.drop_table("run_awards")
    op.drop_table("run_results")
    op.drop_table("runs")
