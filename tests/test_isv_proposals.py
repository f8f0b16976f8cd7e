"""tts-sea-isv v3: downgrade and removal proposals from the data (issue 13 item 4), worked
out by hand.

At the close of each half year (the Q2 and Q4 evaluations) a class A ISV gets a downgrade
proposal (A → B) when it adopted no new API interface in the half year (the best quarterly
`adaptation` fact entered in the six months is 0) or has a data-leak or seller-complaint
violation recorded against it in the half year; a class B ISV gets a removal proposal on
such a violation. A proposal is the operator's review item: the class does not move, and
the partner's outbox never gets it. An ineligible ISV shows no "Top ISV" badge.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.decisions.service import open_reviews
from tierwise.definitions.registry import load_program
from tierwise.evaluation.service import Evaluation, evaluate
from tierwise.lifecycle import PeriodResult, Policy, ReviewItem, Standing, advance
from tierwise.lifecycle.notices import OPERATOR_ONLY
from tierwise.metrics.scope import EnteredFact
from tierwise.outbox.repository import Outbox
from tierwise.runs.service import record_run
from tierwise.testing.world import On, World

ISV = load_program("tts-sea-isv")
Q = Period.parse


def build() -> World:
    """Four ISVs evaluated for 2024Q2 (the window of the half: 2024-01-01 … 2024-06-30)."""
    w = World()
    for pid in ("I1", "I2", "I3", "I4"):
        w.partner(pid, kind="isv", market="TH")
        app = w.app(pid, f"{pid}-app", published_on=date(2024, 1, 1))
        w.subscribe(app, f"{pid}-s1", started_on=date(2024, 1, 1))
        w.api_calls(app, date(2024, 5, 1), 91)
    # I1: adaptation 1 in Q1, 0 in Q2 → best of the half 1; one complaint in May, and a
    # data leak revoked on appeal (does not count) → 1 violation.
    w.fact("I1", "adaptation", 1, date(2024, 3, 31), subject_kind="partner")
    w.fact("I1", "adaptation", 0, date(2024, 6, 30), subject_kind="partner")
    w.violation("I1", datetime(2024, 5, 2, 10), kind="complaint", subject_kind="partner")
    w.violation(
        "I1",
        datetime(2024, 4, 2, 10),
        kind="data_leak",
        subject_kind="partner",
        revoked_at=datetime(2024, 6, 1),
    )
    # I2: adaptation 0 both quarters → 0; a data leak in Dec 2023 (before the half) and an
    # IPR violation in the half (another kind) → 0 counted.
    w.fact("I2", "adaptation", 0, date(2024, 3, 31), subject_kind="partner")
    w.fact("I2", "adaptation", 0, date(2024, 6, 30), subject_kind="partner")
    w.violation("I2", datetime(2023, 12, 20, 10), kind="data_leak", subject_kind="partner")
    w.violation("I2", datetime(2024, 2, 1, 10), kind="ipr", subject_kind="partner")
    # I3: no adaptation fact at all → the default 0; a seller's data leak is not the ISV's.
    w.violation("I3", datetime(2024, 2, 1, 10), kind="data_leak", subject_kind="seller")
    # I4: adopted in Q1 only (0.5 in Q2 of 2023 is outside the half) → 1; two data leaks.
    w.fact("I4", "adaptation", 0.5, date(2023, 6, 30), subject_kind="partner")
    w.fact("I4", "adaptation", 1, date(2024, 2, 15), subject_kind="partner")
    w.violation("I4", datetime(2024, 1, 5, 10), kind="data_leak", subject_kind="partner")
    w.violation("I4", datetime(2024, 6, 29, 10), kind="data_leak", subject_kind="partner")
    return w


@pytest.fixture(scope="module")
def ev(on: On) -> Evaluation:
    return evaluate(on(build()), ISV, Q("2024Q2"))


@pytest.mark.parametrize(
    ("pid", "adoption", "violations"),
    [("I1", 1, 1), ("I2", 0, 0), ("I3", 0, 0), ("I4", 1, 2)],
)
def test_the_half_year_metrics(ev: Evaluation, pid: str, adoption: int, violations: int) -> None:
    m = ev.result(pid).to_json()["metrics"]
    assert (m["new_api_adoption"], m["leaks_and_complaints"]) == (adoption, violations)


def result_of(ev: Evaluation, pid: str) -> PeriodResult:
    return PeriodResult.of(next(o for o in ev.outcomes if o.partner_id == pid))


def proposals(pid: str, held: str, ev: Evaluation) -> list[ReviewItem]:
    """The downgrade proposals opened at 2024Q2 for a partner holding `held`."""
    standing = Standing(pid, Q("2024Q1"), held, held, "first_class")
    step = advance(Policy.of(ISV), standing, Q("2024Q2"), result_of(ev, pid), ())
    assert step.level == held  # a proposal, never a move
    return [r for r in step.reviews if r.kind == "downgrade_proposal"]


def test_class_a_proposals(ev: Evaluation) -> None:
    # I1: adopted in Q1, but a complaint → downgrade proposed, for the complaint only.
    (i1,) = proposals("I1", "A", ev)
    assert (i1.window, i1.proposed, i1.decides) == (Q("2024H1"), "B", "downgrade")
    assert i1.reasons == ("leaks_and_complaints ≥ 1",)
    assert i1.opened_on == date(2024, 7, 1)
    # I2 and I3: no new API adopted in the half year → downgrade proposed.
    for pid in ("I2", "I3"):
        (item,) = proposals(pid, "A", ev)
        assert (item.proposed, item.reasons) == ("B", ("new_api_adoption = 0",))
    # I4 adopted, but two data leaks.
    (i4,) = proposals("I4", "A", ev)
    assert i4.reasons == ("leaks_and_complaints ≥ 1",)


def test_class_b_removal_on_a_violation_only(ev: Evaluation) -> None:
    (i1,) = proposals("I1", "B", ev)
    assert (i1.proposed, i1.decides) == (None, "removal")
    assert proposals("I2", "B", ev) == []  # not adopting new APIs does not remove a B
    (i4,) = proposals("I4", "B", ev)
    assert i4.decides == "removal"


def test_class_s_gets_its_invitation_review_not_a_proposal(ev: Evaluation) -> None:
    assert proposals("I2", "S", ev) == []


def test_only_at_the_close_of_a_half_year() -> None:
    """Q1 closes no half year: the same values open nothing."""
    standing = Standing("I2", Q("2023Q4"), "A", "A", "first_class")
    result = PeriodResult("I2", "assessed", "A", metrics={"new_api_adoption": None})
    step = advance(Policy.of(ISV), standing, Q("2024Q1"), result, ())
    assert step.reviews == ()
    # At Q2 a value of None ("no value") counts as 0: proposed.
    step = advance(Policy.of(ISV), step.standing, Q("2024Q2"), result, ())
    assert [r.reasons for r in step.reviews] == [("new_api_adoption = 0",)]
    # Opened once: the next run of the same half (the item is still open) adds none.
    again = advance(
        Policy.of(ISV),
        Standing("I2", Q("2024Q1"), "A", "A", "first_class", reviews=step.reviews),
        Q("2024Q2"),
        result,
        (),
    )
    assert again.reviews == ()


def test_review_notices_are_for_operators_only(ev: Evaluation) -> None:
    standing = Standing("I2", Q("2024Q1"), "A", "A", "first_class")
    step = advance(Policy.of(ISV), standing, Q("2024Q2"), result_of(ev, "I2"), ())
    kinds = {n.kind for n in step.notices}
    assert kinds == {"review_opened"} and kinds <= OPERATOR_ONLY


def test_no_top_isv_badge_while_ineligible() -> None:
    top = ISV.badge_of("S", "assessed")
    assert top is not None and top.name == "Top ISV"
    assert ISV.badge_of("S", "ineligible") is None
    assert ISV.badge_of("B", "assessed") is None  # class B has no badge
    assert ISV.badge_of(None) is None


# -- entered facts in the plan (issue 13 item 2) -------------------------------------------


def test_entered_facts_win_over_loaded_ones_of_the_same_day(on: On) -> None:
    """I1 has adaptation 0 loaded for 2024-06-30; an operator enters 1 for that day (so
    the half year's best is 1) and 0.5 for I'm, a partner id with a quote, on 2024-03-31:
    the entered values are read, quoting and all."""
    w = build()
    w.partner("I'm", kind="isv", market="TH")
    entered = (
        EnteredFact("I1", "adaptation", date(2024, 6, 30), Decimal("1")),
        EnteredFact("I'm", "adaptation", date(2024, 3, 31), Decimal("0.5")),
        EnteredFact("I2", "compliance", date(2024, 6, 30), Decimal("0.25")),
    )
    ev = evaluate(on(w), ISV, Q("2024Q2"), entered_facts=entered)
    metric = {pid: ev.result(pid).to_json()["metrics"] for pid in ("I1", "I2", "I'm")}
    assert metric["I1"]["new_api_adoption"] == 1  # Q1's 1 either way
    assert metric["I'm"]["new_api_adoption"] == 0.5
    # compliance is read within the quarter: I2's entered 0.25 on the last day.
    assert metric["I2"]["compliance"] == 0.25
    # I2's adaptation: 0 loaded, nothing entered → still 0.
    assert metric["I2"]["new_api_adoption"] == 0
    # Without entered facts, the loaded values.
    plain = evaluate(on(w), ISV, Q("2024Q2"))
    assert plain.result("I2").to_json()["metrics"]["compliance"] == 0


def test_an_entered_fact_replaces_a_loaded_one_not_an_older_one(on: On) -> None:
    """Loaded: I3 compliance 1 on 2024-06-30; entered 0 the same day → 0 (the entered
    one replaces it). Loaded key_project 1 on 2024-06-30, entered 0 on 2024-05-01 → 1:
    the loaded fact is the later one, and the evaluation reads the latest."""
    w = build()
    w.fact("I3", "compliance", 1, date(2024, 6, 30), subject_kind="partner")
    w.fact("I3", "key_project", 1, date(2024, 6, 30), subject_kind="partner")
    entered = (
        EnteredFact("I3", "compliance", date(2024, 6, 30), Decimal(0)),
        EnteredFact("I3", "key_project", date(2024, 5, 1), Decimal(0)),
    )
    m = evaluate(on(w), ISV, Q("2024Q2"), entered_facts=entered).result("I3").to_json()
    assert (m["metrics"]["compliance"], m["metrics"]["key_project"]) == (0, 1)


# -- end to end: runs, the operators' review items, the partner's outbox --------------------


def seventeen_isvs() -> World:
    """I01…I17 in TH, every day of 2024H1 100 API calls each; I01 has 17 sellers, I02 16, …
    I17 1: ranks follow the ids, I01–I15 are S, I16 and I17 A (15 S in all of SEA). I16
    adopted a new API in Q1 (adaptation 1); I17 adopted none and has a seller complaint
    recorded against it in May."""
    w = World()
    for n in range(1, 18):
        pid = f"I{n:02d}"
        w.partner(pid, kind="isv", market="TH")
        app = w.app(pid, f"{pid}-app", published_on=date(2023, 1, 1))
        for s in range(18 - n):
            w.subscribe(app, f"{pid}-s{s}", started_on=date(2023, 1, 1))
        for i in range(182):
            w.api_calls(app, date(2024, 1, 1) + timedelta(days=i), 100)
    w.fact("I16", "adaptation", 1, date(2024, 3, 31), subject_kind="partner")
    w.violation("I17", datetime(2024, 5, 2, 10), kind="complaint", subject_kind="partner")
    return w


def test_proposals_reach_the_operator_and_never_the_outbox(store: StateStore) -> None:
    w = seventeen_isvs()
    record_run(store, w.con, ISV, Q("2024Q1"), Q("2024Q2"), actor="test", publish=True)
    with store.reading() as session:
        reviews = open_reviews(session, [ISV])
        queued = Outbox(session).list()
    by_kind = {(r["partner_id"], r["kind"]) for r in reviews}
    # S: an invitation review each; I16 adopted a new API and has no violation: nothing.
    assert {pid for pid, kind in by_kind if kind == "invitation_review"} == {
        f"I{n:02d}" for n in range(1, 16)
    }
    (proposal,) = [r for r in reviews if r["kind"] == "downgrade_proposal"]
    assert proposal == {
        "program_id": "tts-sea-isv",
        "period": "2024Q2",
        "kind": "downgrade_proposal",
        "partner_id": "I17",
        "window": "2024H1",
        "opened_on": "2024-07-01",
        "level": "A",
        "proposed": "B",
        "decides": "downgrade",
        "reasons": ["new_api_adoption = 0", "leaks_and_complaints ≥ 1"],
    }
    assert all(m.kind != "review_opened" for m in queued)
