"""The live screen's reads: which of a partner's creators are live now, and the figures
of a chosen few, from the live events in the state store.

Who may see what is Data Compass's: the partner's creators and their pairs come from
`compass.analytics.partner_view` (the event store's bindings and authorization rows with
the consent workflow's), whether a creator's live numbers may be shown today from
`compass.visibility.live_today`, and every read goes through `compass.service.read`, which
counts the workflow's approvals and logs the creators whose numbers were read (today, in
the partner's market). This module only decides what a screen holds.

A live is "live now" when its `live.started` came on this UTC day or the one before and no
`live.ended` has come for it. The screen shows each chosen creator's latest live of those
days, running or just ended (an ended live shows no low-stock notice).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from tierwise.compass import service as compass
from tierwise.compass.analytics import ALL_DAYS, Bound, partner_view
from tierwise.compass.authorizations import Authorization
from tierwise.compass.days import DayRange, VisibleDays
from tierwise.compass.errors import CompassError, RequestNotFound
from tierwise.compass.markets import local_day, market_zone
from tierwise.compass.visibility import live_today
from tierwise.db.engine import StateStore
from tierwise.live.events import LiveEnded, LiveEvent, LiveProduct, LiveStarted
from tierwise.live.figures import LiveFigures, live_figures
from tierwise.live.repository import LiveEvents

#: The most creators one live screen shows at once (seed 002).
MAX_SCREEN = 5
#: UTC days back (before today) whose `live.started` events may still be running.
LOOKBACK_DAYS = 1
#: Kinds that may change any screen whatever it watches (a creator going live or ending,
#: a violation, whose notice names only the violation), and the feed's "read again".
ALWAYS_RELEVANT = frozenset({"live.started", "live.ended", "violation.issued", "feed.resync"})


class ScreenRefused(CompassError):
    """A screen that cannot be shown as asked (more than `MAX_SCREEN` creators): 422."""


@dataclass(frozen=True)
class Watch:
    """What a screen's numbers depend on: a notice about one of these changes them."""

    lives: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()

    def relevant(self, told: Sequence[tuple[str, str, str]]) -> bool:
        return any(
            kind in ALWAYS_RELEVANT or subject in self.lives or subject in self.products
            for _, kind, subject in told
        )


@dataclass(frozen=True)
class Card:
    """A creator on the screen or among the live-now cards: its public part always (who,
    live or not), its live's figures only when the partner may see today's numbers."""

    creator_id: str
    handle: str
    authorized: bool
    live_id: str | None
    running: bool
    figures: LiveFigures | None

    def to_dict(self, *, detail: bool) -> dict[str, Any]:
        f = self.figures
        numbers: dict[str, Any] | None = None
        if f is not None:
            numbers = {
                "online_viewers": f.online_viewers,
                "gmv": float(f.gmv),
                "currency": f.currency,
                "orders": f.orders,
                "product_clicks": f.product_clicks,
            }
            if detail:
                numbers = f.to_dict()
        return {
            "creator_id": self.creator_id,
            "handle": self.handle,
            "authorized": self.authorized,
            "live_id": self.live_id,
            "running": self.running,
            "figures": numbers,
        }


@dataclass(frozen=True)
class LiveScreen:
    """The live-now cards (`chosen` empty) or a screen of chosen creators, as of `at`."""

    partner_id: str
    day: date
    at: datetime
    cards: tuple[Card, ...]
    chosen: tuple[str, ...] = ()
    watch: Watch = field(default_factory=Watch, compare=False)
    #: The day whose numbers were read, per creator shown with numbers (the access log).
    read: Mapping[str, VisibleDays] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner_id": self.partner_id,
            "day": self.day.isoformat(),
            "at": self.at.isoformat(),
            "chosen": list(self.chosen),
            "creators": [c.to_dict(detail=bool(self.chosen)) for c in self.cards],
        }


def chosen_creators(creator_ids: Sequence[str]) -> tuple[str, ...]:
    """The creators asked for, each once, in the order asked; more than `MAX_SCREEN` or
    none is refused."""
    chosen = tuple(dict.fromkeys(c.strip() for c in creator_ids if c.strip()))
    if not chosen:
        raise ScreenRefused("choose at least one live creator for the live screen")
    if len(chosen) > MAX_SCREEN:
        raise ScreenRefused(
            f"a live screen shows at most {MAX_SCREEN} creators at once, not {len(chosen)}"
        )
    return chosen


