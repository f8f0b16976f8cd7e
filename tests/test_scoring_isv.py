"""ISV hierarchy (spec section 1): the normalised weighted sum, ranks, quotas, classes,
the gap to the next class and the margin to keep one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from tierwise.definitions.scoring import NormalisedWeightedSum, Scoring, StatusRules
from tierwise.scoring import Outcome, Subject, score_partners


def isv_config(s_quota: int = 15, a_quota: int = 100, population: str = "market") -> Any:
    parsed = TypeAdapter(Scoring).validate_python(
        {
            "method": "normalised_weighted_sum",
            "terms": [
                {"metric": "sellers", "weight": 50},
                {"metric": "api_per_day", "weight": 50},
            ],
            "zero_when": [{"metric": "api_per_day", "equals": 0}],
            "population": population,
            "tie_break": [
                {"key": "sellers", "order": "desc"},
                {"key": "api_per_day", "order": "desc"},
                {"key": "partner_id", "order": "asc"},
            ],
            "classes": [
                {"level": "S", "quota": s_quota},
                {"level": "A", "quota": a_quota},
                {"level": "B"},
            ],
        }
    )
    assert isinstance(parsed, NormalisedWeightedSum)
    return parsed


SPEC = isv_config()
ELIGIBILITY = StatusRules.model_validate(
    {
        "eligible_when": [
            {"metric": "published_apps", "at_least": 1},
            {"metric": "sellers", "at_least": 1},
            {"metric": "api_per_day", "above": 0},
        ]
    }
)
LEVELS = ["B", "A", "S"]


def isv(pid: str, sellers: Any, api: Any, apps: int = 1, market: str = "TH") -> Subject:
    metrics = {"sellers": sellers, "api_per_day": api, "published_apps": apps}
    return Subject(pid, market=market, metrics=metrics)


def run(subjects: list[Subject], config: NormalisedWeightedSum = SPEC) -> dict[str, Outcome]:
    outs = score_partners(config, ELIGIBILITY, LEVELS, subjects, date(2024, 1, 1), date(2024, 4, 1))
    assert [o.partner_id for o in outs] == [s.partner_id for s in subjects]
    return {o.partner_id: o for o in outs}


def test_the_seeds_worked_example_is_exactly_049() -> None:
    out = run([isv("P1", 800_000, 1800.0), isv("P2", 1_000_000, 10_000)])
    # 0.5 · 800,000 / 1,000,000 + 0.5 · 1,800 / 10,000 = 0.4 + 0.09
    assert out["P1"].score == D("0.49")
    assert out["P1"].to_dict()["score"] == 0.49
    assert out["P2"].score == 1
    terms = {t.metric: t.points for t in out["P1"].trace if t.kind == "metric"}
    assert terms == {"sellers": D("0.4"), "api_per_day": D("0.09")}


def test_zero_rule_and_zero_maximum() -> None:
    out = run([isv("P1", 300, 0), isv("P2", 0, 50)])
    # P1: api_per_day == 0 → score 0; ineligible (api_per_day > 0 fails)
    assert (out["P1"].score, out["P1"].status, out["P1"].rank, out["P1"].level) == (
        0,
        "ineligible",
        None,
        None,
    )
    # P2: sellers term 0.5 · 0 / 300 = 0; api 0.5 · 50 / 50: 0.5; ineligible (no seller)
    assert (out["P2"].score, out["P2"].status) == (D("0.5"), "ineligible")
    # every partner without sellers: that term's maximum is 0, so the term is 0
    out = run([isv("P1", 0, 10), isv("P2", 0, 40)])
    assert out["P1"].score == D("0.125")


def scenario() -> dict[str, Outcome]:
    """S quota 1, A quota 2. Maxima: sellers 1,000, api 100.
    P1 1·0.5 + 1·0.5 = 1 (S); P2 0.3 + 0.2 = 0.5 and P3 0.2 + 0.3 = 0.5 tie, P2 has more
    sellers (A, A); P4 0.1 + 0.1 = 0.2 (B); P5 no seller, P6 no API call: ineligible."""
    return run(
        [
            isv("P4", 200, 20),
            isv("P3", 400, 60),
            isv("P6", 300, 0),
            isv("P1", 1000, 100),
            isv("P5", 0, 50),
            isv("P2", 600, 40),
        ],
        isv_config(1, 2),
    )


def test_ranks_tie_breaks_and_classes() -> None:
    out = scenario()
    got = {pid: (o.status, o.rank, o.level) for pid, o in out.items()}
    assert got == {
        "P1": ("assessed", 1, "S"),
        "P2": ("assessed", 2, "A"),
        "P3": ("assessed", 3, "A"),
        "P4": ("assessed", 4, "B"),
        "P5": ("ineligible", None, None),
        "P6": ("ineligible", None, None),
    }
    assert out["P5"].score == D("0.25")


def test_identical_partners_are_ordered_by_partner_id() -> None:
    out = run([isv("Z", 10, 10), isv("M", 10, 10), isv("A", 10, 10)], isv_config(1, 1))
    assert [(out[p].rank, out[p].level) for p in ("A", "M", "Z")] == [(1, "S"), (2, "A"), (3, "B")]


def test_spec_quotas_15_and_100() -> None:
    subjects = [isv(f"P{i:03d}", 1000 - i, 100) for i in range(130)]
    out = run(subjects)
    levels = [out[f"P{i:03d}"].level for i in range(130)]
    assert levels == ["S"] * 15 + ["A"] * 100 + ["B"] * 15
    assert [out[f"P{i:03d}"].rank for i in range(130)] == list(range(1, 131))


def test_populations_per_market_and_all() -> None:
    subjects = [isv("P1", 100, 10), isv("P2", 50, 5), isv("Q1", 10, 1, market="VN")]
    out = run(subjects)
    assert {p: (o.score, o.rank) for p, o in out.items()} == {
        "P1": (1, 1),
        "P2": (D("0.5"), 2),
        "Q1": (1, 1),
    }
    out = run(subjects, isv_config(population="all"))
    # Q1 against the maxima of all: 0.5 · 10/100 + 0.5 · 1/10 = 0.1
    assert (out["Q1"].score, out["Q1"].rank) == (D("0.1"), 3)


def test_gap_to_the_next_class() -> None:
    out = scenario()
    gap = out["P4"].next_level
    # last A is rank 3 (P3, 0.5): 0.3 missing; alone, sellers 200 + 0.3·2·1,000 = 800,
    # or api_per_day 20 + 0.3·2·100 = 80
    assert gap is not None
    assert (gap.level, gap.score, gap.target, gap.rank) == ("A", D("0.3"), D("0.5"), 3)
    assert [(s.metric, s.target) for s in gap.steps] == [
        ("sellers", D(800)),
        ("api_per_day", D(80)),
    ]
    assert out["P4"].to_dict()["next_level"]["gap"]["score"] == 0.3
    # P2 to S: 0.5 missing; neither metric alone can give it without passing the maximum
    gap = out["P2"].next_level
    assert gap is not None and (gap.level, gap.score, gap.rank) == ("S", D("0.5"), 1)
    assert gap.steps == ()
    assert out["P1"].next_level is None


def test_gap_of_an_ineligible_partner_names_the_conditions() -> None:
    out = scenario()
    gap = out["P5"].next_level
    assert gap is not None and gap.level == "B"
    assert gap.conditions == ("raise sellers from 0 to at least 1",)
    gap = out["P6"].next_level
    assert gap is not None and gap.conditions == ("raise api_per_day from 0 above 0",)


def test_margin_to_keep_the_class() -> None:
    out = scenario()
    keep = out["P1"].keep
    # S is not relegated by score; on ranking alone it can fall to 0.5 (rank 2)
    assert keep is not None and keep.level == "S" and keep.relegated_by_score is False
    assert keep.score == D("0.5")
    assert any("not relegated by score" in n for n in keep.notes)
    # A ends at rank 3; the best B (P4) has 0.2
    for pid, margin in (("P2", D("0.3")), ("P3", D("0.3"))):
        keep = out[pid].keep
        assert keep is not None and keep.relegated_by_score and keep.score == margin
    keep = out["P4"].keep
    assert keep is not None and keep.score is None and keep.relegated_by_score is False


# --- properties --------------------------------------------------------------------

PARTNERS = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 1)), max_size=25)


@settings(max_examples=200, deadline=None)
@given(PARTNERS, st.integers(0, 4), st.integers(0, 6))
def test_ranks_are_unique_and_quotas_respected(
    rows: list[tuple[int, int, int]], s_quota: int, a_quota: int
) -> None:
    subjects = [isv(f"P{i:02d}", s, a, apps) for i, (s, a, apps) in enumerate(rows)]
    out = run(subjects, isv_config(s_quota, a_quota))
    max_s = max((s for s, _, _ in rows), default=0)
    max_a = max((a for _, a, _ in rows), default=0)

    def score(s: int, a: int) -> Fraction:
        if a == 0:
            return Fraction(0)
        return (Fraction(s, 2 * max_s) if max_s else 0) + Fraction(a, 2 * max_a)

    eligible = [(f"P{i:02d}", s, a) for i, (s, a, apps) in enumerate(rows) if apps and s and a]
    expected = sorted(eligible, key=lambda e: (-score(e[1], e[2]), -e[1], -e[2], e[0]))
    for rank, (pid, _, _) in enumerate(expected, start=1):
        level = "S" if rank <= s_quota else "A" if rank <= s_quota + a_quota else "B"
        assert (out[pid].status, out[pid].rank, out[pid].level) == ("assessed", rank, level)
    ranked = {pid for pid, _, _ in eligible}
    for pid, o in out.items():
        if pid not in ranked:
            assert (o.status, o.rank, o.level) == ("ineligible", None, None)
    levels = [o.level for o in out.values()]
    assert levels.count("S") == min(s_quota, len(eligible))
    assert levels.count("A") == min(a_quota, max(len(eligible) - s_quota, 0))


@settings(max_examples=100, deadline=None)
@given(PARTNERS.flatmap(lambda rows: st.tuples(st.just(rows), st.permutations(range(len(rows))))))
def test_evaluation_does_not_depend_on_the_order_of_subjects(
    case: tuple[list[tuple[int, int, int]], list[int]],
) -> None:
    rows, permutation = case
    subjects = [isv(f"P{i:02d}", s, a, apps) for i, (s, a, apps) in enumerate(rows)]
    config = isv_config(2, 3)
    first = run(subjects, config)
    second = run([subjects[i] for i in permutation], config)
    assert {p: o.to_dict() for p, o in first.items()} == {p: o.to_dict() for p, o in second.items()}
