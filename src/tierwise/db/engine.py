"""The state store: one engine (SQLite by default, PostgreSQL in production), migrated to
the head revision on open, and sessions that commit or roll back as a whole.

    store = StateStore.open()                  # $TIERWISE_STATE_URL or ./tierwise-state.db
    with store.session() as session:           # one transaction: all of it or nothing
        run = Runs(session).add(new_run)

SQLite runs every transaction as `BEGIN IMMEDIATE` (writers queue instead of failing
half-way, and DDL is transactional too); PostgreSQL takes a lock where a read decides a
write: the row's (the audit head), or, where there may be no row yet, the object's
advisory lock (`hold_until_commit`: a publication, a run, a login, a program's outbox).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tierwise.db.errors import AppendOnly, ImmutableRun, StateStoreError, UnstorableText
from tierwise.db.models import AuditEntry, RecordedDecision, Restatement, Run, RunAward, RunResult

DEFAULT_URL = "sqlite:///tierwise-state.db"
URL_ENV = "TIERWISE_STATE_URL"
MIGRATIONS = "tierwise.db:migrations"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def resolve_url(url: str | None = None) -> str:
    """The URL to open: `url`, else `$TIERWISE_STATE_URL`, else `./tierwise-state.db`.

    A bare path is a SQLite file; a relative SQLite path is made absolute (against the
    working directory now); `postgresql://` gets the psycopg (3) driver."""
    text = url or os.environ.get(URL_ENV) or DEFAULT_URL
    if "://" not in text:
        text = "sqlite:///" + str(Path(text).expanduser().absolute())
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise StateStoreError(f"not a database URL: {text!r} ({exc})") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        database = str(parsed.database)
        if not database.startswith("file:"):
            parsed = parsed.set(database=str(Path(database).expanduser().absolute()))
    return parsed.render_as_string(hide_password=False)


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy's "begin" event open transactions (pysqlite would not for DDL or reads).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_read_connect(dbapi_connection: Any, connection_record: Any) -> None:
    _sqlite_connect(dbapi_connection, connection_record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


def _sqlite_read_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _sqlite_file(url: str) -> bool:
    parsed: URL = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def use_write_ahead_log(url: str, engine: Engine) -> None:
    """Put a SQLite file in WAL mode, once, when the store opens: before any writer runs.
    Switching later fails at once ("database is locked", no busy wait: SQLite refuses to
    upgrade a reader's lock while another connection holds the write lock)."""
    if not _sqlite_file(url):
        return
    raw = engine.raw_connection()  # outside the "begin" event: WAL cannot start in one
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
    finally:
        raw.close()


def reader_for(url: str, engine: Engine) -> Engine:
    """The engine for read-only units of work. On SQLite a deferred, query-only
    transaction over the write-ahead log (set when the store opened), so readers neither
    wait for a writer nor block one; elsewhere the store's own engine."""
    if not _sqlite_file(url):
        return engine
    parsed: URL = make_url(url)
    reader = sa.create_engine(
        parsed,
        connect_args={"timeout": 30, "check_same_thread": False},
        pool_size=10,
        max_overflow=30,
    )
    event.listen(reader, "connect", _sqlite_read_connect)
    event.listen(reader, "begin", _sqlite_read_begin)
    return reader


def _has_nul(parameters: Any) -> bool:
    if isinstance(parameters, str):
        return "\x00" in parameters
    if isinstance(parameters, dict):
        return any(_has_nul(v) for v in parameters.values())
    if isinstance(parameters, list | tuple):
        return any(_has_nul(v) for v in parameters)
    return False


def _refuse_nul(
    connection: sa.Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> None:
    """Refuse a NUL in any text sent to the store, on both engines alike, as an error of
    the project's tree: psycopg would raise its own `DataError` from deep in a run."""
    if _has_nul(parameters):
        raise UnstorableText("text with a NUL character cannot be stored in the state store")


def engine_for(url: str) -> Engine:
    """An engine configured for the state store (the one place that knows the engines)."""
    parsed: URL = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        # Sized for the portal: its thread pool (see `web/app.py`) never asks for more.
        engine = sa.create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=30)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def alembic_config(url: str) -> Config:
    """Alembic's configuration for the migrations shipped in the package (no ini file)."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _refuse_edits(session: Session, flush_context: Any, instances: Any) -> None:
    """Runs, their results and awards, decisions, restatements and audit entries are
    records: written once, never changed through a session (a run's status excepted)."""
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AppendOnly(f"audit entry {obj.seq} cannot be deleted: the log is append-only")
        if isinstance(obj, Run | RunResult | RunAward | RecordedDecision | Restatement):
            raise ImmutableRun(f"{type(obj).__name__} records are never deleted")
    for obj in session.dirty:
        if not session.is_modified(obj):
            continue
        if isinstance(obj, AuditEntry):
            raise AppendOnly(f"audit entry {obj.seq} cannot be edited: the log is append-only")
        if isinstance(obj, Run):
            state = sa.inspect(obj)
            changed = sorted(
                attr.key
                for attr in state.attrs
                if attr.key in Run.__table__.columns and attr.key != "status"
                if attr.history.has_changes()
            )
            if changed:
                raise ImmutableRun(
                    f"run {obj.id} is immutable ({', '.join(changed)} changed): "
                    "a changed input gives a new run"
                )
        elif isinstance(obj, RunResult | RunAward | RecordedDecision | Restatement):
            raise ImmutableRun(f"{type(obj).__name__} records are immutable once stored")


class StateStore:
    """The state store at one URL; `session()` is the unit of work."""

    def __init__(self, url: str, engine: Engine, clock: Clock = utc_now) -> None:
        self.url = url
        self.engine = engine
        self.clock = clock
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        event.listen(self._sessions, "before_flush", _refuse_edits)
        self._reader: Engine | None = None
        self._readers: sessionmaker[Session] | None = None

    @classmethod
    def open(
        cls, url: str | None = None, *, migrate: bool = True, clock: Clock | None = None
    ) -> StateStore:
        """Open (and by default migrate to head) the store at `url` or the default."""
        resolved = resolve_url(url)
        try:
            engine = engine_for(resolved)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise StateStoreError(f"cannot use {resolved!r} as the state store: {exc}") from exc
        store = cls(resolved, engine, clock or utc_now)
        try:
            with store.engine.connect():
                pass
            use_write_ahead_log(store.url, store.engine)
            if migrate:
                store.migrate()
        except SQLAlchemyError as exc:
            store.close()
            raise StateStoreError(
                f"cannot open the state store at {store.display_url}: {exc}"
            ) from exc
        return store

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def migrate(self, revision: str = "head") -> None:
        """`alembic upgrade` in one transaction (a failed migration leaves nothing)."""
        config = alembic_config(self.url)
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def revision(self) -> str | None:
        """The schema revision the database is at (None: empty)."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        Pass the session to every repository of the unit of work; do not open a second
        session inside one (on SQLite it would wait for the first's write lock, then fail)."""
        with self._sessions.begin() as session:
            session.info["clock"] = self.clock
            yield session

    def read_session(self) -> Session:
        """A read-only session that connects on its first query (so making one does no
        I/O) and never takes the write lock; the caller closes it. Only the first call
        touches the database, to set up the readers' engine."""
        if self._readers is None:
            self._reader = reader_for(self.url, self.engine)
            self._readers = sessionmaker(bind=self._reader, expire_on_commit=False)
        session = self._readers()
        session.info["clock"] = self.clock
        return session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work (the portal's requests)."""
        with self.read_session() as session:
            yield session

    def close(self) -> None:
        if self._reader is not None and self._reader is not self.engine:
            self._reader.dispose()
        self.engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def now(session: Session) -> datetime:
    """The store's clock (tests freeze it), as an aware UTC timestamp."""
    clock: Clock = session.info.get("clock", utc_now)
    return clock().astimezone(UTC)


def lock_key(*name: str) -> int:
    """A signed 64-bit key for PostgreSQL's advisory locks, from an object's name
    (`"publication", program_id, period`)."""
    digest = hashlib.sha256("\x00".join(name).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def hold_until_commit(session: Session, *name: str) -> None:
    """Hold the lock of the object `name` until the session's transaction ends, for a
    check-then-act on it (does a publication exist? is this login taken?): a second
    writer waits for the first to commit and then sees what it wrote.

    PostgreSQL: a transaction-scoped advisory lock (there may be no row to lock yet).
    SQLite: nothing to do, a write session already holds the database's one write lock.
    Take it before the read that decides the write; take several in one fixed order."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key(*name))))
