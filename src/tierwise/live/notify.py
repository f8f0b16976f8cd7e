"""Telling whoever fans live events out (a live screen's stream) that some were stored.

After a batch commits, listeners hear which events it stored, as JSON text
`{"events": [[event_id, kind, subject], …]}` — split into several notices under
PostgreSQL's 8,000-byte limit when the batch is large:

- on PostgreSQL, `NOTIFY live_events, '<notice>'` inside the batch's own transaction (sent
  by `LiveEvents.add`'s insert statement itself, in the same form): the server delivers it
  to every `LISTEN live_events` connection (every serving worker) when, and only if, the
  transaction commits;
- in this process, on both engines, `SIGNAL` calls its subscribers after the commit (on
  SQLite, where there is no NOTIFY, the one way a worker learns of its own batches).

A notice says what changed, not the new numbers: a listener reads them from the store.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

CHANNEL = "live_events"
#: Bytes of one notice at most (PostgreSQL refuses a payload of 8,000 bytes or more).
NOTICE_BYTES = 7_900
log = logging.getLogger("tierwise.live")

Listener = Callable[[str], None]
Stored = tuple[str, str, str]


class Signal:
    """Subscribers called, in the committing thread, with each notice."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every notice from now on; returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def send(self, notices: Sequence[str]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            for notice in notices:
                try:
                    listener(notice)
                except Exception:  # one broken listener must not fail the sender's answer
                    log.exception("a live-event listener failed")


SIGNAL = Signal()


def notices(stored: Sequence[Stored]) -> Iterator[str]:
    """The notices telling of `stored` events, each under `NOTICE_BYTES` (each event's JSON
    made once, for its size and its notice; a batch that fits in one notice, at once)."""
    whole = json.dumps({"events": [list(item) for item in stored]}, separators=(",", ":"))
    if len(whole) < NOTICE_BYTES and whole.isascii():  # then characters are bytes
        yield whole
        return
    part: list[str] = []
    size = len(_EMPTY)
    for item in stored:
        text = json.dumps(list(item), separators=(",", ":"))
        cost = len(text.encode()) + 1
        if part and size + cost > NOTICE_BYTES:
            yield _notice(part)
            part, size = [], len(_EMPTY)
        part.append(text)
        size += cost
    if part:
        yield _notice(part)


_EMPTY = '{"events":[]}'


def _notice(part: Sequence[str]) -> str:
    """`{"events":[…]}` of the events' JSON texts (as `json.dumps` of the whole writes it)."""
    return '{"events":[' + ",".join(part) + "]}"


def announce(session: Session, stored: Sequence[Stored], *, notified: bool = False) -> None:
    """Queue the notices of `stored` events: NOTIFY in the transaction (PostgreSQL; unless
    `notified`: the statement that stored them did, as `LiveEvents.add` does), and the
    in-process signal once it commits."""
    if not stored:
        return
    texts = list(notices(stored))
    if session.get_bind().dialect.name == "postgresql" and not notified:
        for text in texts:
            session.execute(sa.select(sa.func.pg_notify(CHANNEL, text)))

    def after_commit(_: Session) -> None:
        SIGNAL.send(texts)

    event.listen(session, "after_commit", after_commit, once=True)
