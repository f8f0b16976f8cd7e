"""The audit chain: it verifies, and `verify` names the first bad entry after any edit,
deletion, reordering or truncation done behind the store's back (triggers dropped, as an
attacker with the database owner's rights would)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tierwise.db.audit import GENESIS, AuditLog, VerifyReport, entry_hash
from tierwise.db.engine import StateStore
from tierwise.db.errors import AppendOnly

N = 8
FIELDS = ("at", "actor", "action", "object", "reason", "before", "after", "prev_hash", "hash")
DROP_TRIGGERS = {
    "sqlite": ("DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"),
    "postgresql": (
        "DROP TRIGGER audit_log_no_update ON audit_log",
        "DROP TRIGGER audit_log_no_delete ON audit_log",
    ),
}


def build_chain(store: StateStore, n: int = N) -> None:
    with store.session() as session:
        log = AuditLog(session)
        for i in range(1, n + 1):
            log.append(
                f"actor-{i % 3}",
                ("run", "publish", "decision", "override")[i % 4],
                f"run-buyin-mcn-2024-{i:02d}",
                reason=None if i % 5 == 0 else f"reason {i} — 原因",
                before=None if i == 1 else {"published": f"run-{i - 1}", "n": i},
                after={"published": f"run-{i}", "levels": ["V1", "V2"], "score": "412.50"},
            )


@contextmanager
def tampering(store: StateStore) -> Iterator[sa.Connection]:
    """A connection with the append-only triggers dropped; everything is rolled back."""
    with store.engine.connect() as connection:
        transaction = connection.begin()
        try:
            for statement in DROP_TRIGGERS[connection.dialect.name]:
                connection.exec_driver_sql(statement)
            yield connection
        finally:
            transaction.rollback()


def verify(connection: sa.Connection) -> VerifyReport:
    with Session(bind=connection) as session:
        return AuditLog(session).verify()


def sql(connection: sa.Connection, statement: str, **params: Any) -> None:
    connection.execute(sa.text(statement), params)


def row(connection: sa.Connection, seq: int) -> dict[str, Any]:
    found = connection.execute(sa.text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seq})
    return dict(found.mappings().one())


def rewrite(connection: sa.Connection, seq: int, **changes: Any) -> None:
    """Change an entry and give it a hash that matches its new fields."""
    fields = row(connection, seq) | changes
    fields["hash"] = entry_hash(*(fields[k] for k in ("seq", *FIELDS[:-1])))
    sql(
        connection,
        "UPDATE audit_log SET reason = :reason, hash = :hash WHERE seq = :seq",
        **fields,
    )


def swap(connection: sa.Connection, a: int, b: int) -> None:
    sql(connection, "UPDATE audit_log SET seq = -1 WHERE seq = :a", a=a)
    sql(connection, "UPDATE audit_log SET seq = :a WHERE seq = :b", a=a, b=b)
    sql(connection, "UPDATE audit_log SET seq = :b WHERE seq = -1", b=b)


def test_an_untouched_chain_verifies(store: StateStore) -> None:
    with store.session() as session:
        empty = AuditLog(session).verify()
    assert empty.ok and (empty.entries, empty.head_seq, empty.head_hash) == (0, 0, GENESIS)
    build_chain(store)
    with store.session() as session:
        log = AuditLog(session)
        report = log.verify()
        entries = log.entries()
    assert report.ok, report
    assert (report.entries, report.head_seq, report.head_hash) == (N, N, entries[-1].hash)
    assert str(report).startswith(f"audit log OK: {N} entries")
    assert report.to_dict()["first_bad"] is None
    assert [e.seq for e in entries] == list(range(1, N + 1))
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[0].at.endswith("Z") and entries[0].before is None
    assert entries[1].before == '{"n":2,"published":"run-1"}'


def test_the_database_and_the_session_refuse_edits(store: StateStore) -> None:
    build_chain(store, 2)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        sql(connection, "UPDATE audit_log SET actor = 'x' WHERE seq = 1")
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        sql(connection, "DELETE FROM audit_log WHERE seq = 2")
    with pytest.raises(AppendOnly), store.session() as session:
        AuditLog(session).entries()[0].actor = "mallory"
    with pytest.raises(AppendOnly), store.session() as session:
        session.delete(AuditLog(session).entries()[0])


def test_an_updated_field_is_the_first_bad_entry(store: StateStore) -> None:
    build_chain(store)
    with tampering(store) as connection:
        sql(connection, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 4")
        report = verify(connection)
    assert (report.ok, report.first_bad, report.problem) == (False, 4, "edited")
    assert "a field was changed" in report.detail
    assert str(report).startswith("audit log BROKEN at entry 4 (edited)")
    with tampering(store) as connection:
        sql(connection, "UPDATE audit_log SET hash = :h WHERE seq = 4", h="f" * 64)
        report = verify(connection)
    assert (report.first_bad, report.problem) == (4, "edited")
    assert "stored hash was changed" in report.detail


def test_a_deleted_middle_entry(store: StateStore) -> None:
    build_chain(store)
    with tampering(store) as connection:
        sql(connection, "DELETE FROM audit_log WHERE seq = 4")
        report = verify(connection)
    assert (report.ok, report.first_bad, report.problem) == (False, 4, "missing")
    assert "entry 4 is missing" in report.detail


def test_swapped_entries(store: StateStore) -> None:
    build_chain(store)
    with tampering(store) as connection:
        swap(connection, 3, 6)
        report = verify(connection)
    assert (report.first_bad, report.problem) == (3, "reordered")
    assert "written as entry 6" in report.detail
    with tampering(store) as connection:
        swap(connection, 5, 6)
        report = verify(connection)
    assert (report.first_bad, report.problem) == (5, "reordered")
    assert "written as entry 6" in report.detail


def test_a_truncated_tail(store: StateStore) -> None:
    build_chain(store)
    with tampering(store) as connection:
        sql(connection, "DELETE FROM audit_log WHERE seq > 5")
        report = verify(connection)
    assert (report.first_bad, report.problem, report.entries) == (6, "truncated", 5)
    assert f"entries 6–{N} were removed" in report.detail
    with tampering(store) as connection:
        sql(connection, "DELETE FROM audit_log")
        report = verify(connection)
    assert (report.first_bad, report.problem) == (1, "truncated")


def test_a_rewritten_entry_with_a_valid_hash_breaks_the_next_link(store: StateStore) -> None:
    build_chain(store)
    with tampering(store) as connection:
        rewrite(connection, 4, reason="rewritten")
        report = verify(connection)
    assert (report.first_bad, report.problem) == (5, "broken_link")
    with tampering(store) as connection:
        rewrite(connection, N, reason="rewritten")
        report = verify(connection)
    assert (report.first_bad, report.problem) == (N, "head_mismatch")


def test_entries_past_the_head_and_a_missing_head(store: StateStore) -> None:
    build_chain(store)
    with tampering(store) as connection:
        last = row(connection, N)
        forged = {
            "seq": N + 1,
            "at": last["at"],
            "actor": "mallory",
            "action": "publish",
            "object": "run-x",
            "reason": None,
            "before": None,
            "after": None,
            "prev_hash": last["hash"],
        }
        forged["hash"] = entry_hash(*(forged[k] for k in ("seq", *FIELDS[:-1])))
        sql(
            connection,
            "INSERT INTO audit_log (seq, at, actor, action, object, reason, before, after, "
            "prev_hash, hash) VALUES (:seq, :at, :actor, :action, :object, :reason, :before, "
            ":after, :prev_hash, :hash)",
            **forged,
        )
        report = verify(connection)
    assert (report.first_bad, report.problem) == (N + 1, "beyond_head")
    with tampering(store) as connection:
        sql(connection, "DELETE FROM audit_head")
        report = verify(connection)
    assert (report.first_bad, report.problem) == (None, "no_head")


Tampering = tuple[str, int, int, str]
_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=4,
)
tamperings: st.SearchStrategy[Tampering] = st.one_of(
    st.tuples(st.just("edit"), st.integers(1, N), st.integers(0, len(FIELDS) - 1), _text),
    st.tuples(st.just("delete"), st.integers(1, N), st.just(0), st.just("")),
    st.tuples(st.just("swap"), st.integers(1, N), st.integers(1, N - 1), st.just("")),
    st.tuples(st.just("truncate"), st.integers(1, N), st.just(0), st.just("")),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(tampering_=tamperings)
def test_any_tampering_of_any_entry_is_detected(store: StateStore, tampering_: Tampering) -> None:
    with store.session() as session:
        fresh = AuditLog(session).verify().entries == 0
    if fresh:
        build_chain(store)
    how, seq, arg, text = tampering_
    with tampering(store) as connection:
        if how == "edit":
            field = FIELDS[arg]
            old = row(connection, seq)[field]
            if field in ("prev_hash", "hash"):
                new = ("0" if old[0] != "0" else "1") + old[1:]
            else:
                new = text if old is None else old + text
            sql(connection, f"UPDATE audit_log SET {field} = :v WHERE seq = :s", v=new, s=seq)
            expected = seq
        elif how == "delete":
            sql(connection, "DELETE FROM audit_log WHERE seq = :s", s=seq)
            expected = seq
        elif how == "swap":
            other = arg if arg < seq else arg + 1
            swap(connection, seq, other)
            expected = min(seq, other)
        else:
            sql(connection, "DELETE FROM audit_log WHERE seq >= :s", s=seq)
            expected = seq
        report = verify(connection)
    assert not report.ok, (tampering_, report)
    assert report.first_bad == expected, (tampering_, report)
