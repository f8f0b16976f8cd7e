"""The state store itself: migrations from empty, URLs, transactions, immutability guards."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

import tierwise.db as state
from tierwise.db.engine import StateStore, alembic_config, head_revision, resolve_url
from tierwise.db.errors import StateStoreError
from tierwise.db.models import Base
from tierwise.runs.repository import NewRun, Runs

TABLES = {
    "runs",
    "run_results",
    "run_awards",
    "publications",
    "restatements",
    "decisions",
    "audit_log",
    "audit_head",
    "outbox",
    "outbox_deliveries",
    "users",
    "credentials",
    "login_failures",
    "compass_requests",
    "compass_access_log",
    "signing_keys",
    "live_events",
    "live_day_marks",
    "registrations",
    "sanctions",
    "entered_facts",
    "excellence_selections",
}


def test_migrations_create_the_schema_from_empty(empty_url: str) -> None:
    engine = sa.create_engine(empty_url)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()
    with StateStore.open(empty_url) as store:
        assert store.revision() == head_revision() == "0009"
        names = set(sa.inspect(store.engine).get_table_names())
        assert names == TABLES | {"alembic_version"}
        with store.session() as session:
            head = state.AuditLog(session).head()
            assert head is not None and (head.seq, head.hash) == (0, state.GENESIS)
    # Opening again is a no-op; the schema matches the models (nothing to autogenerate).
    with StateStore.open(empty_url) as store:
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_back(empty_url: str) -> None:
    with StateStore.open(empty_url) as store:
        config = alembic_config(store.url)
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(sa.inspect(store.engine).get_table_names()) <= {"alembic_version"}
        assert store.revision() is None
        store.migrate()
        assert store.revision() == "0009"


def test_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIERWISE_STATE_URL", raising=False)
    assert resolve_url() == f"sqlite:///{tmp_path / 'tierwise-state.db'}"
    monkeypatch.setenv("TIERWISE_STATE_URL", "other.db")
    assert resolve_url() == f"sqlite:///{tmp_path / 'other.db'}"
    assert resolve_url("sqlite:///rel.db") == f"sqlite:///{tmp_path / 'rel.db'}"
    assert resolve_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert resolve_url("sqlite://") == "sqlite://"
    with pytest.raises(StateStoreError, match="cannot use"):
        StateStore.open("nope://somewhere")


def test_default_store_is_a_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIERWISE_STATE_URL", raising=False)
    with StateStore.open() as store:
        assert store.revision() == "0009"
    assert (tmp_path / "tierwise-state.db").is_file()


def test_an_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(StateStoreError, match="cannot open the state store"):
        StateStore.open("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")


def test_a_failing_transaction_leaves_nothing(store: StateStore) -> None:
    with pytest.raises(RuntimeError), store.session() as session:
        runs = Runs(session)
        runs.add(_run())
        assert runs.list() != []
        raise RuntimeError("crash half-way")
    with store.session() as session:
        assert Runs(session).list() == []
        assert state.AuditLog(session).entries() == []
        head = state.AuditLog(session).head()
        assert head is not None and head.seq == 0


def test_the_public_surface_is_curated() -> None:
    exported = {name for name in dir(state) if not name.startswith("_")}
    modules = {"audit", "engine", "entered", "errors", "models"}
    modules |= {"migrations"}
    assert exported - modules == set(state.__all__)


def _run() -> NewRun:
    return NewRun(
        program_id="buyin-mcn",
        program_version=1,
        definition_hash="d" * 64,
        data_fingerprint="f1",
        period="2024-09",
        generated_on=date(2024, 10, 1),
        actor="ops@tierwise",
    )


def test_a_first_read_while_a_writer_holds_the_lock_is_served(tmp_path: Path) -> None:
    """The portal's first read may come while the outbox sender writes: the file is in
    WAL mode from the moment the store opens, so that read neither waits nor fails."""
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        with store.engine.connect() as raw:
            assert raw.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        with store.session() as writing:  # BEGIN IMMEDIATE: the write lock is held
            writing.execute(sa.text("UPDATE runs SET status = status"))
            with store.reading() as reading:
                assert reading.execute(sa.text("SELECT count(*) FROM runs")).scalar() == 0
    finally:
        store.close()


def test_0008_keeps_the_stored_runs_and_admits_score_runs(empty_url: str) -> None:
    """0008 rebuilds `runs` on SQLite to admit the `scores` kind: a store at 0007 with a
    published run and its results upgrades with them intact, and a scores run is refused
    at 0007 but stored at 0008; downgrading drops the scores runs only."""
    with StateStore.open(empty_url) as store:
        config = alembic_config(store.url)
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
        with store.session() as session:
            run = Runs(session).add(_run())
            Runs(session).publish(run.id, "ops", "first")
        with pytest.raises(sa.exc.IntegrityError), store.session() as session:
            Runs(session).add(replace(_run(), kind="scores", period="2024-08"))
        store.migrate()
        assert store.revision() == "0009"
        with store.session() as session:
            runs = Runs(session)
            assert [r.status for r in runs.list("buyin-mcn")] == ["published"]
            scores = runs.add(replace(_run(), kind="scores", period="2024-08"))
            assert scores.kind == "scores"
            assert [r.period for r in runs.list("buyin-mcn")] == ["2024-08", "2024-09"]
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
        with store.session() as session:
            assert [r.period for r in Runs(session).list("buyin-mcn")] == ["2024-09"]
