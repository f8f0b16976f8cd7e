"""The audit log: every run, publish, decision, override and restatement, with actor, time,
reason, before and after; append-only and SHA-256 hash-chained.

Each entry's hash covers the canonical JSON of `[seq, at, actor, action, object, reason,
before, after, prev_hash]`; `prev_hash` is the previous entry's hash (`GENESIS` for the
first). The one-row `audit_head` holds the last seq and hash, updated in the same
transaction as the append, so a cut tail still shows. `verify()` walks the chain and names
the FIRST bad entry:

======================================  =============  ====================================
tampering                               problem        first_bad
======================================  =============  ====================================
a field of entry k updated              edited         k
entry k's hash rewritten                edited         k
entry k deleted (k not last)            missing        k
two entries' seq swapped (a < b)        reordered      a (the entry there was written as b)
entry k rewritten with a valid hash     broken_link    k + 1 (its prev_hash no longer links)
the tail after k cut                    truncated      k + 1 (the head still names the end)
the last entry rewritten, head not      head_mismatch  the last seq
entries appended past the head          beyond_head    head seq + 1
the head row deleted                    no_head        None
======================================  =============  ====================================

Out of reach: an attacker who rewrites the whole chain from some entry AND the head. Record
`VerifyReport.head_hash` elsewhere (a ticket, a mail) to anchor the chain at that point.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from tierwise.core.canonical import canonical_json, sha256_hex
from tierwise.db.engine import now
from tierwise.db.errors import StateError
from tierwise.db.models import AuditEntry, AuditHead

#: The prev_hash of the first entry, and the head hash of an empty log.
GENESIS = "0" * 64

AuditProblem = Literal[
    "edited",
    "missing",
    "reordered",
    "broken_link",
    "truncated",
    "head_mismatch",
    "beyond_head",
    "no_head",
]


def format_at(moment: datetime) -> str:
    """UTC, microseconds, `Z`: the same text on every engine."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    object: str,
    reason: str | None,
    before: str | None,
    after: str | None,
    prev_hash: str,
) -> str:
    """The hash of one entry's fields and the previous hash."""
    return sha256_hex([seq, at, actor, action, object, reason, before, after, prev_hash])


def _hash_of(entry: AuditEntry, seq: int | None = None) -> str:
    return entry_hash(
        entry.seq if seq is None else seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.object,
        entry.reason,
        entry.before,
        entry.after,
        entry.prev_hash,
    )


@dataclass(frozen=True)
class Unreadable:
    """An entry the driver cannot hand back (SQLite text that is not UTF-8): tampered with."""

    seq: int


#: Every hashed field is text; `reason`, `before` and `after` may also be null.
_TEXT_FIELDS = ("at", "actor", "action", "object", "reason", "before", "after", "prev_hash")
_NULLABLE = frozenset({"reason", "before", "after"})


def undecodable(entry: AuditEntry | Unreadable) -> str | None:
    """What makes an entry impossible to hash (None: every field is text as written).

    A field rewritten as a BLOB or a number, or as bytes that are not UTF-8, cannot have been
    written by `append`; it is reported as an edit of that entry, never raised."""
    if isinstance(entry, Unreadable):
        return "a field is not text (bytes that are not UTF-8)"
    for name in (*_TEXT_FIELDS, "hash"):
        value = getattr(entry, name)
        if not isinstance(value, str) and not (value is None and name in _NULLABLE):
            return f"{name} is not text ({type(value).__name__})"
    return None


@dataclass(frozen=True)
class VerifyReport:
    """What `verify` found: ok, or the first bad entry and what is wrong with it."""

    ok: bool
    #: Entries read.
    entries: int
    head_seq: int | None
    head_hash: str | None
    #: The seq of the first bad entry (for `missing`/`truncated`: the first absent seq).
    first_bad: int | None = None
    problem: AuditProblem | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "first_bad": self.first_bad,
            "problem": self.problem,
            "detail": self.detail,
        }

    def __str__(self) -> str:
        if self.ok:
            return f"audit log OK: {self.entries} entries, head {self.head_seq} {self.head_hash}"
        where = "" if self.first_bad is None else f" at entry {self.first_bad}"
        return f"audit log BROKEN{where} ({self.problem}): {self.detail}"


