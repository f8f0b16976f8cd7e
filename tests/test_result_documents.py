"""Result documents: a body read back and written again is the same JSON (absent keys stay
absent, nulls stay null, integers stay integers), stored bodies come back typed, `_near`
reads a document's attributes, and a run's fingerprint is parsed in one place."""

from __future__ import annotations

import itertools
import json
import string
from datetime import date
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tierwise.db.engine import StateStore
from tierwise.evaluation.documents import Gap, Keep, NextLevel, ResultDocument
from tierwise.lifecycle.notices import NoticeKind
from tierwise.lifecycle.state import ReviewKind
from tierwise.runs.fingerprint import RunFingerprint
from tierwise.runs.repository import NewResult, NewRun, Runs, read_document
from tierwise.runs.service import _near
from tierwise.scoring.status import Status
from tierwise.scoring.trace import TraceKind

# -- JSON bodies as the scoring and the lifecycle write them ---------------------------

names = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8)
#: Any text JSON and both engines keep (PostgreSQL text holds no NUL).
texts = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12
)
floats = st.floats(allow_nan=False, allow_infinity=False)
numbers = st.one_of(st.integers(-(10**9), 10**9), floats)
relations = st.sampled_from([">=", ">", "<", "<="])


def lists(of: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(of, max_size=3)


trace_entries = st.fixed_dictionaries(
    {"kind": st.sampled_from(get_args(TraceKind)), "reason": texts},
    optional={
        "metric": names,
        "value": st.none() | floats,
        "points": floats,
        "band": texts,
        "component": names,
        "thresholds": st.dictionaries(texts, floats, max_size=3),
    },
)
channels = st.dictionaries(names, st.dictionaries(names, floats, max_size=3), max_size=2)
gaps = st.fixed_dictionaries(
    {"actions": lists(texts)},
    optional={
        "score": numbers,
        "points": floats,
        "target": numbers,
        "rank": st.integers(1, 500),
        "channels": channels,
        "components": lists(
            st.fixed_dictionaries(
                {
                    "group": names,
                    "metric": names,
                    "value": st.none() | floats,
                    "points": floats,
                    "room": floats,
                    "value_for_room": st.none() | floats,
                    "value_for_gap": st.none() | floats,
                }
            )
        ),
        "steps": lists(
            st.fixed_dictionaries(
                {
                    "metric": names,
                    "current": st.none() | floats,
                    "target": floats,
                    "relation": relations,
                    "points": floats,
                    "text": texts,
                },
                optional={"band": texts},
            )
        ),
        "conditions": lists(texts),
        "reachable": st.just(False),
    },
)
keeps = st.fixed_dictionaries(
    {"level": names, "relegated_by_score": st.booleans(), "notes": lists(texts)},
    optional={
        "score": numbers,
        "points": floats,
        "channels": channels,
        "risks": lists(
            st.fixed_dictionaries(
                {
                    "metric": names,
                    "current": st.none() | floats,
                    "threshold": floats,
                    "relation": relations,
                    "points_lost": floats,
                    "loses_level": st.booleans(),
                    "text": texts,
                },
                optional={"band": texts},
            )
        ),
        "conditions": lists(texts),
    },
)
notices = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(get_args(NoticeKind)),
        "program_id": names,
        "partner_id": names,
        "period": texts,
        "params": st.dictionaries(names, st.none() | texts, max_size=4),
    }
)
reviews = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(get_args(ReviewKind)),
        "partner_id": names,
        "window": texts,
        "opened_on": st.dates().map(date.isoformat),
        "level": names,
        "proposed": st.none() | names,
        "decides": names,
    }
)
bodies = st.fixed_dictionaries(
    {
        "partner_id": names,
        "status": st.sampled_from(get_args(Status)),
        "score": st.none() | numbers,
        "level": st.none() | names,
        "rank": st.none() | st.integers(1, 500),
        "metrics": st.dictionaries(names, st.none() | numbers, max_size=5),
        "next_level": st.none() | st.fixed_dictionaries({"level": names, "gap": gaps}),
        "keep": st.none() | keeps,
        "computed_level": st.none() | names,
        "trace": lists(trace_entries),
    },
    optional={
        "evaluations": st.dictionaries(
            names,
            st.fixed_dictionaries(
                {
                    "level": st.none() | names,
                    "score": st.none() | floats,
                    "trace": lists(trace_entries),
                }
            ),
            max_size=2,
        ),
        "notices": lists(notices),
        "reviews": lists(reviews),
    },
)


