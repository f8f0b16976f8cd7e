"""The outbox: every notice kind rendered in English, Chinese and Thai, queued once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.definitions import load_program
from tierwise.definitions.model import Program, Visibility
from tierwise.lifecycle import Notice, PeriodResult, Policy, advance, expiring_notices
from tierwise.outbox.messages import (
    LANGUAGES,
    TEMPLATES,
    Language,
    language_of,
    render,
    shown_to_partner,
)
from tierwise.outbox.repository import Outbox, dedupe_key

BUYIN = load_program("buyin-mcn")
TSP = load_program("tts-th-tsp-shop")
ISV = load_program("tts-sea-isv")
P = Period.parse


def buyin_notices() -> tuple[Notice, ...]:
    """P1: V2 in August, then under observation in September (warning + level lost)."""
    policy = Policy.of(BUYIN)
    august = advance(policy, None, P("2024-08"), PeriodResult("P1", "assessed", "V2"))
    september = advance(
        policy,
        august.standing,
        P("2024-09"),
        PeriodResult(
            "P1",
            "observation",
            "V3",
            Decimal("420"),
            reasons=("observation: service points < 140; credit_score < 80",),
        ),
    )
    return august.notices + september.notices


def tsp_notices() -> tuple[Notice, ...]:
    policy = Policy.of(TSP)
    step = advance(policy, None, P("2024Q2"), PeriodResult("T1", "assessed", "Premier"))
    return step.notices + expiring_notices(policy, step.standing, date(2024, 9, 20))


REVIEW = Notice(
    "review_opened",
    "tts-sea-isv",
    "ISV-1",
    "2024H1",
    {
        "review": "invitation_review",
        "window": "2024H1",
        "level": "S",
        "proposed": None,
        "decides": "invitation_next_year",
    },
)


def every_kind() -> list[tuple[Program, Notice]]:
    pairs = [(BUYIN, n) for n in buyin_notices()] + [(TSP, n) for n in tsp_notices()]
    pairs.append((ISV, REVIEW))
    return pairs


def test_every_kind_has_a_template_in_every_language() -> None:
    kinds = {n.kind for _, n in every_kind()}
    assert kinds == {
        "level_changed",
        "observation_warning",
        "award_granted",
        "award_expiring",
        "review_opened",
    }
    for kind in [*kinds, "level_lost", "observation_withheld"]:
        for language in LANGUAGES:
            assert (kind, language) in TEMPLATES


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_notice_kind_renders(language: Language) -> None:
    for program, notice in every_kind():
        used, subject, body = render(program, notice, language)
        assert used == language
        assert "{" not in subject + body and "—" not in body.replace(" — ", ""), (subject, body)
        title = program.title.zh if language == "zh" else program.title.en
        assert title in subject and title in body
        assert notice.period in subject + body


def test_the_rendered_texts() -> None:
    warning = next(n for n in buyin_notices() if n.kind == "observation_warning")
    _, subject, body = render(BUYIN, warning, "zh")
    assert subject == "巨量百应MCN机构等级：2024-09等级预警"
    assert "服务力得分 < 140；信用分 < 80" in body and "（V2）" in body
    _, subject, body = render(BUYIN, warning, "en")
    assert "Service points < 140; Credit score < 80" in body
    # 百应 withholds observation: the agency is told no score (nor computed level), in any
    # language; a program that withholds nothing tells the score.
    assert "420" not in body and "Score" not in body
    assert "420" not in render(BUYIN, warning, "zh")[2] + render(BUYIN, warning, "th")[2]
    assert dict(shown_to_partner(BUYIN, warning).params) == {
        "baseline": "V2",
        "reasons": "observation: service points < 140; credit_score < 80",
    }
    # Nor the notice that it holds no level: the level before, not the computed one.
    lost = next(n for n in buyin_notices() if n.kind == "level_changed" and n.period == "2024-09")
    assert dict(lost.params)["computed_level"] == "V3"
    assert dict(shown_to_partner(BUYIN, lost).params) == {
        "level": None,
        "previous_level": "V2",
        "change": "lost",
    }
    telling = BUYIN.model_copy(update={"visibility": Visibility()})
    assert "Score: 420" in render(telling, warning, "en")[2]
    assert shown_to_partner(telling, warning) == warning
    lost = [n for n in buyin_notices() if n.kind == "level_changed"][-1]
    assert render(BUYIN, lost, "en")[2] == (
        "You hold no level in Buyin MCN agency levels for 2024-09 (it was V2)."
    )
    granted, expiring = tsp_notices()
    _, subject, body = render(TSP, granted, "th")
    assert "Premier" in subject and "2024-07-01" in body and "2024-09-30" in body
    _, subject, body = render(TSP, expiring, "en")
    assert subject.endswith("your Premier award expires on 2024-09-30")
    assert "11 days left" in body
    _, subject, body = render(TSP, granted, "zh")
    assert "卓越" in subject  # the level's Chinese title
    _, _, body = render(ISV, REVIEW, "en")
    assert "invitation review of ISV-1" in body and "proposed: none" in body


def test_languages_by_market() -> None:
    assert [language_of(m) for m in ("CN", "TH", "MY", "cn", None)] == [
        "zh",
        "th",
        "en",
        "zh",
        "en",
    ]


def test_outbox_queues_each_notice_once(store: StateStore) -> None:
    notices = buyin_notices()
    with store.session() as session:
        added = Outbox(session).add_notices(BUYIN, notices, {})
        assert [m.language for m in added] == ["zh"] * 3  # the program's only market: CN
    with store.session() as session:
        outbox = Outbox(session)
        assert outbox.add_notices(BUYIN, notices + notices, {"P1": "CN"}) == []
        tsp = tsp_notices()
        added = outbox.add_notices(TSP, tsp + tsp, {"T1": "TH"})
        assert [(m.kind, m.language) for m in added] == [
            ("award_granted", "th"),
            ("award_expiring", "th"),
        ]
        # The same award expiring, asked a day later (days_left changed): not queued again.
        later = expiring_notices(
            Policy.of(TSP),
            advance(
                Policy.of(TSP), None, P("2024Q2"), PeriodResult("T1", "assessed", "Premier")
            ).standing,
            date(2024, 9, 21),
        )
        assert later[0].params["days_left"] != tsp[1].params["days_left"]
        assert outbox.add_notices(TSP, later, {"T1": "TH"}) == []
        # A review item is the operator's to-do: never queued for the partner.
        assert outbox.add_notices(ISV, [REVIEW], {"ISV-1": "MY"}) == []
    with store.session() as session:
        outbox = Outbox(session)
        everything = outbox.list()
        assert len(everything) == 5
        assert all(m.kind != "review_opened" for m in everything)
        assert [m.partner_id for m in outbox.list(partner_id="T1")] == ["T1", "T1"]
        first = everything[0]
        assert first.status == "pending" and first.notice == notices[0].to_dict()
        assert (
            first.dedupe_key
            == dedupe_key(notices[0])
            == "buyin-mcn/P1/level_changed/2024-08/None/V2"
        )
        assert outbox.mark_sent([first.id, everything[1].id]) == 2
        assert outbox.mark_sent([first.id]) == 0
    with store.session() as session:
        outbox = Outbox(session)
        assert len(outbox.list(status="pending")) == 3  # 5 queued, 2 sent
        [sent, _] = outbox.list(status="sent")
        assert sent.sent_at is not None and sent.sent_at.tzinfo is not None