def _against_head(
    count: int, last: int, head: AuditHead | None, hash_at_head: str | None
) -> VerifyReport:
    """The verdict on an intact chain of `count` entries ending at `last`, against the
    head row (which catches a cut tail, a rewritten last entry and entries appended past
    it)."""
    if head is None:
        return VerifyReport(
            False,
            count,
            None,
            None,
            None,
            "no_head",
            "the audit_head row is missing: truncation of the "
            f"log cannot be ruled out (the chain itself is intact up to entry {last})",
        )

    def bad(seq: int, problem: AuditProblem, detail: str) -> VerifyReport:
        return VerifyReport(False, count, head.seq, head.hash, seq, problem, detail)

    if head.seq > last:
        return bad(
            last + 1,
            "truncated",
            f"the head names entry {head.seq} but the log ends at entry {last}: entries "
            f"{last + 1}–{head.seq} were removed",
        )
    if hash_at_head != head.hash:
        return bad(
            head.seq,
            "head_mismatch",
            f"entry {head.seq}'s hash is not the head's: it was rewritten after it was appended",
        )
    if head.seq < last:
        return bad(
            head.seq + 1,
            "beyond_head",
            f"entries {head.seq + 1}–{last} come after the head (entry {head.seq}): "
            "appended outside the store",
        )
    return VerifyReport(True, count, head.seq, head.hash)


