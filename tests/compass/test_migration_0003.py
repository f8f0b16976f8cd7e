"""Revision 0003 on both engines: from 0002 it adds the two Data Compass tables and
nothing else, and going back to 0002 removes exactly them, keeping the rows of 0002's."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from tierwise.accounts import Accounts, NewUser
from tierwise.db.engine import StateStore, alembic_config

COMPASS = {"compass_requests", "compass_access_log"}


def _to(store: StateStore, verb: str, revision: str) -> None:
    config = alembic_config(store.url)
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)


def test_0003_adds_and_removes_only_the_compass_tables(empty_url: str) -> None:
    with StateStore.open(empty_url, migrate=False) as store:
        store.migrate("0002")
        before = set(sa.inspect(store.engine).get_table_names())
        assert not before & COMPASS
        with store.session() as session:
            Accounts(session).add(NewUser("op", "Olga", "operator"), "correct horse battery")
        store.migrate("0003")
        assert set(sa.inspect(store.engine).get_table_names()) == before | COMPASS
        assert store.revision() == "0003"
        _to(store, "downgrade", "0002")
        assert set(sa.inspect(store.engine).get_table_names()) == before
        with store.session() as session:
            assert Accounts(session).by_login("op") is not None