def text(value: Any) -> str:
    """The JSON text of a value, key order aside: `5` and `5.0` differ, `None` is `null`."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@given(bodies)
def test_a_body_read_and_written_again_is_the_same_json(body: dict[str, Any]) -> None:
    assert text(ResultDocument.model_validate(body).to_json()) == text(body)


@given(bodies)
def test_a_document_writes_its_fields_in_the_order_the_scoring_writes_them(
    body: dict[str, Any],
) -> None:
    """Byte-identical JSON needs the key order too: a document's order is its fields'."""
    written = ResultDocument.model_validate(body).to_json()
    order = list(ResultDocument.model_fields)
    assert list(written) == [k for k in order if k in body]


_runs = itertools.count()


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_a_stored_body_comes_back_as_the_document_it_was(
    store: StateStore, body: dict[str, Any]
) -> None:
    doc = ResultDocument.model_validate(body)
    period = "2024-09"
    new = NewRun(
        program_id="buyin-mcn",
        program_version=1,
        definition_hash="d" * 64,
        data_fingerprint=str(RunFingerprint("data", f"{next(_runs):04d}")),
        period=period,
        generated_on=date(2024, 10, 1),
        actor="tester",
        results=(
            NewResult(
                partner_id="P1",
                status=doc.status,
                score=None,
                computed_level=doc.computed_level,
                level=doc.level,
                previous_level=None,
                change="new",
                body=doc.to_json(),
            ),
        ),
    )
    with store.session() as session:
        run_id = Runs(session).add(new).id
    with store.session() as session:
        stored = Runs(session).result(run_id, "P1")
        assert stored is not None
        back = read_document(stored.body)
    assert back == doc
    assert text(back.to_json()) == text(body)


def test_a_body_with_a_key_no_document_has_is_refused() -> None:
    """Unknown keys would be dropped on the way back: refusing them keeps the JSON whole."""
    body = {
        "partner_id": "P",
        "status": "assessed",
        "score": 1,
        "level": None,
        "rank": None,
        "metrics": {},
        "next_level": None,
        "keep": None,
        "computed_level": None,
        "trace": [],
        "surprise": 1,
    }
    with pytest.raises(ValidationError, match="surprise"):
        ResultDocument.model_validate(body)


# -- _near on hand-made documents --------------------------------------------------------


def result(
    score: int | float | None,
    next_level: NextLevel | None = None,
    keep: Keep | None = None,
) -> ResultDocument:
    return ResultDocument(
        partner_id="P",
        status="assessed",
        score=score,
        level="V2",
        rank=None,
        metrics={},
        next_level=next_level,
        keep=keep,
        computed_level="V2",
        trace=(),
    )


def test_near_a_score_gap_of_exactly_five_percent_of_the_target() -> None:
    # 95 + 5 = 100 to reach V3; 5 ≤ 5% × 100 = 5.
    doc = result(95, NextLevel(level="V3", gap=Gap(score=5, actions=())))
    assert _near(doc) == "5 score below V3"


def test_not_near_a_score_gap_just_over_five_percent() -> None:
    # 94 + 6 = 100; 6 > 5.
    doc = result(94, NextLevel(level="V3", gap=Gap(score=6, actions=())))
    assert _near(doc) is None


def test_near_a_points_gap_of_a_banded_scorecard() -> None:
    # 78 + 2 = 80 points for Premier; 2 ≤ 5% × 80 = 4.
    doc = result(78.0, NextLevel(level="Premier", gap=Gap(points=2.0, target=80.0, actions=())))
    assert _near(doc) == "2 points below Premier"


def test_near_losing_the_level_by_a_margin_of_five_percent_of_the_score() -> None:
    # 400 can fall by 20 and keep V2; 20 ≤ 5% × 400 = 20.
    doc = result(400, keep=Keep(level="V2", score=20, relegated_by_score=True, notes=()))
    assert _near(doc) == "20 score above losing V2"


def test_not_near_with_a_wide_margin_and_a_far_gap() -> None:
    # Gap 50 of 500 = 10%; margin 30 of 450 ≈ 6.7%.
    doc = result(
        450,
        NextLevel(level="V3", gap=Gap(score=50, actions=())),
        Keep(level="V2", score=30, relegated_by_score=True, notes=()),
    )
    assert _near(doc) is None


def test_the_gap_is_reported_before_the_margin() -> None:
    # 0.19 + 0.01 = 0.2 (5%) and margin 0.005 ≤ 5% × 0.19 = 0.0095: both near, gap first.
    doc = result(
        0.19,
        NextLevel(level="S", gap=Gap(score=0.01, actions=())),
        Keep(level="A", score=0.005, relegated_by_score=True, notes=()),
    )
    assert _near(doc) == "0.01 score below S"


def test_no_score_or_a_zero_score_is_never_near_by_margin() -> None:
    keep = Keep(level="L1", points=0.0, relegated_by_score=True, notes=())
    assert _near(result(None, keep=keep)) is None
    assert _near(result(0, keep=keep)) is None


def test_a_hand_made_document_writes_only_what_it_was_given() -> None:
    gap = Gap(points=2.0, actions=("raise x",))
    assert gap.to_json() == {"points": 2.0, "actions": ["raise x"]}
    assert NextLevel(level="A", gap=Gap(reachable=False, actions=())).to_json() == {
        "level": "A",
        "gap": {"reachable": False, "actions": []},
    }


def test_the_stored_status_must_be_a_status() -> None:
    with pytest.raises(ValueError, match="not a status"):
        result(1).with_levels(level=None, computed_level=None, status="promoted")


# -- the run's fingerprint ---------------------------------------------------------------

digests = st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)


@given(digests, st.none() | digests)
def test_a_fingerprint_is_read_back_as_written(data: str, inputs: str | None) -> None:
    fingerprint = RunFingerprint(data, inputs)
    assert RunFingerprint.parse(str(fingerprint)) == fingerprint
    assert RunFingerprint.parse(str(fingerprint)).reads(data)


def test_a_fingerprint_is_data_then_inputs() -> None:
    assert str(RunFingerprint("60c8f1", "0a65ab")) == "60c8f1:0a65ab"
    assert RunFingerprint.parse("60c8f1:0a65ab") == RunFingerprint("60c8f1", "0a65ab")
    # A restatement records the data alone.
    assert RunFingerprint.parse("60c8f1") == RunFingerprint("60c8f1")
    assert not RunFingerprint.parse("60c8f1:0a65ab").reads("0a65ab")


@pytest.mark.parametrize("text", ["", "a:b:c", ":b", "a:"])
def test_a_malformed_fingerprint_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="fingerprint"):
        RunFingerprint.parse(text)
