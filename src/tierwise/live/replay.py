"""A day of canonical data sent as live events: what the platform would have sent while
that day's lives ran — for a person watching the screen move, and as the load generator.

`day_events` turns the canonical rows of one UTC day into events (lives started that
day with their minutes, product counters, end and sources; the paid orders of those
lives and their refunds; the stock counts of their products that day; the day's
violations), each with an id made from what it is about, so replaying the same day again
sends the same ids and the server stores nothing twice. Folding them gives back the rows
they came from (compaction's equivalence), except for what no event carries: an order's
cancellation, return fault and review, which arrive after the live with the batch data.

`Sender` posts them in signed batches at a chosen rate, retrying a batch until the server
answers (at-least-once: a batch that reached the server before the connection dropped is
answered as duplicates the next time), and appends each acknowledged event to a JSONL log.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any, TextIO

import duckdb

from tierwise.core.errors import TierwiseError
from tierwise.live.events import (
    MAX_BATCH,
    LiveEvent,
    LiveStarted,
    event_document,
    events_from_json,
)
from tierwise.live.signing import signed_headers
from tierwise.outbox.transport import RETRIED_4XX

PATH = "/api/v1/events"
#: Where events of one instant go in a day's order: a live starts before its minutes,
#: ends after them.
_KIND_ORDER = {
    "live.started": 0,
    "stock.changed": 1,
    "live.minute": 2,
    "order.paid": 3,
    "order.refunded": 4,
    "live.product": 5,
    "violation.issued": 6,
    "live.ended": 7,
}


class ReplayError(TierwiseError):
    """A replay that cannot go on: the server refused a batch for good, or never answered."""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day_events(con: duckdb.DuckDBPyConnection, day: date) -> list[LiveEvent]:
    """The events of `day` (UTC) from the canonical tables of `con`, in the order sent."""
    start = datetime.combine(day, day_time(0), UTC)
    span = (start, start + timedelta(days=1))
    lives = _rows(
        con,
        "SELECT * FROM livestreams WHERE started_at >= ? AND started_at < ? ORDER BY live_id",
        span,
    )
    ids = [str(live["live_id"]) for live in lives]
    docs: list[dict[str, Any]] = []
    for live in lives:
        docs += _live_docs(con, live)
    if ids:
        docs += _order_docs(con, ids)
        docs += _stock_docs(con, ids, span)
    docs += _violation_docs(con, span)
    events = events_from_json(json.dumps(docs, default=str))
    return sorted(events, key=lambda e: (e.at, _KIND_ORDER[e.kind], e.id))


#: The instants of an event, moved by `ending_now`.
_INSTANTS = ("at", "minute", "created_at")
#: The ids an event names that `ending_now` makes new (a product and a creator stay).
_RENAMED = ("id", "live_id", "order_id", "violation_id")
MINUTE = timedelta(minutes=1)


def ending_now(events: Sequence[LiveEvent], now: datetime) -> list[LiveEvent]:
    """The events moved by whole minutes so that the last one happened at `now` (to the
    minute), for watching the live screen: played at a rate, the day's lives start, tick
    and end on the screen as the events arrive. Lives, orders, violations and events get
    new ids (`…~YYYYMMDDHHMM`, the moved day's first minute), so the day can be replayed
    again later and the original day stays as it was; an order's `content_id` follows its
    live's new id."""
    if not events:
        return []
    last = max(e.at for e in events)
    ceiling = last if last == last.replace(second=0, microsecond=0) else last + MINUTE
    shift = now.astimezone(UTC).replace(second=0, microsecond=0) - ceiling.replace(
        second=0, microsecond=0
    )
    first = min(e.at for e in events) + shift
    tag = "~" + first.strftime("%Y%m%d%H%M")
    lives = {e.live_id for e in events if isinstance(e, LiveStarted)}
    docs = []
    for event in events:
        doc = event_document(event)
        for key in _INSTANTS:
            if doc.get(key):
                doc[key] = _iso(datetime.fromisoformat(doc[key]) + shift)
        for key in _RENAMED:
            if doc.get(key):
                doc[key] = f"{doc[key]}{tag}"
        if doc.get("content_id") in lives:
            doc["content_id"] = f"{doc['content_id']}{tag}"
        docs.append(doc)
    return events_from_json(json.dumps(docs))


def _live_docs(con: duckdb.DuckDBPyConnection, live: dict[str, Any]) -> list[dict[str, Any]]:
    live_id = str(live["live_id"])
    docs: list[dict[str, Any]] = [
        {
            "id": f"live.started/{live_id}",
            "kind": "live.started",
            "at": _iso(live["started_at"]),
            "live_id": live_id,
            "creator_id": live["creator_id"],
            "seller_id": live["seller_id"],
        }
    ]
    minutes = _rows(con, "SELECT * FROM live_minutes WHERE live_id = ? ORDER BY minute", [live_id])
    last = live["started_at"]
    for m in minutes:
        counted = m["minute"] + timedelta(minutes=1)
        last = max(last, counted)
        docs.append(
            {
                "id": f"live.minute/{live_id}/{_iso(m['minute'])}",
                "kind": "live.minute",
                "at": _iso(counted),
                **{k: v for k, v in m.items()},
                "minute": _iso(m["minute"]),
            }
        )
    end = live["ended_at"]
    counted_at = end if end is not None else last
    for p in _rows(
        con, "SELECT * FROM live_products WHERE live_id = ? ORDER BY product_id", [live_id]
    ):
        docs.append(
            {
                "id": f"live.product/{live_id}/{p['product_id']}",
                "kind": "live.product",
                "at": _iso(counted_at),
                **p,
            }
        )
    if end is not None:
        sources = _rows(con, "SELECT source, views FROM live_sources WHERE live_id = ?", [live_id])
        docs.append(
            {
                "id": f"live.ended/{live_id}",
                "kind": "live.ended",
                "at": _iso(end),
                "live_id": live_id,
                "views": live["views"],
                "viewers": live["viewers"],
                "product_impressions": live["product_impressions"],
                "product_clicks": live["product_clicks"],
                "sources": {str(s["source"]): s["views"] for s in sources},
            }
        )
    return docs


_ORDER_FIELDS = (
    "order_id",
    "seller_id",
    "creator_id",
    "product_id",
    "channel",
    "content_id",
    "buyer_id",
    "amount",
    "currency",
    "quantity",
    "late_dispatch",
    "abnormal",
    "good_goods",
    "worry_free",
)


def _order_docs(con: duckdb.DuckDBPyConnection, live_ids: list[str]) -> list[dict[str, Any]]:
    orders = _rows(
        con,
        "SELECT * FROM orders WHERE content_id IN (SELECT unnest(?)) "
        "AND paid_at IS NOT NULL ORDER BY order_id",
        [live_ids],
    )
    docs: list[dict[str, Any]] = []
    for o in orders:
        docs.append(
            {
                "id": f"order.paid/{o['order_id']}",
                "kind": "order.paid",
                "at": _iso(o["paid_at"]),
                "created_at": _iso(o["created_at"]),
                **{k: o[k] for k in _ORDER_FIELDS},
            }
        )
        if o["refund_amount"]:
            docs.append(
                {
                    "id": f"order.refunded/{o['order_id']}",
                    "kind": "order.refunded",
                    "at": _iso(o["paid_at"]),
                    "order_id": o["order_id"],
                    "refund_amount": o["refund_amount"],
                    "currency": o["currency"],
                }
            )
    return docs


def _stock_docs(
    con: duckdb.DuckDBPyConnection, live_ids: list[str], span: tuple[datetime, datetime]
) -> list[dict[str, Any]]:
    rows = _rows(
        con,
        'SELECT * FROM stock_levels WHERE "at" >= ? AND "at" < ? AND product_id IN '
        "(SELECT product_id FROM live_products WHERE live_id IN (SELECT unnest(?))) "
        'ORDER BY product_id, "at"',
        [*span, live_ids],
    )
    return [
        {
            "id": f"stock.changed/{s['product_id']}/{_iso(s['at'])}",
            "kind": "stock.changed",
            "at": _iso(s["at"]),
            "product_id": s["product_id"],
            "stock": s["stock"],
        }
        for s in rows
    ]


def _violation_docs(
    con: duckdb.DuckDBPyConnection, span: tuple[datetime, datetime]
) -> list[dict[str, Any]]:
    rows = _rows(
        con,
        "SELECT * FROM violations WHERE occurred_at >= ? AND occurred_at < ? ORDER BY violation_id",
        span,
    )
    return [
        {
            "id": f"violation.issued/{v['violation_id']}",
            "kind": "violation.issued",
            "at": _iso(v["occurred_at"]),
            "violation_id": v["violation_id"],
            "subject_kind": v["subject_kind"],
            "subject_id": v["subject_id"],
            "violation_kind": v["kind"],
            "severe": v["severe"],
            "points": v["points"],
        }
        for v in rows
    ]


@dataclass
class SendReport:
    """What a replay sent: events acknowledged, of which stored now and duplicates, and
    the attempts that failed and were retried."""

    sent: int = 0
    stored: int = 0
    duplicates: int = 0
    retries: int = 0


def batches(events: Sequence[LiveEvent], size: int) -> Iterator[Sequence[LiveEvent]]:
    for at in range(0, len(events), size):
        yield events[at : at + size]


class Sender:
    """Signed batches to `url` + `/api/v1/events`, at most `rate` events a second, each
    batch retried (with a growing pause, up to `attempts` tries) until it is answered."""

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        rate: float,
        batch: int = 100,
        attempts: int = 30,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= batch <= MAX_BATCH:
            raise ReplayError(f"a batch holds 1 to {MAX_BATCH} events, not {batch}")
        if rate <= 0:
            raise ReplayError(f"the rate must be more than 0 events a second, not {rate}")
        self.endpoint = url.rstrip("/") + PATH
        self.secret = secret
        self.rate = rate
        self.batch = batch
        self.attempts = attempts
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep

    def send(
        self,
        events: Sequence[LiveEvent],
        log: TextIO,
        on_batch: Callable[[int], None] = lambda n: None,
    ) -> SendReport:
        """Send every event; append one JSON line per acknowledged event to `log`."""
        report = SendReport()
        started = self.clock()
        for part in batches(events, self.batch):
            due = started + report.sent / self.rate
            if (wait := due - self.clock()) > 0:
                self.sleep(wait)
            docs = [event_document(e) for e in part]
            body = json.dumps(docs, separators=(",", ":")).encode()
            answer, tries = self._post(body)
            report.retries += tries - 1
            duplicates = set(answer.get("duplicates", []))
            for doc in docs:
                verdict = "duplicate" if doc["id"] in duplicates else "stored"
                line = {"id": doc["id"], "kind": doc["kind"], "answer": verdict, "event": doc}
                log.write(json.dumps(line, separators=(",", ":")) + "\n")
            log.flush()
            report.sent += len(part)
            report.duplicates += len(duplicates)
            report.stored += len(part) - len(duplicates)
            on_batch(len(part))
        return report

    def _post(self, body: bytes) -> tuple[dict[str, Any], int]:
        pause = 0.1
        last = ""
        for attempt in range(1, self.attempts + 1):
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "tierwise-events-replay",
                **signed_headers(self.secret, body, time.time()),
            }
            request = urllib.request.Request(self.endpoint, data=body, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                    doc: dict[str, Any] = json.loads(reply.read())
                    return doc, attempt
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode(errors="replace")
                if exc.code < 500 and exc.code not in RETRIED_4XX:
                    raise ReplayError(f"{self.endpoint}: HTTP {exc.code}: {detail}") from None
                last = f"HTTP {exc.code}"
            # refused, reset, timed out, or the answer cut short by the server's death
            # (http.client.IncompleteRead is neither an OSError nor a ValueError)
            except (OSError, ValueError, http.client.HTTPException) as exc:
                last = f"{type(exc).__name__}: {exc}"
            self.sleep(pause)
            pause = min(pause * 2, 5.0)
        raise ReplayError(f"{self.endpoint}: no answer after {self.attempts} tries ({last})")


def read_log(path: Path) -> list[dict[str, Any]]:
    """The lines of a sent log."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
