"""Text the state store cannot hold (issue 16.6): a NUL character is refused on both
engines alike, as an error of the project's tree, and the store stays usable."""

from __future__ import annotations

import pytest

from tierwise.core.errors import StateError
from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore
from tierwise.db.errors import UnstorableText


def test_a_nul_in_stored_text_is_a_state_error_on_both_engines(store: StateStore) -> None:
    with pytest.raises(UnstorableText) as caught, store.session() as session:
        AuditLog(session).append("ops1", "publish", "run-mcn\x00-1", reason="September close")
    assert isinstance(caught.value, StateError)
    assert "NUL" in str(caught.value)
    with store.session() as session:
        AuditLog(session).append("ops1", "publish", "run-mcn-1", reason="September close")
    with store.session() as session:
        report = AuditLog(session).verify()
    assert report.ok and report.entries == 1, report


def test_a_nul_in_many_rows_at_once_is_refused(store: StateStore) -> None:
    import sqlalchemy as sa

    with pytest.raises(UnstorableText), store.engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO login_failures (login, at) VALUES (:login, :at)"),
            [{"login": "a", "at": "2024-01-01"}, {"login": "b\x00", "at": "2024-01-01"}],
        )
