"""集星's binding quota (programs.md §4: L1 2, L2 5, L3 10, L4 30, L5 unlimited; no level 0):
the pure standing, the check over the data after a load, the warning and the notice, and
the quota on the agency's card. Worked by hand:

    September 2024 (published): Q1 has 2 Lv6+ creators → channel 1 gives L1 (2 ≥ 1, < 3);
    Q2 has 3 → L2; Q3 has none → no level.
    October (loaded after): Q1 binds q1c3 (10-05, Lv7) and q1c4 (10-10, Lv6) and one Lv4
    creator, not counted → 4 counted, L1 allows 2: q1c3 and q1c4 are beyond the quota.
    Q2 binds one more Lv6 → 4 of 5: within. Q3 binds one Lv6 (10-08) → no level allows 0:
    q3c1 beyond. The check's day is the last binding day in the data, 2024-10-10.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tierwise.cli.data_load  # noqa: F401  (registers the commands)
from tierwise.cli.app import app
from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.definitions.model import BindingQuota, Program
from tierwise.definitions.registry import load_program
from tierwise.lifecycle import QuotaStanding, beyond_quota, quota_standing
from tierwise.outbox.repository import Outbox
from tierwise.partners.dashboard import program_card
from tierwise.quota import check_quota, quota_day
from tierwise.runs.service import record_run
from tierwise.store import EventStore
from tierwise.testing.scenarios import daily_orders, export
from tierwise.testing.world import World

QUOTA = BindingQuota(
    counted_by="lv6_creators", per_level={"L1": 2, "L2": 5, "L5": None}, without_level=0
)


def test_the_standing_of_each_kind_of_level() -> None:
    assert quota_standing(QUOTA, "L1", 1) == QuotaStanding("L1", 2, 1)
    assert (quota_standing(QUOTA, "L1", 1).free, quota_standing(QUOTA, "L1", 1).over) == (1, 0)
    at_l1 = quota_standing(QUOTA, "L1", 5)
    assert (at_l1.free, at_l1.over) == (0, 3)
    unlimited = quota_standing(QUOTA, "L5", 400)
    assert (unlimited.limit, unlimited.free, unlimited.over) == (None, None, 0)
    nothing = quota_standing(QUOTA, None, 1)
    assert (nothing.limit, nothing.over) == (0, 1)
    assert quota_standing(QUOTA, "L3", 99).limit is None  # a level the quota does not list


def test_the_bindings_beyond_are_the_last_ones() -> None:
    over = quota_standing(QUOTA, "L1", 4)
    assert beyond_quota(over, ["a", "b", "c", "d"]) == ("c", "d")
    assert beyond_quota(quota_standing(QUOTA, "L2", 4), ["a", "b", "c", "d"]) == ()


def test_the_shipped_program_counts_lv6_creators() -> None:
    program = load_program("douyin-jixing-mcn")
    assert program.binding_quota is not None
    assert program.binding_quota.counted_by == "lv6_creators"
    assert program.binding_quota.per_level == {"L1": 2, "L2": 5, "L3": 10, "L4": 30, "L5": None}


def _bind(w: World, pid: str, cid: str, level: int, on: date) -> None:
    w.creator(cid)
    w.bind(pid, cid, started_on=on)
    w.fact(cid, "creator_level", level, date(2024, 9, 1))


def september() -> World:
    w = World()
    w.seller("S0")
    w.creator("x")
    for pid in ("Q1", "Q2", "Q3"):
        w.partner(pid, joined_on=date(2024, 1, 1))
    for i in (1, 2):
        _bind(w, "Q1", f"q1c{i}", 6, date(2024, 3, 1))
    for i in (1, 2, 3):
        _bind(w, "Q2", f"q2c{i}", 6, date(2024, 3, 1))
    daily_orders(w, Period.parse("2024-09"))
    return w


def october(w: World) -> World:
    _bind(w, "Q1", "q1c3", 7, date(2024, 10, 5))
    _bind(w, "Q1", "q1c4", 6, date(2024, 10, 10))
    _bind(w, "Q1", "q1c5", 4, date(2024, 10, 6))  # Lv4: not counted
    _bind(w, "Q2", "q2c4", 6, date(2024, 10, 7))
    _bind(w, "Q3", "q3c1", 6, date(2024, 10, 8))
    w.order(datetime(2024, 10, 10, 4, tzinfo=UTC), "1", creator_id="x")
    return w


@pytest.fixture()
def published(tmp_path: Path) -> tuple[Path, str, Program]:
    """September loaded, evaluated and published; returns (store, state URL, program)."""
    program = load_program("douyin-jixing-mcn")
    db = tmp_path / "events.duckdb"
    url = f"sqlite:///{tmp_path / 'state.db'}"
    with EventStore.open(db) as store:
        store.load(export(september(), tmp_path / "sep"))
    with StateStore.open(url) as state, EventStore.open(db, read_only=True) as events:
        sep = Period.parse("2024-09")
        record_run(state, events.con, program, sep, sep, actor="t", publish=True)
    return db, url, program


def test_the_check_after_october(published: tuple[Path, str, Program], tmp_path: Path) -> None:
    db, url, program = published
    with EventStore.open(db) as store:
        store.load(export(october(september()), tmp_path / "oct"))
    with StateStore.open(url) as state, EventStore.open(db, read_only=True) as events:
        on = quota_day(events.con)
        assert on == date(2024, 10, 10)
        with state.session() as session:
            breaches = check_quota(events.con, session, program, on)
    assert [(b.partner_id, b.standing, b.beyond) for b in breaches] == [
        ("Q1", QuotaStanding("L1", 2, 4), ("q1c3", "q1c4")),
        ("Q3", QuotaStanding(None, 0, 1), ("q3c1",)),
    ]


def test_the_load_warns_and_tells_the_agency_once(
    published: tuple[Path, str, Program], tmp_path: Path
) -> None:
    db, url, _ = published
    folder = export(october(september()), tmp_path / "oct")
    args = ["data", "load", str(folder), "--db", str(db), "--state", url]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    warned = [line for line in first.stderr.splitlines() if "binding quota" in line]
    assert warned == [
        "warning: douyin-jixing-mcn: Q1 holds 4 creators counted against the binding quota "
        "on 2024-10-10 (lv6_creators); its level L1 allows 2: q1c3, q1c4 bound beyond it",
        "warning: douyin-jixing-mcn: Q3 holds 1 creators counted against the binding quota "
        "on 2024-10-10 (lv6_creators); its level none allows 0: q3c1 bound beyond it",
    ]
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and "notices queued" not in again.stderr
    with StateStore.open(url) as state, state.session() as session:
        listed = Outbox(session).list(program_id="douyin-jixing-mcn")
        messages = [m for m in listed if m.kind == "binding_quota_exceeded"]
    assert [(m.partner_id, m.period, m.language) for m in messages] == [
        ("Q1", "2024-10", "zh"),
        ("Q3", "2024-10", "zh"),
    ]
    q1 = messages[0].body
    assert "带货力Lv6及以上达人数" in q1 and "4人" in q1 and "2人" in q1 and "q1c3, q1c4" in q1


def test_no_state_store_no_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load where no lifecycle is kept (no --state, no default file) checks nothing."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIERWISE_STATE_URL", raising=False)
    folder = export(october(september()), tmp_path / "oct")
    result = CliRunner().invoke(app, ["data", "load", str(folder), "--db", "e.duckdb"])
    assert result.exit_code == 0 and "binding quota" not in result.stderr
    assert not (tmp_path / "tierwise-state.db").exists()


def test_the_card_shows_the_quota_of_the_level(published: tuple[Path, str, Program]) -> None:
    _, url, program = published
    with StateStore.open(url) as state, state.session() as session:
        q1 = program_card(session, program, "Q1").quota
        q3 = program_card(session, program, "Q3").quota
    assert q1 == QuotaStanding("L1", 2, 2) and q1.free == 0
    assert q3 == QuotaStanding(None, 0, 0)


def test_the_agency_reads_its_quota_on_its_dashboard(
    published: tuple[Path, str, Program],
) -> None:
    from fastapi.testclient import TestClient

    from tests.web.test_unauthenticated import form_sign_in
    from tierwise.accounts import Accounts, NewUser
    from tierwise.server.app import create_app
    from tierwise.web.context import Portal

    db, url, _ = published
    with StateStore.open(url) as state, state.session() as session:
        Accounts(session).add(NewUser("q1", "Q1 user", "partner", partner_id="Q1"), "pw pw pw pw")
    app = create_app(Portal.open(url, db), close_portal=True)
    try:
        client = TestClient(app, follow_redirects=False)
        assert form_sign_in(client, "q1", "pw pw pw pw").status_code == 303
        page = client.get("/partners/Q1/dashboard?lang=en")
        assert page.status_code == 200
        # L1 allows 2; the two Lv6 creators of September use them.
        assert "2 of 2 at L1: 0 more may be bound." in page.text
        zh = client.get("/partners/Q1/dashboard?lang=zh").text
        assert "L1可绑定2人，已绑定2人，还可绑定0人。" in zh
        token = client.post("/api/v1/tokens", json={"login": "q1", "password": "pw pw pw pw"})
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        api = client.get("/api/v1/partners/Q1/dashboard", headers=bearer)
        card = next(c for c in api.json()["cards"] if c["program_id"] == "douyin-jixing-mcn")
        assert card["quota"] == {"level": "L1", "limit": 2, "held": 2, "free": 0, "over": 0}
    finally:
        app.state.portal.close()


def test_a_state_store_that_cannot_open_leaves_the_load_standing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load is done before the check: a state store it cannot open is a warning, and
    the load exits 0 with its rows stored."""
    monkeypatch.setenv("TIERWISE_STATE_URL", f"sqlite:///{tmp_path / 'no' / 'such' / 's.db'}")
    folder = export(october(september()), tmp_path / "oct")
    result = CliRunner().invoke(app, ["data", "load", str(folder), "--db", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    assert "warning: binding quotas not checked: cannot open the state store" in " ".join(
        result.stderr.split()
    )
    with EventStore.open(tmp_path / "e", read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM bindings").fetchall() == [(10,)]


def test_nothing_is_checked_before_the_first_publication(tmp_path: Path) -> None:
    """No published period: no level, and so no quota, is in force yet (a first `make run`
    loads before it evaluates)."""
    program = load_program("douyin-jixing-mcn")
    db = tmp_path / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(export(october(september()), tmp_path / "oct"))
    url = f"sqlite:///{tmp_path / 'state.db'}"
    with (
        StateStore.open(url) as state,
        EventStore.open(db, read_only=True) as events,
        state.session() as session,
    ):
        assert check_quota(events.con, session, program, date(2024, 10, 10)) == []
