"""The state store: runs, publications, operator decisions, the audit chain and the
notification outbox, on SQLite (default `./tierwise-state.db` or `$TIERWISE_STATE_URL`) or
PostgreSQL (`postgresql+psycopg://…`), migrated by the Alembic revisions shipped here.

    store = StateStore.open(url)               # migrates to head
    with store.session() as session:           # one transaction
        runs = Runs(session)
        run = runs.add(NewRun(...))            # idempotent: same inputs, same run
        runs.publish(run.id, actor, reason)    # previous run of the period superseded
        Decisions(session).add(program_id, checked_decision)
        Outbox(session).add_notices(program, notices, partner_markets)
        AuditLog(session).verify()             # -> VerifyReport

Repositories own every query and append to the audit log in the caller's transaction.
Errors: see `tierwise.state.errors` (StateError and its subclasses).
"""

from tierwise.state.audit import GENESIS, AuditLog, AuditProblem, VerifyReport
from tierwise.state.canonical import canonical_json, definition_hash, sha256_hex
from tierwise.state.decisions import Decisions
from tierwise.state.errors import (
    AppendOnly,
    ImmutableRun,
    PublishRefused,
    RunNotFound,
    StateError,
    StateStoreError,
)
from tierwise.state.models import (
    AuditEntry,
    OutboxMessage,
    Publication,
    RecordedDecision,
    Restatement,
    Run,
    RunAward,
    RunResult,
)
from tierwise.state.outbox import Outbox, dedupe_key, language_of, render
from tierwise.state.runs import (
    TRANSITIONS,
    HistoryEntry,
    NewResult,
    NewRun,
    RunKind,
    Runs,
    RunStatus,
    result_hash,
)
from tierwise.state.store import DEFAULT_URL, URL_ENV, StateStore, resolve_url

__all__ = [
    "DEFAULT_URL",
    "GENESIS",
    "TRANSITIONS",
    "URL_ENV",
    "AppendOnly",
    "AuditEntry",
    "AuditLog",
    "AuditProblem",
    "Decisions",
    "HistoryEntry",
    "ImmutableRun",
    "NewResult",
    "NewRun",
    "Outbox",
    "OutboxMessage",
    "Publication",
    "PublishRefused",
    "RecordedDecision",
    "Restatement",
    "Run",
    "RunAward",
    "RunKind",
    "RunNotFound",
    "RunResult",
    "RunStatus",
    "Runs",
    "StateError",
    "StateStore",
    "StateStoreError",
    "VerifyReport",
    "canonical_json",
    "dedupe_key",
    "definition_hash",
    "language_of",
    "render",
    "resolve_url",
    "result_hash",
    "sha256_hex",
]
