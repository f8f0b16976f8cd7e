"""The state database: runs, publications, operator decisions, the audit chain and the
notification outbox, on SQLite (default `./tierwise-state.db` or `$TIERWISE_STATE_URL`) or
PostgreSQL (`postgresql+psycopg://…`), migrated by the Alembic revisions shipped here.

    store = StateStore.open(url)               # migrates to head
    with store.session() as session:           # one transaction, owned by the caller
        runs = Runs(session)                   # tierwise.runs.repository
        run = runs.add(NewRun(...))            # idempotent: same inputs, same run
        AuditLog(session).verify()             # -> VerifyReport

This package holds what every domain shares — the engine, the ORM models, the migrations
and the audit chain; each domain's repository (`runs/`, `decisions/`, `outbox/`) owns its
queries and appends to the audit log in the caller's transaction. Errors: the `StateError`
branch of `tierwise.core.errors`.
"""

from tierwise.db.audit import GENESIS, AuditLog, AuditProblem, VerifyReport
from tierwise.db.engine import DEFAULT_URL, URL_ENV, StateStore, resolve_url
from tierwise.db.errors import (
    AppendOnly,
    ImmutableRun,
    PublishRefused,
    RunNotFound,
    StateError,
    StateStoreError,
)

__all__ = [
    "DEFAULT_URL",
    "GENESIS",
    "URL_ENV",
    "AppendOnly",
    "AuditLog",
    "AuditProblem",
    "ImmutableRun",
    "PublishRefused",
    "RunNotFound",
    "StateError",
    "StateStore",
    "StateStoreError",
    "VerifyReport",
    "resolve_url",
]
