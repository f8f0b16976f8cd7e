"""The state store's tables: runs and their results, publications, decisions, restatements,
the audit chain and the notification outbox.

Portable across SQLite and PostgreSQL: JSON documents are canonicalised before they are
bound (so both engines store the same text), timestamps are UTC, and the audit chain keeps
its fields as text so its hashes never depend on how an engine renders a value.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from tierwise.core.canonical import plain
from tierwise.lifecycle import Award, Decision, Standing

#: Constraint names Alembic can rely on (SQLite batch migrations need them named).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: `scores`: a period of a kind the program also scores (TSP months): scores only, no
#: lifecycle and no award; published for the monthly report.
RUN_KINDS = ("run", "whatif", "restatement", "scores")
RUN_STATUSES = ("preview", "published", "superseded")
DECISION_KINDS = ("invite", "downgrade", "remove", "continue_invitation", "override")
OVERRIDE_MODES = ("floor", "fixed")
OUTBOX_STATUSES = ("pending", "sent")
#: How a message reaches its recipient; `none`: the channels file names no channel for it.
DELIVERY_CHANNELS = ("email", "webhook", "none")
DELIVERY_STATES = ("pending", "sending", "sent", "failed")
#: The kinds of live events (`live/events.py`'s models; a test keeps the two equal).
LIVE_EVENT_KINDS = (
    "live.started",
    "live.minute",
    "live.product",
    "live.ended",
    "order.paid",
    "order.refunded",
    "stock.changed",
    "violation.issued",
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every engine (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone: store aware UTC timestamps")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JsonDocument(TypeDecorator[Any]):
    """A JSON document stored as canonical plain data (decimals as text, dates ISO), so the
    value read back is the same on SQLite and PostgreSQL (`json`, not `jsonb`: the text is
    kept as written)."""

    impl = sa.JSON(none_as_null=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else plain(value)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


class Run(Base):
    """One evaluation of one program for one period; immutable once stored except for its
    status (preview → published → superseded)."""

    __tablename__ = "runs"
    __table_args__ = (
        sa.UniqueConstraint(
            "program_id",
            "period",
            "definition_hash",
            "data_fingerprint",
            "generated_on",
            "kind",
            name="uq_runs_inputs",
        ),
        sa.CheckConstraint(_one_of("kind", RUN_KINDS), name="kind"),
        sa.CheckConstraint(_one_of("status", RUN_STATUSES), name="status"),
        sa.Index("ix_runs_program_period", "program_id", "period_start"),
    )

    id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    program_id: Mapped[str] = mapped_column(sa.String)
    program_version: Mapped[int]
    definition_hash: Mapped[str] = mapped_column(sa.String(64))
    data_fingerprint: Mapped[str] = mapped_column(sa.String)
    period: Mapped[str] = mapped_column(sa.String(16))
    #: The period's first day, to order periods of any kind.
    period_start: Mapped[date]
    generated_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(sa.String)
    kind: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16))
    gate_ok: Mapped[bool]
    gate_report: Mapped[Any] = mapped_column(JsonDocument)
    result_hash: Mapped[str] = mapped_column(sa.String(64))
    partners: Mapped[int]
    restates: Mapped[str | None] = mapped_column(sa.ForeignKey("runs.id"))

    results: Mapped[list[RunResult]] = relationship(
        back_populates="run", order_by="RunResult.partner_id", lazy="raise"
    )
    awards: Mapped[list[RunAward]] = relationship(
        back_populates="run",
        order_by="(RunAward.partner_id, RunAward.for_period, RunAward.award)",
        lazy="raise",
    )

    @property
    def publishable(self) -> bool:
        return self.kind != "whatif" and self.gate_ok


class RunResult(Base):
    """One partner's result in a run, with its breakdown and the standing after the period."""

    __tablename__ = "run_results"
    __table_args__ = (sa.Index("ix_run_results_partner", "partner_id"),)

    run_id: Mapped[str] = mapped_column(sa.ForeignKey("runs.id"), primary_key=True)
    partner_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    #: The exact decimal, as text (None: no score).
    score: Mapped[str | None] = mapped_column(sa.String(64))
    computed_level: Mapped[str | None] = mapped_column(sa.String)
    level: Mapped[str | None] = mapped_column(sa.String)
    previous_level: Mapped[str | None] = mapped_column(sa.String)
    change: Mapped[str] = mapped_column(sa.String(16))
    #: Metrics, trace, next level, keep: whatever the run orchestrator records.
    body: Mapped[Any] = mapped_column(JsonDocument)
    #: `Standing.to_dict()` after the period (None: the lifecycle was not applied).
    standing: Mapped[Any | None] = mapped_column(JsonDocument, nullable=True)

    run: Mapped[Run] = relationship(back_populates="results", lazy="raise")

    @property
    def score_decimal(self) -> Decimal | None:
        return None if self.score is None else Decimal(self.score)

    def to_standing(self) -> Standing | None:
        return None if self.standing is None else Standing.from_dict(self.standing)

    def to_dict(self) -> dict[str, Any]:
        """The form hashed into `Run.result_hash`."""
        return {
            "partner_id": self.partner_id,
            "status": self.status,
            "score": self.score,
            "computed_level": self.computed_level,
            "level": self.level,
            "previous_level": self.previous_level,
            "change": self.change,
            "body": self.body,
            "standing": self.standing,
        }