def _lives(repo: LiveEvents, now: datetime, creators: set[str]) -> dict[str, list[LiveEvent]]:
    """The events of the lives of `creators` started on the lookback days, by live."""
    days = [now.date() - timedelta(days=n) for n in range(LOOKBACK_DAYS, -1, -1)]
    started = [
        e
        for e in repo.of_days(days, ["live.started"])
        if isinstance(e, LiveStarted) and e.creator_id in creators and e.at <= now
    ]
    by_live: dict[str, list[LiveEvent]] = {e.live_id: [] for e in started}
    for e in repo.of_subjects(by_live):
        if getattr(e, "live_id", None) in by_live:
            by_live[e.live_id].append(e)  # type: ignore[union-attr]
    return by_live


def _latest_live(events: Mapping[str, list[LiveEvent]], creator_id: str) -> str | None:
    """The creator's live shown: a running one before an ended one, then the latest."""
    mine = []
    for live_id, found in events.items():
        start = max((e for e in found if isinstance(e, LiveStarted)), key=lambda e: e.at)
        if start.creator_id == creator_id:
            ended = any(isinstance(e, LiveEnded) for e in found)
            mine.append((not ended, start.at, live_id))
    return max(mine)[2] if mine else None


def _figures(
    repo: LiveEvents, live: list[LiveEvent], live_id: str, now: datetime
) -> LiveFigures | None:
    """A live's figures with the stock counts of its products and the violations of the
    days it ran."""
    products = {e.product_id for e in live if isinstance(e, LiveProduct)}
    stock = [e for e in repo.of_subjects(products) if e.kind == "stock.changed"]
    start = min(e.at for e in live if isinstance(e, LiveStarted))
    days = [start.date() + timedelta(days=n) for n in range((now.date() - start.date()).days + 1)]
    violations = repo.of_days(days, ["violation.issued"])
    return live_figures([*live, *stock, *violations], live_id, now)


def _screen(
    state: StateStore,
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    rows: Sequence[Authorization],
    chosen: tuple[str, ...],
) -> LiveScreen:
    now = state.clock()
    view = partner_view(con, partner_id, ALL_DAYS, rows)
    day = local_day(now, market_zone(view.market))
    bound: dict[str, Bound] = {b.creator_id: b for b in view.creators if b.pair.bound_on(day)}
    for creator_id in chosen:
        if creator_id not in bound:  # another partner's, gone, or no one's: alike
            raise RequestNotFound(f"no creator {creator_id!r}")
    with state.reading() as session:
        repo = LiveEvents(session)
        lives = _lives(repo, now, set(chosen) if chosen else set(bound))
        cards: list[Card] = []
        for creator_id in chosen or sorted(bound):
            live_id = _latest_live(lives, creator_id)
            events = lives.get(live_id, []) if live_id else []
            running = live_id is not None and not any(isinstance(e, LiveEnded) for e in events)
            if not chosen and not running:
                continue  # the cards: creators live now only
            b = bound[creator_id]
            authorized = live_today(b.pair, day)
            figures = _figures(repo, events, live_id, now) if authorized and live_id else None
            cards.append(Card(creator_id, b.handle, authorized, live_id, running, figures))
    shown = [c for c in cards if c.figures is not None]
    watch = Watch(
        frozenset(c.live_id for c in cards if c.live_id),
        frozenset(p.product_id for c in shown if c.figures for p in c.figures.products),
    )
    today = VisibleDays.of([DayRange(day, day)])
    read = {c.creator_id: today for c in shown}
    return LiveScreen(partner_id, day, now, tuple(cards), chosen, watch, read)


def read_screen(
    state: StateStore,
    con: duckdb.DuckDBPyConnection,
    reader: compass.Reader,
    creator_ids: Sequence[str] = (),
    *,
    logged: bool = True,
) -> LiveScreen:
    """The live-now cards of the reader's partner (no `creator_ids`), or its live screen of
    the chosen creators (`ScreenRefused` over `MAX_SCREEN`, `RequestNotFound` for a creator
    not bound to it today); the creators whose numbers it holds are logged — unless
    `logged` is False: a stream's push, whose caller logs when what it read changed."""
    chosen = chosen_creators(creator_ids) if creator_ids else ()
    if not logged:
        rows = compass.workflow_rows(state, reader.partner_id)
        return _screen(state, con, reader.partner_id, rows, chosen)
    what = "live now" if not chosen else f"live screen {','.join(chosen)}"
    return compass.read(
        state, reader, what, lambda rows: _screen(state, con, reader.partner_id, rows, chosen)
    )
