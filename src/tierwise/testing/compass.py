"""A small Data Compass world for the page and browser tests, with a clock the test moves.

Two Thai agencies (market TH, Asia/Bangkok, UTC+7). Orders are paid at 05:00Z (12:00 in
Bangkok) every day of September 2024, in THB at US$0.03 per baht:

    A "Siam Creators" — c0 @somchai.live: 100 THB a day (US$3.00) and one livestream a
                        day; no authorization: the browser test asks for one.
                      — c1 @nok.shop: 200 THB a day (US$6.00); an imported approval for
                        2024-01-01..2024-12-31 given 2024-08-02, so always authorized.
                      — c2 @us.creator: region US, excluded: never visible, never asked.
    B "Bangkok Live"  — b0 @bee.live: 1,000 THB a day (US$30.00), no authorization.

The clock starts at 2024-09-20 03:00Z (10:00 in Bangkok, the same calendar day in UTC), so
the portal's today and the workflow's instant agree; `next_day()` moves both by 24 h.
"""

from __future__ import annotations

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


@dataclass
class CompassSetup:
    db: Path
    state_url: str
    clock: MovableClock = field(default_factory=MovableClock)
    logins: dict[str, str] = field(default_factory=dict)
    password: str = PASSWORD


def build_compass_portal(folder: Path, state_url: str) -> CompassSetup:
    """Write and load the world, and add one user per role (all with `PASSWORD`)."""
    data = export(compass_world(), folder / "data")
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
