"""The PostgreSQL tests' server comes from $TIERWISE_TEST_PG_URL: a URL with a password is
kept whole for the databases the tests make, and a server that cannot be reached gives one
clear message (the password hidden), not a traceback per test."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests import conftest


def closed_port() -> int:
    """A local port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_server_fails_with_the_url_and_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"postgresql+psycopg://tierwise:s3cret@127.0.0.1:{closed_port()}/postgres"
    monkeypatch.setattr(conftest, "PG_ADMIN_URL", url)
    monkeypatch.setattr(conftest, "_pg_unreachable", [])

    with pytest.raises(pytest.fail.Exception) as first:
        conftest.pg_create_database()

    message = str(first.value)
    assert message.startswith(
        f"PostgreSQL at postgresql+psycopg://tierwise:***@127.0.0.1:{make_url(url).port}"
        "/postgres cannot be used ("
    )
    assert "refused" in message
    assert "$TIERWISE_TEST_PG_URL" in message
    assert '-m "not pg"' in message
    assert "s3cret" not in message
    assert "\n" not in message
    # The next test fails with the same words without trying the server again.
    monkeypatch.setattr(conftest, "_admin", lambda: pytest.fail("tried again"))
    with pytest.raises(pytest.fail.Exception) as second:
        conftest.pg_create_database()
    assert str(second.value) == message


@pytest.mark.pg
def test_a_password_in_the_url_reaches_the_test_databases(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = make_url(conftest.PG_ADMIN_URL)
    with_password = admin.set(password=admin.password or "s3cret")
    monkeypatch.setattr(
        conftest, "PG_ADMIN_URL", with_password.render_as_string(hide_password=False)
    )
    monkeypatch.setattr(conftest, "_pg_unreachable", [])

    url = conftest.pg_create_database()
    try:
        made = make_url(url)
        assert made.password == with_password.password
        assert (made.username, made.host, made.port) == (admin.username, admin.host, admin.port)
        assert made.database != admin.database
        assert made.database is not None and made.database.startswith("tierwise_test_")
        engine = sa.create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT current_database()").scalar() == (
                    made.database
                )
        finally:
            engine.dispose()
    finally:
        conftest.pg_drop_database(url)
