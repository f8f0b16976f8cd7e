"""Live events in the state store: stored once each, read back by subject or day.

Idempotency is decided by the insert itself: `INSERT … ON CONFLICT (event_id) DO NOTHING
RETURNING event_id`, set-wise for the whole batch, in the transaction that answers the
sender — the ids it returns are new, the others were stored before. Only those others are
read again, to tell a resent event (same canonical text) from another event reusing its id.

On PostgreSQL the batch goes as one statement of fixed text whatever its size — the rows
as one JSON parameter (`json_to_recordset`), the days they touched marked for compaction
in the same statement — so the driver parses and the server plans it once (a multi-row
`VALUES` list is new text for every batch size, and long: the driver re-parses it each
time, which cost more than the database's own work; text arrays cost more still, the
driver escaping each JSON body in Python).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tierwise.db.engine import now
from tierwise.db.errors import StateError
from tierwise.db.models import LiveDayMark, LiveEventRecord
from tierwise.live.events import LiveEvent, canonical_text, event_from_text
from tierwise.live.notify import CHANNEL, NOTICE_BYTES, announce

#: Values bound in one `IN (…)` list.
CHUNK = 500
#: Bytes of the told events' texts before the last one starting in a notice.
NOTICE_PART = NOTICE_BYTES // 2
#: The PostgreSQL batch insert: new events stored (in the order sent), their days marked,
#: and the listeners told (`notify.py`'s notices, NOTIFY queued in this transaction):
#: the events' `[id, kind, subject]` texts in stored order, grouped by where each starts
#: in their concatenation — at most `:part` bytes in, so a notice stays under PostgreSQL's
#: limit while one item (ids of at most 256 characters) is under 2,200 bytes. The notices
#: are made only when a row comes back (the scalar subquery runs with the first row).
_FROM_JSON = sa.text(
    "WITH new AS ("
    " INSERT INTO live_events (event_id, kind, subject, at, day, digest, body, received_at)"
    " SELECT e.event_id, e.kind, e.subject, e.at, e.day, e.digest, e.body, :received_at"
    " FROM json_to_recordset(CAST(:rows AS json)) AS e (n integer, event_id text, kind text,"
    " subject text, at timestamptz, day date, digest text, body text)"
    " ORDER BY e.n"
    " ON CONFLICT (event_id) DO NOTHING RETURNING seq, event_id, kind, subject, day"
    "), marked AS ("
    " INSERT INTO live_day_marks (day) SELECT DISTINCT day FROM new ORDER BY day"
    "), items AS ("
    " SELECT seq, json_build_array(event_id, kind, subject)::text AS item FROM new"
    "), placed AS ("
    " SELECT seq, item, sum(octet_length(item) + 1) OVER (ORDER BY seq)"
    " - octet_length(item) - 1 AS start FROM items"
    "), told AS ("
    " SELECT pg_notify(:channel, '{\"events\":[' || string_agg(item, ',' ORDER BY seq) || ']}')"
    " FROM placed GROUP BY start / :part"
    ") SELECT event_id, (SELECT count(*) FROM told) FROM new"
).bindparams(sa.bindparam("received_at", type_=sa.DateTime(timezone=True)))


class EventConflict(StateError):
    """An event id already stored with other content (answered 409, nothing stored)."""


@dataclass(frozen=True)
class Accepted:
    """What a batch did: the ids stored now and those stored before (duplicates)."""

    stored: tuple[str, ...]
    duplicates: tuple[str, ...]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise StateError(f"live events need SQLite or PostgreSQL, not {dialect}")


class LiveEvents:
    """The live events of the session's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, events: Sequence[LiveEvent]) -> Accepted:
        """Store the events not stored before; tell listeners once committed.

        Raises `EventConflict` if an id comes with other content than stored (or twice in
        the batch with different content): the caller's transaction must then roll back."""
        received = now(self.session)
        rows: dict[str, dict[str, Any]] = {}
        for e in events:
            text = canonical_text(e)
            row = {
                "event_id": e.id,
                "kind": e.kind,
                "subject": e.subject,
                "at": e.at,
                "day": e.at.date(),
                "digest": digest(text),
                "body": text,
                "received_at": received,
            }
            held = rows.get(e.id)
            if held is not None and held["digest"] != row["digest"]:
                raise EventConflict(f"event {e.id!r} is twice in the batch with other content")
            rows[e.id] = row
        if not rows:
            return Accepted((), ())
        # on PostgreSQL the statement that stores the events also tells the listeners
        told_by_insert = self.session.get_bind().dialect.name == "postgresql"
        new = self._insert_json(rows, received) if told_by_insert else self._insert_rows(rows)
        repeated = [i for i in rows if i not in new]
        self._check_same(repeated, rows)
        stored = [r for i, r in rows.items() if i in new]
        told = [(r["event_id"], r["kind"], r["subject"]) for r in stored]
        announce(self.session, told, notified=told_by_insert)
        return Accepted(tuple(i for i in rows if i in new), tuple(repeated))

    def _insert_rows(self, rows: dict[str, dict[str, Any]]) -> set[str]:
        """Insert the new rows and mark their days (SQLite): the ids stored now."""
        insert = _insert(self.session, LiveEventRecord)
        statement = insert.on_conflict_do_nothing(index_elements=["event_id"]).returning(
            LiveEventRecord.event_id
        )
        new = set(self.session.scalars(statement, list(rows.values())))
        self._mark_days(sorted({r["day"] for i, r in rows.items() if i in new}))
        return new

    def _insert_json(self, rows: dict[str, dict[str, Any]], received: Any) -> set[str]:
        """The same in one statement of fixed text (PostgreSQL), the rows as one JSON
        parameter: the ids stored now."""
        records = [
            {
                "n": n,
                "event_id": r["event_id"],
                "kind": r["kind"],
                "subject": r["subject"],
                "at": r["at"].isoformat(),
                "day": r["day"].isoformat(),
                "digest": r["digest"],
                "body": r["body"],
            }
            for n, r in enumerate(rows.values())
        ]
        text = json.dumps(records, separators=(",", ":"))
        params = {"rows": text, "received_at": received, "channel": CHANNEL, "part": NOTICE_PART}
        return set(self.session.scalars(_FROM_JSON, params))

    def _check_same(self, ids: list[str], rows: dict[str, dict[str, Any]]) -> None:
        for at in range(0, len(ids), CHUNK):
            part = ids[at : at + CHUNK]
            query = sa.select(LiveEventRecord.event_id, LiveEventRecord.digest).where(
                LiveEventRecord.event_id.in_(part)
            )
            for event_id, stored_digest in self.session.execute(query):
                if stored_digest != rows[event_id]["digest"]:
                    raise EventConflict(f"event {event_id!r} was stored before with other content")

    def _mark_days(self, days: list[date]) -> None:
        """Mark the days as due for compaction (insert-only: no batch waits for another)."""
        if days:
            self.session.execute(sa.insert(LiveDayMark), [{"day": d} for d in days])

    def count(self) -> int:
        return int(
            self.session.scalar(sa.select(sa.func.count()).select_from(LiveEventRecord)) or 0
        )

    def of_subjects(self, subjects: Iterable[str]) -> list[LiveEvent]:
        """Every event about these lives, orders, products or violations, in stored order."""
        wanted = sorted(set(subjects))
        texts: list[tuple[int, str]] = []
        for at in range(0, len(wanted), CHUNK):
            query = sa.select(LiveEventRecord.seq, LiveEventRecord.body).where(
                LiveEventRecord.subject.in_(wanted[at : at + CHUNK])
            )
            texts += [(int(seq), str(body)) for seq, body in self.session.execute(query)]
        return [event_from_text(body) for _, body in sorted(texts)]

    def subjects_of_days(self, days: Iterable[date]) -> list[tuple[str, str]]:
        """(kind, subject) of the events of these UTC days."""
        wanted = sorted(set(days))
        query = (
            sa.select(LiveEventRecord.kind, LiveEventRecord.subject)
            .where(LiveEventRecord.day.in_(wanted))
            .distinct()
        )
        return [(str(k), str(s)) for k, s in self.session.execute(query)]

    def of_days(self, days: Iterable[date], kinds: Iterable[str]) -> list[LiveEvent]:
        """The events of these kinds on these UTC days, in stored order."""
        query = (
            sa.select(LiveEventRecord.body)
            .where(LiveEventRecord.day.in_(sorted(set(days))))
            .where(LiveEventRecord.kind.in_(sorted(set(kinds))))
            .order_by(LiveEventRecord.seq)
        )
        return [event_from_text(str(body)) for body in self.session.scalars(query)]

    def marks(
        self, before: date | None = None, days: Iterable[date] | None = None
    ) -> dict[date, list[int]]:
        """The compaction marks of the days before `before` (or of `days`), by day."""
        query = sa.select(LiveDayMark.day, LiveDayMark.id).order_by(LiveDayMark.id)
        if before is not None:
            query = query.where(LiveDayMark.day < before)
        if days is not None:
            query = query.where(LiveDayMark.day.in_(sorted(set(days))))
        found: dict[date, list[int]] = {}
        for day, mark in self.session.execute(query):
            found.setdefault(day, []).append(int(mark))
        return found

    def clear_marks(self, ids: Iterable[int]) -> None:
        """Delete exactly these marks (those read before folding): a mark added since
        keeps its day due."""
        wanted = sorted(set(ids))
        for at in range(0, len(wanted), CHUNK):
            part = wanted[at : at + CHUNK]
            self.session.execute(sa.delete(LiveDayMark).where(LiveDayMark.id.in_(part)))
