"""Shared fixtures. `state_url` runs a test on both engines of the state store: a SQLite
file per test, and one throwaway PostgreSQL database per test session (random name,
migrated once, tables emptied before each test, dropped at the end)."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from tierwise.db.engine import StateStore
    from tierwise.store.engine import EventEngine
    from tierwise.testing.world import World

ENGINES = ("sqlite", "postgresql")
#: The server's maintenance database; the tests create (and drop) their own beside it.
PG_ADMIN_URL = os.environ.get(
    "TIERWISE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


#: Seconds to wait for the server: a host that drops packets fails the tests quickly.
PG_CONNECT_TIMEOUT = 5
#: Why the server could not be reached, once known: later tests fail at once with it.
_pg_unreachable: list[str] = []


def _admin() -> sa.Engine:
    return sa.create_engine(
        PG_ADMIN_URL,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": PG_CONNECT_TIMEOUT},
    )


def pg_unreachable_message(url: str, reason: str) -> str:
    """What a PostgreSQL test says when the server cannot be used (the password hidden)."""
    shown = make_url(url).render_as_string(hide_password=True)
    return (
        f"PostgreSQL at {shown} cannot be used ({reason}). Start the server "
        "(`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`), or "
        "point $TIERWISE_TEST_PG_URL at one (a user allowed to create databases, e.g. "
        "postgresql+psycopg://tierwise:secret@db.example:5432/postgres), or leave the "
        'PostgreSQL tests out with `-m "not pg"`.'
    )


def pg_create_database() -> str:
    """A new, empty PostgreSQL database with a random name; its URL (with the password of
    $TIERWISE_TEST_PG_URL, if it has one)."""
    if _pg_unreachable:
        pytest.fail(_pg_unreachable[0], pytrace=False)
    name = f"tierwise_test_{secrets.token_hex(6)}"
    admin = _admin()
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())
        _pg_unreachable.append(pg_unreachable_message(PG_ADMIN_URL, reason))
    finally:
        admin.dispose()
    if _pg_unreachable:  # outside `except`: the message alone, no chained tracebacks
        pytest.fail(_pg_unreachable[0], pytrace=False)
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def pg_drop_database(url: str) -> None:
    admin = _admin()
    try:
        with admin.connect() as connection:
            name = make_url(url).database
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The session's throwaway PostgreSQL database, migrated to head."""
    from tierwise.db.engine import StateStore

    url = pg_create_database()
    try:
        StateStore.open(url).close()
        yield url
    finally:
        pg_drop_database(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite state file migrated to head, copied for each test."""
    from tierwise.db.engine import StateStore

    path = tmp_path_factory.mktemp("state") / "template.db"
    StateStore.open(str(path)).close()
    return path


def _empty_postgresql(url: str) -> None:
    from tierwise.db.audit import GENESIS
    from tierwise.db.models import AuditHead, Base

    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            # TRUNCATE fires no row trigger: the append-only audit_log empties too.
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            connection.execute(sa.insert(AuditHead).values(id=1, seq=0, hash=GENESIS))
    finally:
        engine.dispose()


@pytest.fixture(params=ENGINES)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty state store at head, on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "state.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    _empty_postgresql(url)
    return url


@pytest.fixture
def pg_state_url(pg_database: str) -> str:
    """The PostgreSQL state store alone, empty (for tests that compare both engines)."""
    _empty_postgresql(pg_database)
    return pg_database


@pytest.fixture(params=ENGINES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with nothing in it, on each engine (PostgreSQL: a new one)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = pg_create_database()
    try:
        yield url
    finally:
        pg_drop_database(url)


@pytest.fixture
def store(state_url: str) -> Iterator[StateStore]:
    """An open state store on each engine, empty."""
    from tierwise.db.engine import StateStore

    opened = StateStore.open(state_url)
    try:
        yield opened
    finally:
        opened.close()


#: Fixtures that need the PostgreSQL server (directly or through the web tests' world).
_PG_FIXTURES = {"pg_database", "pg_state_url", "portal_setup"}
#: Modules whose tests take more than a few seconds each (kill -9 loops, 20,000-request
#: probes, schema fuzzing, the whole-world equivalence capture).
_SLOW_MODULES = {
    "test_run_killed.py",
    "test_cross_partner_probe.py",
    "test_compass_probe.py",
    "test_api_schema.py",
    "test_load_properties.py",
}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by what they need, so a developer can run a subset locally
    (`pytest -m "not browser and not slow"`, `-m "not pg"`); CI runs them all."""
    for item in items:
        path = Path(str(item.fspath))
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        params = list(callspec.params.values()) if callspec is not None else []
        if fixtures & _PG_FIXTURES or "postgresql" in params:
            item.add_marker(pytest.mark.pg)
        if "browser" in path.parts:
            item.add_marker(pytest.mark.browser)
        if path.name in _SLOW_MODULES or "browser" in path.parts:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_stores_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests name their stores themselves: `make` exports the demo's `$TIERWISE_DB` and
    `$TIERWISE_STATE_URL` (and a developer's shell may too), which must not leak into a
    command a test runs."""
    monkeypatch.delenv("TIERWISE_STATE_URL", raising=False)
    monkeypatch.delenv("TIERWISE_DB", raising=False)


# -- the event engines: every program and metric test on DuckDB and on Spark ---------------

#: Spark settings for tests: small data, two cores, one session for the whole test run.
#: (Turning off adaptive execution, broadcasts or code generation did not make the small
#: plans measurably cheaper: Spark's defaults otherwise.)
SPARK_TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.driver.memory": "1g",
}


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """One local Spark session (`local[2]`) for every Spark test of the run."""
    from tierwise.store.spark import spark_session as start

    session = start("local[2]", SPARK_TEST_CONF)
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


#: The engines a world is evaluated on; Spark's tests carry the `spark` marker.
EVENT_ENGINES = ("duckdb", pytest.param("spark", marks=pytest.mark.spark))


@pytest.fixture(scope="session", params=EVENT_ENGINES)
def on(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[World], EventEngine]:
    """`on(world)`: the world's tables on the engine under test (DuckDB: its connection;
    Spark: the world written to Parquet and read back as the canonical views), the way Ibis
    runs one test suite against every backend."""
    from tierwise.store.engine import DuckDBEngine

    if request.param == "duckdb":
        return lambda world: DuckDBEngine(world.con)
    from tierwise.store.spark import SparkEngine

    session = request.getfixturevalue("spark_session")

    def on_spark(world: World) -> EventEngine:
        folder = world.to_parquet(tmp_path_factory.mktemp("world"))
        return SparkEngine.over(session, str(folder))

    return on_spark
