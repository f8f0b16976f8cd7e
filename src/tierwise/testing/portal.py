"""A small portal world for the web, security and browser tests: two agencies, a user of
every role, three months of 百应 data of which two are published.

By hand (see `scenarios.buyin_three_months` for agency A):
    A: 2024-07 score 310 → V2; 2024-08 601 computed V5, held V3 (one step up);
       2024-09 160 → V1 (straight down) — left as a preview for the operator to publish.
    B: its four creators have reputation 4.0 (service 160) and nothing else: 160 → V1 in
       every month.
The creator user is c0 (bound to A only); the seller user is S0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from tierwise.accounts import Accounts, NewUser
from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.definitions.registry import load_program
from tierwise.runs.service import record_run
from tierwise.store import EventStore
from tierwise.testing.scenarios import buyin_three_months, export
from tierwise.testing.world import World

PASSWORD = "correct horse battery"
B_CREATORS = [f"b{i}" for i in range(4)]

USERS: dict[str, NewUser] = {
    "operator": NewUser("op", "Olga Operator", "operator"),
    "partner": NewUser("agency-a", "Agency A user", "partner", partner_id="A"),
    "other_partner": NewUser("agency-b", "Agency B user", "partner", partner_id="B"),
    "creator": NewUser("creator-c0", "Creator c0", "creator", creator_id="c0"),
    "seller": NewUser("seller-s0", "Seller S0", "seller", seller_id="S0"),
}


def portal_world() -> World:
    w = buyin_three_months()
    w.partner("B", joined_on=date(2024, 1, 1), name="Agency B")
    for c in B_CREATORS:
        w.creator(c)
        w.bind("B", c)
        for month in (7, 8, 9):
            w.fact(c, "reputation", "4.0", date(2024, month, 1))
    # A partner of another kind and market, so the directory filters have something to do.
    w.partner("T", kind="tsp", market="TH", joined_on=date(2024, 1, 1), name="Thai TSP")
    w.live("b0", datetime(2024, 7, 20, 12, tzinfo=UTC), None)
    return w


@dataclass
class PortalSetup:
    db: Path
    state_url: str
    logins: dict[str, str] = field(default_factory=dict)
    password: str = PASSWORD
    preview_run: str = ""


def build_portal(folder: Path, state_url: str) -> PortalSetup:
    """Write the world to `folder`, load it, publish 2024-07 and 2024-08, store 2024-09 as
    a preview, and add one user per role (all with `PASSWORD`)."""
    data = export(portal_world(), folder / "data")
    db = folder / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(data)
    program = load_program("buyin-mcn")
    with StateStore.open(state_url) as state:
        with EventStore.open(db, read_only=True) as events:
            record_run(
                state,
                events.con,
                program,
                Period.parse("2024-07"),
                Period.parse("2024-08"),
                actor="setup",
                as_of=date(2024, 12, 1),
                publish=True,
            )
            preview = record_run(
                state,
                events.con,
                program,
                Period.parse("2024-09"),
                Period.parse("2024-09"),
                actor="setup",
                as_of=date(2024, 12, 1),
            )
        with state.session() as session:
            accounts = Accounts(session)
            for new in USERS.values():
                accounts.add(new, PASSWORD)
    return PortalSetup(
        db,
        state_url,
        {role: new.login for role, new in USERS.items()},
        preview_run=preview.run_ids[-1],
    )
