"""Check-then-act on shared state, raced: two sessions both make the check before either
acts. The loser gets the answer it would get one after the other — the stored run, the
refusal, the existing login — never an `IntegrityError`.

Each racer pauses once, right after the read that decides its write, until the other has
read too. Where the check is serialised (a lock taken before the read), the other racer is
waiting on that lock instead: the pause gives up after `PATIENCE` and the first goes on.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.test_state_outbox import BUYIN, buyin_notices
from tests.test_state_runs import ACTOR, new_run, result
from tierwise.accounts.service import Accounts, NewUser
from tierwise.core.errors import AccountError
from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore
from tierwise.db.errors import PublishRefused
from tierwise.db.models import OutboxMessage, Publication, Restatement, Run, User
from tierwise.outbox.repository import Outbox
from tierwise.runs.repository import Runs

T = TypeVar("T")
RACERS = 2
#: How long a racer waits after its check for the others to make theirs.
PATIENCE = 1.5


@contextmanager
def pause_after(store: StateStore, check: str) -> Iterator[None]:
    """Pause each thread once after its first statement matching `check` (a regex over the
    SQL), until every racer has passed its own check or `PATIENCE` runs out."""
    barrier = threading.Barrier(RACERS)
    paused = threading.local()
    pattern = re.compile(check, re.IGNORECASE | re.DOTALL)

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if getattr(paused, "done", False) or not pattern.search(statement):
            return
        paused.done = True
        with suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=PATIENCE)

    event.listen(store.engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(store.engine, "after_cursor_execute", after)


def race(store: StateStore, check: str, acts: list[Callable[[Session], T]]) -> list[T | Exception]:
    """Run each act in its own session and thread at once; what each returned or raised."""

    def one(act: Callable[[Session], T]) -> T | Exception:
        try:
            with store.session() as session:
                return act(session)
        except Exception as exc:  # the outcome is what the test compares
            return exc

    with pause_after(store, check), ThreadPoolExecutor(len(acts)) as pool:
        return list(pool.map(one, acts))


def count(store: StateStore, model: type[Any]) -> int:
    with store.session() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def audit_actions(store: StateStore) -> list[str]:
    with store.session() as session:
        log = AuditLog(session)
        assert log.verify().ok
        return [e.action for e in log.entries()]


# -- 1. the first publication of a program and period ----------------------------------------


def test_two_first_publications_of_a_period_at_once_leave_one_published(
    store: StateStore,
) -> None:
    """Two runs of one period, neither published, published at once: as one after the
    other, the later supersedes the earlier; one publication, no error."""
    with store.session() as session:
        runs = Runs(session)
        ids = [runs.add(new_run()).id, runs.add(new_run(fingerprint="data-2")).id]

    def publisher(run_id: str) -> Callable[[Session], str]:
        return lambda session: Runs(session).publish(run_id, ACTOR, "at once").run_id

    outcomes = race(store, r"FROM publications", [publisher(run_id) for run_id in ids])
    assert sorted(map(str, outcomes)) == sorted(ids), outcomes
    with store.session() as session:
        runs = Runs(session)
        statuses = sorted(runs.get(run_id).status for run_id in ids)
        published = runs.published_run("buyin-mcn", "2024-09")
        assert statuses == ["published", "superseded"]
        assert published is not None and published.status == "published"
    assert count(store, Publication) == 1
    assert audit_actions(store) == ["run", "run", "publish", "publish"]


def test_one_run_published_twice_at_once_is_refused_once(store: StateStore) -> None:
    with store.session() as session:
        run_id = Runs(session).add(new_run()).id
    outcomes = race(
        store,
        r"FROM publications",
        [lambda s: Runs(s).publish(run_id, ACTOR, "at once").run_id] * RACERS,
    )
    refusals = [o for o in outcomes if isinstance(o, Exception)]
    assert outcomes.count(run_id) == 1, outcomes
    assert len(refusals) == 1 and isinstance(refusals[0], PublishRefused), outcomes
    assert "already published" in str(refusals[0])
    assert audit_actions(store) == ["run", "publish"]


# -- 2. the same run stored twice ------------------------------------------------------------


def test_the_same_run_stored_twice_at_once_is_stored_once(store: StateStore) -> None:
    new = new_run()
    outcomes = race(
        store, r"FROM runs\s+WHERE runs.program_id", [lambda s: Runs(s).add(new).id] * 2
    )
    assert outcomes == [new.id, new.id], outcomes
    assert count(store, Run) == 1
    assert audit_actions(store) == ["run"]


def test_a_restatement_recorded_twice_at_once_is_recorded_once(store: StateStore) -> None:
    """Two `appeals apply` at once both restate the period: the second reuses the
    restatement run (same inputs) and so its record too."""
    with store.session() as session:
        runs = Runs(session)
        original = runs.add(new_run())
        runs.publish(original.id, ACTOR, "September")
    restated = new_run(
        fingerprint="data-appeal",
        kind="restatement",
        restates=original.id,
        results=(result("P1", "2024-09", "V3"), result("P2", "2024-09", "V3")),
    )

    def restate(session: Session) -> tuple[str, str]:
        runs = Runs(session)
        run = runs.add(restated)
        record = runs.record_restatement(original.id, run.id, ACTOR, "appeal", {"P1": 1})
        return record.from_run, record.to_run

    outcomes = race(store, r"FROM runs\s+WHERE runs.program_id", [restate] * RACERS)
    assert outcomes == [(original.id, restated.id)] * RACERS, outcomes
    assert count(store, Restatement) == 1
    assert audit_actions(store) == ["run", "publish", "run", "restatement"]


# -- 3. one login added twice ----------------------------------------------------------------


def test_one_login_added_twice_at_once_is_taken_once(store: StateStore) -> None:
    new = NewUser(login="ops", name="Operations", role="operator")
    outcomes = race(
        store,
        r"FROM users\s+WHERE users.login",
        [lambda s: Accounts(s).add(new, "a long password").login] * RACERS,
    )
    refusals = [o for o in outcomes if isinstance(o, Exception)]
    assert outcomes.count("ops") == 1, outcomes
    assert len(refusals) == 1 and isinstance(refusals[0], AccountError), outcomes
    assert str(refusals[0]) == "login 'ops' is taken"
    assert count(store, User) == 1


# -- 4. the same notices queued twice --------------------------------------------------------


def test_the_same_notices_queued_twice_at_once_are_queued_once(store: StateStore) -> None:
    """A publication and a retried reminder job queue the same notices at once: each
    message once, by whichever came first."""
    notices = buyin_notices()
    outcomes = race(
        store,
        r"FROM outbox\s+WHERE outbox.dedupe_key",
        [lambda s: len(Outbox(s).add_notices(BUYIN, notices, {"P1": "CN"}))] * RACERS,
    )
    assert sorted(map(str, outcomes)) == ["0", str(len(notices))], outcomes
    assert count(store, OutboxMessage) == len(notices)


def test_with_no_lock_both_racers_check_before_either_acts(pg_state_url: str) -> None:
    """The harness itself: a read nothing serialises is made by both racers first."""

    def look(session: Session) -> int:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Publication)) or 0)

    with StateStore.open(pg_state_url) as store:
        assert race(store, r"FROM publications", [look] * RACERS) == [0] * RACERS
