"""A small Data Compass world for the page and browser tests, with a clock the test moves.

Two Thai agencies (market TH, Asia/Bangkok, UTC+7). Orders are paid at 05:00Z (12:00 in
Bangkok) every day of September 2024, in THB at US$0.03 per baht:

    A "Siam Creators" — c0 @somchai.live: 100 THB a day (US$3.00) and one livestream a
                        day; no authorization: the browser test asks for one.
                      — c1 @nok.shop: 200 THB a day (US$6.00); an imported approval for
                        2024-01-01..2024-12-31 given 2024-08-02, so always authorized.
                      — c2 @us.creator: region US, excluded: never visible, never asked.
    B "Bangkok Live"  — b0 @bee.live: 1,000 THB a day (US$30.00), no authorization.

`compass_content_world()` adds livestreams, videos and products (worked out in its
docstring) for the livestream, video and product pages.

The clock starts at 2024-09-20 03:00Z (10:00 in Bangkok, the same calendar day in UTC), so
the portal's today and the workflow's instant agree; `next_day()` moves both by 24 h.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tierwise.accounts import Accounts, NewUser
from tierwise.db.engine import StateStore
from tierwise.definitions.registry import all_programs
from tierwise.partners.catalog import Catalog
from tierwise.store import EventStore
from tierwise.testing.scenarios import export
from tierwise.testing.world import World
from tierwise.web.context import Portal

PASSWORD = "correct horse battery"
BANGKOK = ZoneInfo("Asia/Bangkok")
START = datetime(2024, 9, 20, 3, tzinfo=UTC)
#: Baht a day of each creator's orders, and the same in US dollars (× 0.03, by hand).
DAILY_THB = {"c0": "100", "c1": "200", "b0": "1000"}
DAILY_USD = {"c0": 3, "c1": 6, "b0": 30}
HANDLES = {"c0": "somchai.live", "c1": "nok.shop", "c2": "us.creator", "b0": "bee.live"}

USERS: dict[str, NewUser] = {
    "operator": NewUser("op", "Olga Operator", "operator"),
    "partner": NewUser("agency-a", "Agency A user", "partner", partner_id="A"),
    "other_partner": NewUser("agency-b", "Agency B user", "partner", partner_id="B"),
    "creator": NewUser("creator-c0", "Creator c0", "creator", creator_id="c0"),
    "other_creator": NewUser("creator-b0", "Creator b0", "creator", creator_id="b0"),
    #: c1's approval is imported (the platform's row), not asked through tierwise.
    "imported_creator": NewUser("creator-c1", "Creator c1", "creator", creator_id="c1"),
    "seller": NewUser("seller-s0", "Seller S0", "seller", seller_id="S0"),
}


@dataclass
class MovableClock:
    """The instant the state store reads and the day the portal calls today."""

    instant: datetime = START

    def now(self) -> datetime:
        return self.instant

    def today(self) -> date:
        return self.instant.astimezone(BANGKOK).date()

    def next_day(self) -> None:
        self.instant += timedelta(days=1)


def compass_world() -> World:
    w = World()
    w.partner("A", kind="mcn", market="TH", joined_on=date(2024, 1, 1), name="Siam Creators")
    w.partner("B", kind="mcn", market="TH", joined_on=date(2024, 1, 1), name="Bangkok Live")
    w.seller("S0", market="TH")
    w.fx("THB", "0.03")
    for creator_id, region, partner_id in (
        ("c0", "TH", "A"),
        ("c1", "TH", "A"),
        ("c2", "US", "A"),
        ("b0", "TH", "B"),
    ):
        w.add(
            "creators",
            creator_id=creator_id,
            handle=HANDLES[creator_id],
            region=region,
            followers=5000,
            seller_id=None,
            account_type="affiliate",
        )
        w.bind(partner_id, creator_id, started_on=date(2024, 1, 1))
    w.add(
        "authorizations",
        request_id="imp-c1",
        partner_id="A",
        creator_id="c1",
        requested_at=datetime(2024, 8, 1, 3, tzinfo=UTC),
        period_from=date(2024, 1, 1),
        period_to=date(2024, 12, 31),
        responded_at=datetime(2024, 8, 2, 3, tzinfo=UTC),
        response="approved",
    )
    for day in range(1, 31):
        paid = datetime(2024, 9, day, 5, tzinfo=UTC)
        for creator_id, baht in DAILY_THB.items():
            w.order(paid, baht, creator_id=creator_id, currency="THB")
        w.live("c0", datetime(2024, 9, day, 12, tzinfo=UTC), None)
    return w


def _content_order(
    w: World, at: datetime, baht: str, creator_id: str, channel: str, content: str, product: str,
    buyer: str, quantity: int = 1,
) -> None:  # fmt: skip
    w.order(at, baht, creator_id=creator_id, currency="THB", channel=channel, content_id=content,
            product_id=product, buyer_id=buyer, quantity=quantity)  # fmt: skip


def compass_content_world() -> World:
    """`compass_world()` with content, in THB at US$0.03 (Bangkok is UTC+7). As of
    2024-09-20 the last 7 days are 09-13..09-19 and the previous period 09-06..09-12.

    c1 (authorized, A):
      LIVE-C1 09-15 12:00-13:00Z, 1,000 views: P1 1,000 THB (US$30.00, 2 items, u1) and
        P2 500 THB (US$15.00, u2); live_products P1 400/40/1/2/US$30, P2 100/10/1/1/US$15;
        minutes 12:00Z (100 online, 4 clicks, 2 new followers), 12:01Z (150, 6, 3);
        sources for_you 600, following 400; a content violation at 12:30Z; viewers
        700 + 400 = 1,100 (shown), buyers 2 (not shown).
      LIVE-C1-OLD 09-08 12:00Z (previous period), 500 views: P1 300 THB (US$9.00, u3).
      VID-1 09-14 05:00Z, 2,000 views, 10 new followers: P1 400 THB (US$12.00, u4).
      VID-2 09-16 05:00Z, 500 views, 40 new followers: P1 200 THB (US$6.00, u5).
    c0 (bound to A, not authorized): VID-X0 09-15, 90,000 views, P1 9,900 THB; and the
      daily livestreams of `compass_world()` (ids L1..L30).
    b0 (B's): LIVE-B0 09-15, 8,000 views, P1 5,000 THB; VID-B0 09-15, P3 7,000 THB.
    """
    w = compass_world()
    for product_id, title in (("P1", "Lipstick"), ("P2", "Mascara"), ("P3", "Perfume")):
        w.add("products", product_id=product_id, seller_id="S0", title=title, stock=10)

    def utc(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2024, 9, day, hour, minute, tzinfo=UTC)

    w.live("c1", utc(15, 12), utc(15, 13), views=1000, live_id="LIVE-C1")
    _content_order(w, utc(15, 12, 30), "1000", "c1", "live", "LIVE-C1", "P1", "u1", 2)
    _content_order(w, utc(15, 12, 40), "500", "c1", "live", "LIVE-C1", "P2", "u2")
    for product_id, imp, clk, items, usd in (("P1", 400, 40, 2, "30"), ("P2", 100, 10, 1, "15")):
        w.add("live_products", live_id="LIVE-C1", product_id=product_id, impressions=imp,
              clicks=clk, orders=1, items_sold=items, gmv=usd, currency="USD")  # fmt: skip
    for minute, online, clicks, followers in ((0, 100, 4, 2), (1, 150, 6, 3)):
        w.add("live_minutes", live_id="LIVE-C1", minute=utc(15, 12, minute),
              online_viewers=online, views=10, product_clicks=clicks, orders=0, gmv="0",
              currency="USD", likes=1, comments=1, shares=0,
              new_followers=followers)  # fmt: skip
    w.add("live_sources", live_id="LIVE-C1", source="for_you", views=600)
    w.add("live_sources", live_id="LIVE-C1", source="following", views=400)
    w.violation("c1", utc(15, 12, 30), subject_kind="creator", kind="content")
    for stage, buckets in (("viewer", {"18-24": 700, "25-34": 400}), ("buyer", {"18-24": 2})):
        for bucket, users in buckets.items():
            w.add("audiences", subject_kind="live", subject_id="LIVE-C1", stage=stage,
                  dimension="age", bucket=bucket, users=users, as_of=date(2024, 9, 15))  # fmt: skip
    w.live("c1", utc(8, 12), utc(8, 13), views=500, live_id="LIVE-C1-OLD")
    _content_order(w, utc(8, 12, 30), "300", "c1", "live", "LIVE-C1-OLD", "P1", "u3")
    for video_id, day, views, followers, baht, buyer in (
        ("VID-1", 14, 2000, 10, "400", "u4"),
        ("VID-2", 16, 500, 40, "200", "u5"),
    ):
        w.video("c1", utc(day, 5), views=views, video_id=video_id)
        w.con.execute("UPDATE videos SET new_followers = ? WHERE video_id = ?",
                      [followers, video_id])  # fmt: skip
        _content_order(w, utc(day, 6), baht, "c1", "video", video_id, "P1", buyer)
    w.video("c0", utc(15, 5), views=90_000, video_id="VID-X0")
    _content_order(w, utc(15, 6), "9900", "c0", "video", "VID-X0", "P1", "u6")
    w.live("b0", utc(15, 12), utc(15, 13), views=8000, live_id="LIVE-B0")
    _content_order(w, utc(15, 12, 30), "5000", "b0", "live", "LIVE-B0", "P1", "u7")
    w.video("b0", utc(15, 5), views=100, video_id="VID-B0")
    _content_order(w, utc(15, 6), "7000", "b0", "video", "VID-B0", "P3", "u8")
    return w


@dataclass
class CompassSetup:
    db: Path
    state_url: str
    clock: MovableClock = field(default_factory=MovableClock)
    logins: dict[str, str] = field(default_factory=dict)
    password: str = PASSWORD


def build_compass_portal(
    folder: Path, state_url: str, world: Callable[[], World] = compass_world
) -> CompassSetup:
    """Write and load the world, and add one user per role (all with `PASSWORD`)."""
    data = export(world(), folder / "data")
    db = folder / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(data)
    setup = CompassSetup(db, state_url, logins={r: u.login for r, u in USERS.items()})
    with StateStore.open(state_url, clock=setup.clock.now) as state, state.session() as session:
        accounts = Accounts(session)
        for new in USERS.values():
            accounts.add(new, PASSWORD)
    return setup


def open_compass_portal(setup: CompassSetup) -> Portal:
    """The portal over the world, reading today and the instant from the setup's clock."""
    state = StateStore.open(setup.state_url, clock=setup.clock.now)
    return Portal(
        state,
        Catalog.from_file(setup.db),
        {p.id: p for p in all_programs()},
        setup.db,
        today=setup.clock.today,
    )