class AuditLog:
    """The audit log of the session's database; appends join the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(
        self,
        actor: str,
        action: str,
        object: str,
        *,
        reason: str | None = None,
        before: Any = None,
        after: Any = None,
    ) -> AuditEntry:
        """Add the next entry; `before`/`after` are any JSON-able values (None: nothing).

        Call it inside the transaction of the change it records: both commit or neither."""
        if not actor.strip():
            raise StateError("an audit entry needs an actor")
        head = self._head(lock=True)
        if head is None:
            raise StateError("the audit head is missing: run `tierwise audit verify`")
        entry = AuditEntry(
            seq=head.seq + 1,
            at=format_at(now(self.session)),
            actor=actor,
            action=action,
            object=object,
            reason=reason,
            before=None if before is None else canonical_json(before),
            after=None if after is None else canonical_json(after),
            prev_hash=head.hash,
        )
        entry.hash = _hash_of(entry)
        self.session.add(entry)
        head.seq, head.hash = entry.seq, entry.hash
        self.session.flush()
        return entry

    def entries(
        self, *, since: int = 0, object: str | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        """Entries after seq `since`, oldest first, optionally about one object."""
        query = sa.select(AuditEntry).where(AuditEntry.seq > since).order_by(AuditEntry.seq)
        if object is not None:
            query = query.where(AuditEntry.object == object)
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.scalars(query))

    def head(self) -> AuditHead | None:
        return self._head(lock=False)

    def _head(self, *, lock: bool) -> AuditHead | None:
        query = sa.select(AuditHead).where(AuditHead.id == 1)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def _stream(self, chunk: int = 1000) -> Iterator[AuditEntry | Unreadable]:
        """Every entry by seq, a chunk at a time (no cursor left open between chunks); a
        chunk the driver cannot decode is read again entry by entry to name the bad one."""
        after: int | None = None
        while True:
            query = sa.select(AuditEntry).order_by(AuditEntry.seq).limit(chunk)
            seqs = sa.select(AuditEntry.seq).order_by(AuditEntry.seq).limit(chunk)
            if after is not None:
                query = query.where(AuditEntry.seq > after)
                seqs = seqs.where(AuditEntry.seq > after)
            rows: list[AuditEntry | Unreadable]
            try:
                rows = list(self.session.scalars(query))
            except sa.exc.DBAPIError:
                rows = [self._entry(seq) for seq in self.session.scalars(seqs)]
            yield from rows
            if len(rows) < chunk:
                return
            after = rows[-1].seq

    def _entry(self, seq: int) -> AuditEntry | Unreadable:
        try:
            return self.session.scalars(sa.select(AuditEntry).where(AuditEntry.seq == seq)).one()
        except sa.exc.DBAPIError:
            return Unreadable(seq)

    def _seq_with(
        self, column: InstrumentedAttribute[str], value: str, other_than: int
    ) -> int | None:
        query = sa.select(AuditEntry.seq).where(column == value, AuditEntry.seq != other_than)
        return self.session.scalars(query.limit(1)).first()

    def verify(self) -> VerifyReport:
        """Recompute the chain from the first entry; report the first bad one."""
        head = self.head()
        head_seq = None if head is None else head.seq
        head_hash = None if head is None else head.hash

        def bad(count: int, seq: int | None, problem: AuditProblem, detail: str) -> VerifyReport:
            return VerifyReport(False, count, head_seq, head_hash, seq, problem, detail)

        count, expected, prev = 0, 1, GENESIS
        hash_at_head: str | None = GENESIS if head_seq == 0 else None
        for entry in self._stream():
            count += 1
            if entry.seq != expected:
                gap = f"{expected}" if entry.seq == expected + 1 else f"{expected}–{entry.seq - 1}"
                return bad(
                    count,
                    expected,
                    "missing",
                    f"entry {gap} is missing (deleted or renumbered): the log goes from "
                    f"entry {expected - 1} to entry {entry.seq}",
                )
            wrong = undecodable(entry)
            if wrong is not None:
                detail = f"entry {entry.seq} does not match its hash: {wrong}"
                return bad(count, entry.seq, "edited", detail)
            assert isinstance(entry, AuditEntry)
            recomputed = _hash_of(entry)
            if recomputed != entry.hash:
                return bad(count, entry.seq, *self._diagnose(entry, prev, recomputed, head))
            if entry.prev_hash != prev:
                return bad(
                    count,
                    entry.seq,
                    "broken_link",
                    f"entry {entry.seq}'s prev_hash is not entry {entry.seq - 1}'s hash: entry "
                    f"{entry.seq - 1} was rewritten (with a recomputed hash) or entries before "
                    "it were replaced",
                )
            if entry.seq == head_seq:
                hash_at_head = entry.hash
            prev, expected = entry.hash, expected + 1
        return _against_head(count, expected - 1, head, hash_at_head)

    def _diagnose(
        self, entry: AuditEntry, prev: str, recomputed: str, head: AuditHead | None
    ) -> tuple[AuditProblem, str]:
        """An entry whose fields do not give its hash: edited, or moved from another seq."""
        if entry.prev_hash != prev:
            candidates: list[int] = []
            before = self._seq_with(AuditEntry.hash, entry.prev_hash, entry.seq)
            if before is not None:
                candidates.append(before + 1)
            after = self._seq_with(AuditEntry.prev_hash, entry.hash, entry.seq)
            if after is not None:
                candidates.append(after - 1)
            for original in candidates:
                if original != entry.seq and _hash_of(entry, original) == entry.hash:
                    return (
                        "reordered",
                        f"entry {entry.seq} holds what was written as entry {original} "
                        "(entries reordered)",
                    )
        nxt = self.session.scalars(
            sa.select(AuditEntry.prev_hash).where(AuditEntry.seq == entry.seq + 1)
        ).first()
        if nxt is None and head is not None and head.seq == entry.seq:
            nxt = head.hash
        if nxt == recomputed:
            what = "its stored hash was changed"
        elif nxt == entry.hash:
            what = "a field was changed after it was written"
        else:
            what = "its fields or its hash were changed"
        return "edited", f"entry {entry.seq} does not match its hash: {what}"
