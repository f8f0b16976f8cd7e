"""Who sees what, per program (issue 13 items 9 and 10), over a world with three programs
published, worked by hand:

    百应 (buyin-mcn, shown on the agency's own workbench only; observation withheld):
        A 2024-08 V3, B V1 (see `tierwise.testing.portal`);
        O 2024-07: reputation 4.0 → service 160, nothing else → 160 → V1;
          2024-08: reputation 3.0 → service 120 < 140 → observation; o0 lives on 4 days,
          o1 on none → live commitment 2 → 25 × 2/4 = 12.5; 120 + 12.5 = 132.5 → 133,
          computed V1 — never shown to O.
    集星 (douyin-jixing-mcn, shown to sellers and creators), 2024-08, channel 1 (Lv6+
        creators on the month's last day ≥ 1 → L1, ≥ 3 → L2):
        A: c0 at level 6 → 1 → L1; B: b0, b1, b2 → 3 → L2; O: none → no level.
    TSP shop (tts-th-tsp-shop, no `visibility`: sellers and partners, as always), 2024Q3:
        T with three Thai sellers and an order a day each: a result published.

The creator c0 is bound to A only; A, B and O are CN agencies, which 集星 grades."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import make_app
from tests.web.test_pages import page_of, row_ids, sign_in
from tierwise.accounts import Accounts, NewUser
from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.definitions.registry import load_program
from tierwise.registrations.repository import Registrations
from tierwise.runs.service import record_run
from tierwise.store import EventStore
from tierwise.testing.portal import PASSWORD, USERS, PortalSetup, portal_world
from tierwise.testing.scenarios import export

BUYIN, JIXING, TSP = "buyin-mcn", "douyin-jixing-mcn", "tts-th-tsp-shop"
THAI_SELLERS = ["TS0", "TS1", "TS2"]
#: 百应's observation rights (buyin-mcn.yaml), as the agency reads them in English.
OBSERVATION_RIGHTS = [
    "No level shown; a level warning is issued (service score < 140 or credit score < 80)",
    "Observation-period rights only; the rights of the earlier level no longer apply",
]
OBSERVATION_RIGHTS_ZH = [
    "不进行等级考核和展示，进行机构等级预警提醒（服务力<140分或信用分<80分）",
    "按照考察期权益进行匹配，不再享有之前考核期等级的对应权益",
]


#: The runs published: program, first and last period.
RANGES = ((BUYIN, "2024-07", "2024-08"), (JIXING, "2024-08", "2024-08"), (TSP, "2024Q3", "2024Q3"))


def build(folder: Path, ranges: tuple[tuple[str, str, str], ...] = RANGES) -> PortalSetup:
    w = portal_world()
    w.fact("c0", "creator_level", 6, date(2024, 8, 1))
    for c in ("b0", "b1", "b2"):
        w.fact(c, "creator_level", 6, date(2024, 8, 1))
    # A July level fact (below Lv4: counted by no 集星 metric), so 集星's data gate holds
    # for July too when a test publishes it.
    w.fact("b3", "creator_level", 2, date(2024, 7, 1))
    w.partner("O", joined_on=date(2024, 1, 1), name="Agency O")
    for c in ("o0", "o1"):
        w.creator(c)
        w.bind("O", c)
        w.fact(c, "reputation", "4.0", date(2024, 7, 1))
        w.fact(c, "reputation", "3.0", date(2024, 8, 1))
    for d in range(1, 5):
        w.live("o0", datetime(2024, 8, d, 12, tzinfo=UTC), None)
    for seller in THAI_SELLERS:
        w.seller(seller, market="TH")
        w.bind("T", seller, service="fulfillment")
    day = date(2024, 7, 1)
    while day < date(2024, 10, 1):
        for seller in THAI_SELLERS:
            paid = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
            w.order(paid, "100", seller_id=seller, currency="THB")
        day += timedelta(days=1)
    w.violation("TS0", datetime(2024, 7, 5, tzinfo=UTC))
    w.fx("THB", "0.03")
    w.fx("CNY", "0.14")
    data = export(w, folder / "data")
    db = folder / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(data)
    url = f"sqlite:///{folder / 'state.db'}"
    with StateStore.open(url) as state:
        with state.session() as session:  # only a registered TSP is awarded
            Registrations(session).register(
                load_program(TSP), "T", Period.parse("2024Q3"), date(2024, 7, 1), "setup"
            )
        with EventStore.open(db, read_only=True) as events:
            for program_id, first, last in ranges:
                recorded = record_run(
                    state,
                    events.con,
                    load_program(program_id),
                    Period.parse(first),
                    Period.parse(last),
                    actor="setup",
                    as_of=date(2024, 12, 1),
                    publish=True,
                )
                gates = recorded.to_dict()["periods"]
                assert all(p["gate"]["ok"] for p in gates), (program_id, gates)
        with state.session() as session:
            accounts = Accounts(session)
            for new in USERS.values():
                accounts.add(new, PASSWORD)
            accounts.add(NewUser("agency-o", "Agency O user", "partner", partner_id="O"), PASSWORD)
    return PortalSetup(db, url)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    application = make_app(build(tmp_path_factory.mktemp("visibility")))
    yield application
    application.state.portal.close()


@pytest.fixture(scope="module")
def api(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def headers(api: TestClient) -> dict[str, dict[str, str]]:
    found = {}
    for login in ("op", "seller-s0", "creator-c0", "agency-a", "agency-b", "agency-o"):
        reply = api.post("/api/v1/tokens", json={"login": login, "password": PASSWORD})
        assert reply.status_code == 201, reply.text
        found[login] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    found["anonymous"] = {}
    return found


# -- roles × programs ----------------------------------------------------------------------

#: Any level (T's TSP level is not worked here: only whether it is shown).
SHOWN = "*"
#: By hand, per caller and partner: the levels shown of each program, or the refusal.
MATRIX: dict[str, dict[str, dict[str, str | None] | int]] = {
    "op": {
        "A": {BUYIN: "V3", JIXING: "L1"},
        "B": {BUYIN: "V1", JIXING: "L2"},
        "O": {BUYIN: None, JIXING: None},
        "T": {TSP: SHOWN},
    },
    "seller-s0": {
        "A": {JIXING: "L1"},
        "B": {JIXING: "L2"},
        "O": {JIXING: None},
        "T": {TSP: SHOWN},
    },
    # Bound to A; B and O may be chosen by their 集星 level; T is no business of creators.
    "creator-c0": {
        "A": {JIXING: "L1"},
        "B": {JIXING: "L2"},
        "O": {JIXING: None},
        "T": 404,
    },
    # Its own levels all; another agency's none (百应: own workbench only; 集星 names no
    # partner); a TSP's as before.
    "agency-a": {
        "A": {BUYIN: "V3", JIXING: "L1"},
        "B": {},
        "O": {},
        "T": {TSP: SHOWN},
    },
    "agency-b": {
        "A": {},
        "B": {BUYIN: "V1", JIXING: "L2"},
        "O": {},
        "T": {TSP: SHOWN},
    },
    "agency-o": {
        "A": {},
        "B": {},
        "O": {BUYIN: None, JIXING: None},
        "T": {TSP: SHOWN},
    },
    "anonymous": {p: 401 for p in ("A", "B", "O", "T")},
}


def shown(levels: list[dict[str, object]], want: dict[str, str | None]) -> dict[str, object]:
    got = {str(lv["program_id"]): lv["level"] for lv in levels}
    return {p: (SHOWN if want.get(p) == SHOWN and v is not None else v) for p, v in got.items()}


@pytest.mark.parametrize("caller", sorted(MATRIX))
def test_who_is_shown_which_programs_level(
    api: TestClient, headers: dict[str, dict[str, str]], caller: str
) -> None:
    for partner, want in MATRIX[caller].items():
        reply = api.get(f"/api/v1/partners/{partner}", headers=headers[caller])
        if isinstance(want, int):
            assert reply.status_code == want, (caller, partner)
            continue
        assert reply.status_code == 200, (caller, partner, reply.text)
        assert shown(reply.json()["levels"], want) == want, (caller, partner)
    if caller == "anonymous":
        return
    # The directory's list says the same, partner by partner.
    listed = api.get("/api/v1/partners?limit=100", headers=headers[caller]).json()["items"]
    visible = {p: w for p, w in MATRIX[caller].items() if not isinstance(w, int)}
    assert [e["partner_id"] for e in listed] == sorted(visible)
    for entry in listed:
        want = visible[entry["partner_id"]]
        assert shown(entry["levels"], want) == want, (caller, entry["partner_id"])


@pytest.mark.parametrize("caller", ["op", "seller-s0", "creator-c0", "agency-a", "agency-b"])
def test_the_public_page_shows_the_same_programs(app: FastAPI, caller: str) -> None:
    browser = sign_in(app, caller)
    try:
        for partner, want in MATRIX[caller].items():
            if isinstance(want, int):
                page_of(browser, f"/directory/{partner}", want)
                continue
            page = page_of(browser, f"/directory/{partner}")
            programs = sorted(
                n.attrs["data-testid"].removeprefix("public-level-")
                for n in page.all(lambda t: t.startswith("public-level-"))
            )
            assert programs == sorted(want), (caller, partner)
    finally:
        browser.close()


# -- creators choose agencies by level (item 9) --------------------------------------------


def test_a_creator_chooses_agencies_by_their_jixing_level(app: FastAPI) -> None:
    creator = sign_in(app, "creator-c0")
    try:
        page = page_of(creator, "/creator")
        # Its own agency, with the level 集星 shows creators, not 百应's.
        row = page.one("creator-row-A")
        assert row.one("level-douyin-jixing-mcn").text() == "Douyin Jixing MCN agency levels L1"
        assert not row.has("level-buyin-mcn")
        # Every agency 集星 grades, bound or not, to choose from; by level.
        choose = page.one("choose-agencies")
        assert row_ids(choose, "choose-row-") == ["A", "B", "O"]
        for level, rows in (("L1", ["A"]), ("L2", ["B"]), ("L3", []), ("V1", [])):
            found = page_of(creator, f"/creator?program={JIXING}&level={level}")
            assert row_ids(found, "choose-row-") == rows, level
            assert found.one("choose-count").text() == (
                f"Agencies found: {len(rows)}" if rows else "No partner matches these filters."
            )
        b = page_of(creator, "/creator?level=L2").one("choose-row-B")
        assert b.one("level-douyin-jixing-mcn").text() == "Douyin Jixing MCN agency levels L2"
        # A program not shown to creators is not a filter: asked for, it is ignored.
        ignored = page_of(creator, f"/creator?program={BUYIN}")
        assert row_ids(ignored, "choose-row-") == ["A", "B", "O"]
        # The directory, the same: a 百应 level finds no one for a creator.
        assert row_ids(page_of(creator, "/directory?level=L2"), "directory-row-") == ["B"]
        assert row_ids(page_of(creator, "/directory?level=V3"), "directory-row-") == []
        filters = page_of(creator, "/directory").one("directory-filter")
        assert filters.one("filter-program").text() == (
            "All programs Douyin Jixing MCN agency levels"
        )
        assert "V1" not in filters.one("filter-level").text()
    finally:
        creator.close()


def test_sellers_and_agencies_filter_by_the_levels_they_are_shown(
    api: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    def ids(login: str, query: str) -> list[str]:
        doc = api.get(f"/api/v1/partners{query}", headers=headers[login]).json()
        return [e["partner_id"] for e in doc["items"]]

    assert ids("seller-s0", f"?program={JIXING}&level=L2") == ["B"]
    assert ids("seller-s0", f"?program={JIXING}") == ["A", "B", "O"]
    assert ids("seller-s0", "?level=V3") == []
    # An agency is shown no other agency's 集星 level, but finds itself by its own.
    assert ids("agency-a", f"?program={JIXING}") == ["A"]
    assert ids("agency-a", "?level=L2") == []
    assert ids("agency-b", "?level=L2") == ["B"]


# -- an agency in observation (item 10) ----------------------------------------------------


def buyin_card(doc: dict[str, Any]) -> dict[str, Any]:
    card: dict[str, Any] = next(c for c in doc["cards"] if c["program_id"] == BUYIN)
    return card


def test_an_agency_in_observation_is_shown_no_score_and_no_level_in_the_api(
    api: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    own = buyin_card(api.get("/api/v1/partners/O/dashboard", headers=headers["agency-o"]).json())
    assert (own["period"], own["status"]) == ("2024-08", "observation")
    for key in ("score", "level", "computed_level", "previous_level", "change", "next_level"):
        assert own[key] is None, key
    assert (own["metrics"], own["keep"]) == ({}, None)
    breakdown = own["breakdown"]
    assert isinstance(breakdown, list) and breakdown
    assert {e["kind"] for e in breakdown} <= {"rule", "status"}
    assert own["status_rights"] == {"en": OBSERVATION_RIGHTS, "zh": OBSERVATION_RIGHTS_ZH}
    warnings = own["warnings"]
    assert isinstance(warnings, list)
    # The status, the warning (its reasons and the level before), and the notice that it
    # holds no level (V1 → none): nothing of the score or the computed V1.
    assert [w["kind"] for w in warnings] == [
        "status_observation",
        "observation_warning",
        "level_changed",
    ]
    assert warnings[1]["params"]["baseline"] == "V1"
    assert "score" not in warnings[1]["params"]
    assert "computed_level" not in warnings[1]["params"]
    assert warnings[2]["params"] == {"level": None, "previous_level": "V1", "change": "lost"}
    history = own["history"]
    assert isinstance(history, list)
    assert [(h["period"], h["score"], h["level"]) for h in history] == [
        ("2024-07", "160", "V1"),
        ("2024-08", None, None),
    ]
    assert "133" not in str(own)
    # The operator reads the card whole: 133, computed V1.
    whole = buyin_card(api.get("/api/v1/partners/O/dashboard", headers=headers["op"]).json())
    assert (whole["score"], whole["computed_level"], whole["level"]) == ("133", "V1", None)
    # The result and the history, the same.
    path = f"/api/v1/partners/O/programs/{BUYIN}"
    result = api.get(f"{path}/result", headers=headers["agency-o"]).json()
    assert (result["status"], result["score"], result["level"], result["computed_level"]) == (
        "observation",
        None,
        None,
        None,
    )
    assert result["metrics"] == {} and result["next_level"] is None
    assert api.get(f"{path}/result", headers=headers["op"]).json()["score"] == "133"
    points = api.get(f"{path}/history", headers=headers["agency-o"]).json()
    assert [(h["period"], h["score"], h["level"], h["computed_level"]) for h in points] == [
        ("2024-07", "160", "V1", "V1"),
        ("2024-08", None, None, None),
    ]
    # Its outbox (Chinese, a CN agency) warns it without the score.
    messages = api.get("/api/v1/partners/O/outbox", headers=headers["agency-o"]).json()
    (warning,) = [m for m in messages["items"] if m["kind"] == "observation_warning"]
    assert warning["language"] == "zh" and "考察期" in warning["body"]
    assert "服务力得分 < 140" in warning["body"]  # the reason names the service points
    assert "133" not in warning["body"] and "得分：" not in warning["body"]
    # 集星 withholds nothing: O's 集星 card is whole (no level: no Lv6+ creator).
    jixing = next(
        c
        for c in api.get("/api/v1/partners/O/dashboard", headers=headers["agency-o"]).json()[
            "cards"
        ]
        if c["program_id"] == JIXING
    )
    assert (jixing["status"], jixing["level"]) == ("assessed", None) and jixing["metrics"]


def test_an_agency_in_observation_sees_the_warning_its_rights_and_what_ends_it(
    app: FastAPI,
) -> None:
    agency = sign_in(app, "agency-o")
    operator = sign_in(app, "op")
    try:
        card = page_of(agency, "/partners/O/dashboard").one(f"card-{BUYIN}")
        assert card.one("withheld-note").text().startswith("While under observation, no score")
        for absent in ("score", "level", "computed-level", "next-level", "keep", "breakdown"):
            assert not card.has(absent), absent
        assert not card.has("history-chart")
        assert card.one("warning-status_observation").text() == (
            "Under observation this period: no level is shown while it lasts."
        )
        warning = card.one("warning-observation_warning").text()
        assert "Service points < 140" in warning and "(V1)" in warning
        assert card.one("warning-level_changed").text() == (
            "You hold no level in Buyin MCN agency levels for 2024-08 (it was V1)."
        )
        text = card.one("rights").text()
        assert text.startswith("Rights while under observation")
        assert all(r in text for r in OBSERVATION_RIGHTS)
        ends = card.one("status-ends")
        assert ends.text().startswith("What ends being under observation")
        assert "140" in ends.text()
        assert "133" not in card.text() and "Score" not in card.text()
        # The operator sees the same card whole.
        whole = page_of(operator, "/partners/O/dashboard").one(f"card-{BUYIN}")
        assert whole.one("score").text() == "133"
        assert not whole.has("withheld-note")
    finally:
        agency.close()
        operator.close()
