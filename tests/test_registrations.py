"""TSP registration (seed 001, "How to participate" and FAQ 2): a TSP applies per category
and quarter; only registered TSPs are awarded, the others are scored and told why not; an
operator may exclude a TSP (from a quarter on) or forfeit an award for a false declaration,
audited, with the reason told to the partner.

The end-to-end world is `tests/test_program_tsp.py`'s shop world (worked by hand there and
in `tests/reports/test_tsp_report.py`): for 2024Q3 C scores 65 (Certified) and P 100
(Premier). Only P registers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_program_tsp import build_shop
from tierwise.core.periods import Period
from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore
from tierwise.definitions.model import AwardPolicy
from tierwise.definitions.registry import load_program
from tierwise.lifecycle import PeriodResult, Policy, advance
from tierwise.outbox.repository import Outbox
from tierwise.partners.catalog import PartnerInfo
from tierwise.partners.dashboard import dashboard
from tierwise.partners.repository import PublishedResults
from tierwise.projection import project
from tierwise.registrations.repository import Registrations
from tierwise.registrations.service import (
    Entitlement,
    RegistrationError,
    RegistrationRecord,
    SanctionRecord,
)
from tierwise.runs.repository import Runs
from tierwise.runs.service import record_run
from tierwise.store import EventStore
from tierwise.testing.scenarios import export

SHOP = load_program("tts-th-tsp-shop")
BUYIN = load_program("buyin-mcn")
Q = Period.parse
Q2, Q3, Q4 = Q("2024Q2"), Q("2024Q3"), Q("2024Q4")


def _registered(*pairs: tuple[str, str]) -> list[RegistrationRecord]:
    return [RegistrationRecord(SHOP.id, pid, Q(p), date(2024, 4, 1), "ops") for pid, p in pairs]


EXCLUDE_X = SanctionRecord(
    "exclude", SHOP.id, "X", Q3, "shops declared without a binding", date(2024, 9, 15), "ops"
)
FORFEIT_P = SanctionRecord(
    "forfeit", SHOP.id, "P", Q2, "false declaration", date(2024, 8, 1), "ops"
)


def test_the_tsp_programs_declare_registration() -> None:
    for program in (SHOP, load_program("tts-th-tsp-content")):
        assert isinstance(program.lifecycle, AwardPolicy) and program.lifecycle.registration


def test_who_may_be_awarded_for_a_quarter() -> None:
    e = Entitlement.of(
        SHOP, _registered(("P", "2024Q3"), ("X", "2024Q3"), ("X", "2024Q2")), [EXCLUDE_X, FORFEIT_P]
    )
    assert e.withheld("P", Q3) is None
    assert e.withheld("C", Q3) == ("not_registered", None)
    assert e.withheld("P", Q4) == ("not_registered", None)  # per quarter
    assert e.withheld("X", Q2) is None  # excluded from Q3 on only
    assert e.withheld("X", Q3) == ("excluded", "shops declared without a binding")
    assert e.withheld("X", Q4) == ("excluded", "shops declared without a binding")
    # Forfeited 2024-08-01: after Q2's generation date (07-01), before Q3's (10-01).
    assert e.forfeited("P", Q2) == ()
    assert e.forfeited("P", Q3) == (Q2,)


def test_a_program_without_registration_withholds_nothing() -> None:
    e = Entitlement.of(BUYIN, [], [])
    assert e.withheld("anyone", Q("2024-09")) is None


@given(
    registered=st.sets(st.tuples(st.sampled_from("ABC"), st.sampled_from(["2024Q2", "2024Q3"]))),
    excluded=st.sets(st.sampled_from("ABC")),
)
def test_an_award_is_withheld_exactly_when_unregistered_or_excluded(
    registered: set[tuple[str, str]], excluded: set[str]
) -> None:
    sanctions = [
        SanctionRecord("exclude", SHOP.id, pid, Q3, "r", date(2024, 7, 1), "ops")
        for pid in excluded
    ]
    e = Entitlement.of(SHOP, _registered(*registered), sanctions)
    for pid in "ABC":
        for text in ("2024Q2", "2024Q3"):
            period = Q(text)
            blocked = pid in excluded and period >= Q3
            expected = "excluded" if blocked else None
            if expected is None and (pid, text) not in registered:
                expected = "not_registered"
            got = e.withheld(pid, period)
            assert (got[0] if got else None) == expected


def test_an_unregistered_tsp_is_scored_but_not_awarded_and_told_why() -> None:
    policy = Policy.of(SHOP)
    step = advance(
        policy, None, Q3, PeriodResult("T1", "assessed", "Premier", withheld="not_registered")
    )
    assert (step.awards, step.level, step.computed_level) == ((), None, "Premier")
    assert [(n.kind, dict(n.params)) for n in step.notices] == [
        ("award_withheld", {"award": "Premier", "reason": "not_registered", "note": None})
    ]
    registered = advance(policy, None, Q3, PeriodResult("T1", "assessed", "Premier"))
    assert [a.award for a in registered.awards] == ["Premier"]


def test_a_forfeited_award_stops_being_held() -> None:
    """An award valid two quarters (Q1 → Q2 and Q3), forfeited before Q2's generation: Q2
    holds nothing (cause award_forfeited), where it would still hold Premier."""
    policy = Policy(
        "p",
        AwardPolicy(policy="award", valid_periods=2, registration=True),
        ("Certified", "Premier"),
        "quarter",
    )
    first = advance(policy, None, Q("2024Q1"), PeriodResult("T1", "assessed", "Premier"))
    assert first.level == "Premier"
    kept = advance(policy, first.standing, Q2, PeriodResult("T1", "assessed", None))
    assert kept.level == "Premier"
    lost = advance(
        policy, first.standing, Q2, PeriodResult("T1", "assessed", None, forfeited=(Q("2024Q1"),))
    )
    assert (lost.level, lost.change, lost.standing.origin) == (None, "lost", "award_forfeited")
    assert [n.kind for n in lost.notices] == ["level_changed"]


def test_registrations_and_sanctions_are_audited_and_told(state_url: str) -> None:
    with StateStore.open(state_url) as store:
        with store.session() as session:
            desk = Registrations(session)
            first = desk.register(SHOP, "T1", Q3, date(2024, 7, 2), "tsp@T1")
            again = desk.register(SHOP, "T1", Q3, date(2024, 7, 3), "tsp@T1")
            assert first == again and len(desk.registrations(SHOP.id)) == 1
            with pytest.raises(RegistrationError, match="close on 2024-09-30"):
                desk.register(SHOP, "T2", Q3, date(2024, 10, 1), "tsp@T2")
            with pytest.raises(RegistrationError, match="registers by quarter, not month"):
                desk.register(SHOP, "T2", Q("2024-08"), date(2024, 8, 1), "tsp@T2")
            with pytest.raises(RegistrationError, match="takes no registrations"):
                desk.register(BUYIN, "T2", Q("2024-08"), date(2024, 8, 1), "x")
            desk.impose(
                "exclude",
                SHOP,
                "T1",
                Q4,
                reason="shops declared without a binding",
                actor="ops",
                on=date(2024, 9, 20),
            )
            with pytest.raises(RegistrationError, match="excluded from tts-th-tsp-shop"):
                desk.register(SHOP, "T1", Q4, date(2024, 10, 2), "tsp@T1")
            with pytest.raises(RegistrationError, match="no award was given for 2024Q2"):
                desk.impose(
                    "forfeit", SHOP, "T1", Q2, reason="false", actor="ops", on=date(2024, 9, 20)
                )
            with pytest.raises(RegistrationError, match="a reason is required"):
                desk.impose(
                    "exclude", SHOP, "T3", Q4, reason=" ", actor="ops", on=date(2024, 9, 20)
                )
        with store.session() as session:
            audit = AuditLog(session)
            actions = [(e.action, e.object) for e in audit.entries()]
            assert actions == [
                ("register", "tts-th-tsp-shop/T1/2024Q3"),
                ("exclude", "tts-th-tsp-shop/T1/2024Q4"),
            ]
            assert audit.verify().ok
            (told,) = Outbox(session).list(partner_id="T1")
            # A TH program's partner is told in Thai, with the operator's reason.
            assert (told.kind, told.language) == ("excluded", "th")
            assert "shops declared without a binding" in told.body
            assert "2024Q4" in told.subject


@pytest.fixture
def shop_data(tmp_path: Path) -> Iterator[EventStore]:
    """The shop world with one 1 USD order a day from an unbound seller, so Q3's gate
    passes."""
    w = build_shop()
    w.seller("x", market="TH")
    day = date(2024, 7, 1)
    while day < Q3.end:
        w.order(datetime(day.year, day.month, day.day, 6, tzinfo=UTC), "1", seller_id="x")
        day += timedelta(days=1)
    db = tmp_path / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(export(w, tmp_path / "data"))
    with EventStore.open(db, read_only=True) as events:
        yield events


def test_only_registered_tsps_are_awarded_and_a_forfeit_is_shown(
    state_url: str, shop_data: EventStore
) -> None:
    with StateStore.open(state_url) as store:
        with store.session() as session:
            Registrations(session).register(SHOP, "P", Q3, date(2024, 7, 1), "tsp@P")
        recorded = record_run(store, shop_data.con, SHOP, Q3, Q3, actor="ops", publish=True)
        (period,) = recorded.history.periods
        steps = {s.partner_id: s for s in period.steps}
        assert [a.award for a in steps["P"].awards] == ["Premier"]
        assert (steps["C"].awards, steps["C"].computed_level, steps["C"].score) == (
            (),
            "Certified",
            65,
        )
        withheld = [n for n in steps["C"].notices if n.kind == "award_withheld"]
        assert [dict(n.params) for n in withheld] == [
            {"award": "Certified", "reason": "not_registered", "note": None}
        ]
        with store.session() as session:
            told = [m for m in Outbox(session).list(partner_id="C") if m.kind == "award_withheld"]
            assert len(told) == 1 and told[0].language == "th"
            assert "2024Q3" in told[0].subject
            assert [a.award for a in Runs(session).published_awards(SHOP.id, "P")] == ["Premier"]
        with store.session() as session:
            Registrations(session).impose(
                "forfeit",
                SHOP,
                "P",
                Q3,
                reason="false declaration of shops",
                actor="ops",
                on=date(2024, 10, 10),
            )
        with store.session() as session:
            on = date(2024, 10, 15)
            assert [
                a.partner_id for a in PublishedResults(session).awards_in_force(SHOP.id, on)
            ] == []
            runs = Runs(session)  # badges read these: a forfeited award's badge is withdrawn
            assert runs.published_awards(SHOP.id, "P") == []
            assert [a.award for a in runs.published_awards(SHOP.id, "P", forfeited=True)] == [
                "Premier"
            ]
            info = PartnerInfo("P", "P", "tsp", "TH", None)
            (card,) = [c for c in dashboard(session, [SHOP], info, on) if c.program_id == SHOP.id]
            assert [(a["award"], a["in_force"], a.get("forfeited")) for a in card.awards] == [
                ("Premier", False, "false declaration of shops")
            ]
            assert [(w.kind, w.params.get("reason")) for w in card.warnings] == [
                ("award_granted", None),
                ("award_forfeited", "false declaration of shops"),
            ]
            forfeited = [
                m for m in Outbox(session).list(partner_id="P") if m.kind == "award_forfeited"
            ]
            assert len(forfeited) == 1 and "false declaration of shops" in forfeited[0].body


def test_a_projection_awards_only_registered_tsps(state_url: str, shop_data: EventStore) -> None:
    """'If the period ended today' reads registrations as a run does: C's 65 projects
    Certified, but no award, since only P registered."""
    with StateStore.open(state_url) as store:
        with store.session() as session:
            Registrations(session).register(SHOP, "P", Q3, date(2024, 7, 1), "tsp@P")
        projected = project(shop_data.con, store, SHOP)
        assert projected is not None and projected.period == Q3
        assert [a.award for a in projected.steps["P"].awards] == ["Premier"]
        c = projected.steps["C"]
        assert (c.awards, c.computed_level) == ((), "Certified")
        assert [n.kind for n in c.notices if n.kind == "award_withheld"] == ["award_withheld"]