class RunAward(Base):
    """An award a run granted (final: a later run never revokes it)."""

    __tablename__ = "run_awards"
    __table_args__ = (sa.Index("ix_run_awards_program_partner", "program_id", "partner_id"),)

    run_id: Mapped[str] = mapped_column(sa.ForeignKey("runs.id"), primary_key=True)
    partner_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    award: Mapped[str] = mapped_column(sa.String, primary_key=True)
    for_period: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    program_id: Mapped[str] = mapped_column(sa.String)
    valid_from: Mapped[date]
    valid_to: Mapped[date]

    run: Mapped[Run] = relationship(back_populates="awards", lazy="raise")

    def to_award(self) -> Award:
        return Award.from_dict(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner_id": self.partner_id,
            "award": self.award,
            "for_period": self.for_period,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
        }


class Publication(Base):
    """The run whose levels are displayed for a program and period (at most one)."""

    __tablename__ = "publications"

    program_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    run_id: Mapped[str] = mapped_column(sa.ForeignKey("runs.id"), unique=True)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_by: Mapped[str] = mapped_column(sa.String)
    reason: Mapped[str] = mapped_column(sa.Text)


class Restatement(Base):
    """A past period re-evaluated (an appeal revoked a violation): which run replaced
    which, why, and what differs."""

    __tablename__ = "restatements"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[str] = mapped_column(sa.String)
    period: Mapped[str] = mapped_column(sa.String(16))
    from_run: Mapped[str] = mapped_column(sa.ForeignKey("runs.id"))
    to_run: Mapped[str] = mapped_column(sa.ForeignKey("runs.id"), unique=True)
    actor: Mapped[str] = mapped_column(sa.String)
    reason: Mapped[str] = mapped_column(sa.Text)
    differences: Mapped[Any] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RecordedDecision(Base):
    """An operator decision as recorded (the lifecycle's `Decision` plus its program)."""

    __tablename__ = "decisions"
    __table_args__ = (
        sa.CheckConstraint(_one_of("kind", DECISION_KINDS), name="kind"),
        sa.CheckConstraint(f"mode IS NULL OR {_one_of('mode', OVERRIDE_MODES)}", name="mode"),
        sa.Index("ix_decisions_program_decided", "program_id", "decided_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[str] = mapped_column(sa.String)
    partner_id: Mapped[str] = mapped_column(sa.String)
    kind: Mapped[str] = mapped_column(sa.String(32))
    actor: Mapped[str] = mapped_column(sa.String)
    reason: Mapped[str] = mapped_column(sa.Text)
    decided_on: Mapped[date]
    effective: Mapped[date | None]
    level: Mapped[str | None] = mapped_column(sa.String)
    mode: Mapped[str | None] = mapped_column(sa.String(16))
    until: Mapped[date | None]
    continues: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def to_decision(self) -> Decision:
        return Decision.from_dict(
            {
                "kind": self.kind,
                "partner_id": self.partner_id,
                "actor": self.actor,
                "reason": self.reason,
                "decided_on": self.decided_on.isoformat(),
                "effective": None if self.effective is None else self.effective.isoformat(),
                "level": self.level,
                "mode": self.mode,
                "until": None if self.until is None else self.until.isoformat(),
                "continues": self.continues,
            }
        )


class AuditEntry(Base):
    """One link of the append-only, SHA-256 hash-chained audit log. Every field is text or
    an integer so the hash recomputed from what is stored is the hash computed at append."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: UTC, ISO 8601 with microseconds and `Z`.
    at: Mapped[str] = mapped_column(sa.String(32))
    actor: Mapped[str] = mapped_column(sa.String)
    action: Mapped[str] = mapped_column(sa.String(32))
    object: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Canonical JSON text (None: nothing before / after).
    before: Mapped[str | None] = mapped_column(sa.Text)
    after: Mapped[str | None] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AuditHead(Base):
    """The chain's last seq and hash, updated with every append: a truncated tail is
    detectable because the head still names it."""

    __tablename__ = "audit_head"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))


class OutboxMessage(Base):
    """A rendered notification waiting for a mailer."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.CheckConstraint(_one_of("status", OUTBOX_STATUSES), name="status"),
        sa.Index("ix_outbox_status", "status"),
        sa.Index("ix_outbox_partner", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    program_id: Mapped[str] = mapped_column(sa.String)
    partner_id: Mapped[str] = mapped_column(sa.String)
    period: Mapped[str] = mapped_column(sa.String(16))
    kind: Mapped[str] = mapped_column(sa.String(32))
    language: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The same notice for the same period is queued once.
    dedupe_key: Mapped[str] = mapped_column(sa.String, unique=True)
    #: The notice as the lifecycle gave it (`Notice.to_dict()`), to render again.
    notice: Mapped[Any] = mapped_column(JsonDocument)


class OutboxDelivery(Base):
    """A message on one channel: its state, attempts and the next try (`outbox/delivery.py`).

    `sending` is claimed by one sender (`claimed_by`, `claimed_at`): it may or may not have
    reached the receiver, so a sender that died leaves it to be sent again — with the same
    idempotency key, the message id."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (
        sa.CheckConstraint(_one_of("channel", DELIVERY_CHANNELS), name="channel"),
        sa.CheckConstraint(_one_of("state", DELIVERY_STATES), name="state"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        sa.UniqueConstraint("message_id", "channel", name="uq_outbox_deliveries_message_channel"),
        sa.Index("ix_outbox_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox.id"))
    channel: Mapped[str] = mapped_column(sa.String(16))
    state: Mapped[str] = mapped_column(sa.String(16))
    #: Where it went last (addresses, or the webhook's name and URL), for operators.
    target: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


# -- TSP registrations ---------------------------------------------------------------------

#: What an operator may do to a TSP (seed 001, FAQ 2: a false declaration of shops).
SANCTION_KINDS = ("exclude", "forfeit")


class Registration(Base):
    """A TSP's application (opt-in) to one certification category for one quarter."""

    __tablename__ = "registrations"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "partner_id", "period", name="uq_registrations_quarter"),
        sa.Index("ix_registrations_program_period", "program_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[str] = mapped_column(sa.String)
    partner_id: Mapped[str] = mapped_column(sa.String)
    period: Mapped[str] = mapped_column(sa.String(16))
    registered_on: Mapped[date]
    actor: Mapped[str] = mapped_column(sa.String)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Sanction(Base):
    """An operator's exclusion of a TSP from a category (from a quarter on), or the
    forfeit of the award given for one quarter; the reason is shown to the partner."""

    __tablename__ = "sanctions"
    __table_args__ = (
        sa.CheckConstraint(_one_of("kind", SANCTION_KINDS), name="kind"),
        sa.UniqueConstraint("kind", "program_id", "partner_id", "period", name="uq_sanctions_once"),
        sa.Index("ix_sanctions_program_partner", "program_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    program_id: Mapped[str] = mapped_column(sa.String)
    partner_id: Mapped[str] = mapped_column(sa.String)
    #: exclude: the first quarter excluded; forfeit: the quarter the award was given for.
    period: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text)
    decided_on: Mapped[date]
    actor: Mapped[str] = mapped_column(sa.String)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# -- accounts -------------------------------------------------------------------------------

ROLES = ("operator", "partner", "creator", "seller")
CREDENTIAL_KINDS = ("session", "token", "reset")


class User(Base):
    """A person who signs in: an operator, a partner's user (of one partner), a creator or a
    seller (each of one subject in the event store)."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(_one_of("role", ROLES), name="role"),
        sa.CheckConstraint(
            "(role = 'partner') = (partner_id IS NOT NULL)"
            " AND (role = 'creator') = (creator_id IS NOT NULL)"
            " AND (role = 'seller') = (seller_id IS NOT NULL)",
            name="subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(128), unique=True)
    name: Mapped[str] = mapped_column(sa.String)
    role: Mapped[str] = mapped_column(sa.String(16))
    partner_id: Mapped[str | None] = mapped_column(sa.String)
    creator_id: Mapped[str | None] = mapped_column(sa.String)
    seller_id: Mapped[str | None] = mapped_column(sa.String)
    language: Mapped[str] = mapped_column(sa.String(8))
    #: argon2id, in the PHC string format.
    password_hash: Mapped[str] = mapped_column(sa.String)
    active: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Credential(Base):
    """A browser session (cookie), an API bearer token or a one-time password-reset link:
    only its SHA-256 is stored, so a leaked database does not leak live credentials."""

    __tablename__ = "credentials"
    __table_args__ = (
        sa.CheckConstraint(_one_of("kind", CREDENTIAL_KINDS), name="kind"),
        sa.Index("ix_credentials_user", "user_id"),
    )

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: The synchronizer token the session's forms must send back (sessions only).
    csrf_token: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginFailure(Base):
    """A failed sign-in, kept for the throttle's window."""

    __tablename__ = "login_failures"
    __table_args__ = (sa.Index("ix_login_failures_login_at", "login", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(128))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class SigningKey(Base):
    """A secret the service signs with, per purpose (the badges' verification links): made
    once at random on first use and shared by every worker through the store, so links
    survive restarts and any worker verifies them. Never shown, never in the repository."""

    __tablename__ = "signing_keys"

    purpose: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# -- Data Compass ---------------------------------------------------------------------------

COMPASS_RESPONSES = ("approved", "declined")
COMPASS_REVOKERS = ("creator", "partner")
COMPASS_VIA = ("page", "api", "export", "cli")


class CompassRequest(Base):
    """An access request of the consent workflow, in exactly the columns of the imported
    `authorizations` rows (compass.md §2), so both read alike. Its ids carry a prefix of
    their own (`tierwise.compass.repository.REQUEST_PREFIX`) so that a request_id is unique
    across the imported rows and these. The checks are the §2 loading rules."""

    __tablename__ = "compass_requests"
    __table_args__ = (
        sa.CheckConstraint(
            f"response IS NULL OR {_one_of('response', COMPASS_RESPONSES)}", name="response"
        ),
        sa.CheckConstraint(
            f"revoked_by IS NULL OR {_one_of('revoked_by', COMPASS_REVOKERS)}", name="revoked_by"
        ),
        sa.CheckConstraint("period_to >= period_from", name="period"),
        sa.CheckConstraint("(response IS NULL) = (responded_at IS NULL)", name="answer"),
        sa.CheckConstraint(
            "revoked_at IS NULL OR response = 'approved'", name="revoked_needs_approval"
        ),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_by IS NULL)", name="revoked_by_whom"),
        sa.Index("ix_compass_requests_pair", "partner_id", "creator_id"),
        sa.Index("ix_compass_requests_creator", "creator_id"),
        sa.Index("ix_compass_requests_open", "response", "requested_at"),
    )

    request_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    partner_id: Mapped[str] = mapped_column(sa.String)
    creator_id: Mapped[str] = mapped_column(sa.String)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    period_from: Mapped[date]
    period_to: Mapped[date]
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    response: Mapped[str | None] = mapped_column(sa.String(16))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[str | None] = mapped_column(sa.String(16))


class CompassAccess(Base):
    """One read of a creator's numbers (compass.md §1, the access log): who (login, role,
    partner), which creator, which days (the visible ranges read), when, and through what.
    Written once, never changed."""

    __tablename__ = "compass_access_log"
    __table_args__ = (
        sa.CheckConstraint(_one_of("via", COMPASS_VIA), name="via"),
        sa.CheckConstraint("last_day >= first_day AND days > 0", name="days"),
        sa.Index("ix_compass_access_log_creator_at", "creator_id", "at"),
        sa.Index("ix_compass_access_log_partner_at", "partner_id", "at"),
        sa.Index("ix_compass_access_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    login: Mapped[str] = mapped_column(sa.String(128))
    role: Mapped[str] = mapped_column(sa.String(16))
    #: The reader's partner (None: an operator or the creator itself).
    partner_id: Mapped[str | None] = mapped_column(sa.String)
    creator_id: Mapped[str] = mapped_column(sa.String)
    first_day: Mapped[date]
    last_day: Mapped[date]
    #: How many days were read (the ranges may have gaps).
    days: Mapped[int]
    #: The day ranges read: `[["2024-03-01", "2024-03-09"], …]`.
    ranges: Mapped[Any] = mapped_column(JsonDocument)
    via: Mapped[str] = mapped_column(sa.String(16))
    #: What was read: a module, a route or an export's name.
    what: Mapped[str] = mapped_column(sa.String(64))


class LiveEventRecord(Base):
    """A live event as received (`docs/live-events.md`), stored once: its id is the
    idempotency key, inserted with `ON CONFLICT DO NOTHING` in the transaction that answers
    the sender. `seq` orders events as stored (a cursor for a live screen's stream);
    `subject` is what the event is about (a live, an order, a product, a violation);
    `day` is the UTC day of `at`, what compaction goes by; `digest` tells a resent event
    from another one reusing its id."""

    __tablename__ = "live_events"
    __table_args__ = (
        sa.CheckConstraint(_one_of("kind", LIVE_EVENT_KINDS), name="kind"),
        sa.Index("ix_live_events_subject", "subject", "at"),
        sa.Index("ix_live_events_day", "day"),
    )

    seq: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(256), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    subject: Mapped[str] = mapped_column(sa.String(256))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    day: Mapped[date]
    digest: Mapped[str] = mapped_column(sa.String(64))
    #: The event's canonical JSON text (`live.events.canonical_text`).
    body: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LiveDayMark(Base):
    """A UTC day that received live events compaction has not folded yet: every accepted
    batch adds one mark per day it touched (insert-only: concurrent batches never wait on
    each other), and compaction deletes exactly the marks it read before folding — a
    batch committed meanwhile leaves its own mark, so its day is folded again next time."""

    __tablename__ = "live_day_marks"
    __table_args__ = (sa.Index("ix_live_day_marks_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]


class EnteredFact(Base):
    """An operator fact entered in the portal or the API (an ISV's quarterly key-project,
    capability, compliance… values), one value per partner, fact and quarter: entering it
    again replaces it (audited). Evaluations read it with the loaded `facts` table; for the
    same partner, name and `as_of` the entered value wins."""

    __tablename__ = "entered_facts"
    __table_args__ = (
        sa.UniqueConstraint(
            "program_id", "partner_id", "name", "period", name="uq_entered_facts_fact"
        ),
        sa.Index("ix_entered_facts_program_period", "program_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[str] = mapped_column(sa.String)
    partner_id: Mapped[str] = mapped_column(sa.String)
    name: Mapped[str] = mapped_column(sa.String(64))
    #: The quarter it is for (`2026Q3`); the fact is in force from `as_of`, its last day.
    period: Mapped[str] = mapped_column(sa.String(16))
    as_of: Mapped[date]
    #: The decimal as text (exact on both engines, like scores).
    value: Mapped[str] = mapped_column(sa.String(32))
    actor: Mapped[str] = mapped_column(sa.String)
    reason: Mapped[str] = mapped_column(sa.Text)
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExcellenceSelection(Base):
    """A published annual selection of excellent partners (ISV trophies): the document
    `annual_excellence` computed, as it was published, with who published it and why."""

    __tablename__ = "excellence_selections"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "year", name="uq_excellence_selections_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[str] = mapped_column(sa.String)
    year: Mapped[int]
    body: Mapped[Any] = mapped_column(JsonDocument)
    actor: Mapped[str] = mapped_column(sa.String)
    reason: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)
