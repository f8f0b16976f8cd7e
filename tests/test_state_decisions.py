"""Operator decisions: recorded as checked, read back as lifecycle decisions, audited."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tierwise.core.periods import Period
from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore
from tierwise.db.errors import ImmutableRun, StateError
from tierwise.decisions.repository import Decisions
from tierwise.definitions import load_program
from tierwise.lifecycle import Decision, Policy, Standing, check_decision

ISV = Policy.of(load_program("tts-sea-isv"))


def test_decisions_round_trip(store: StateStore) -> None:
    a_class = Standing(partner_id="ISV-7", period=Period.parse("2024H1"), level="A", held="A")
    invite = check_decision(
        ISV,
        a_class,
        Decision("invite", "ISV-7", "ops@tierwise", "met S twice", date(2024, 7, 15), level="S"),
    )
    override = Decision(
        "override",
        "ISV-9",
        "lead@tierwise",
        "strategic partner",
        date(2024, 8, 1),
        effective=date(2024, 8, 1),
        level="A",
        mode="floor",
        until=date(2024, 12, 31),
    )
    ended = Decision(
        "continue_invitation",
        "ISV-3",
        "ops@tierwise",
        "review done",
        date(2024, 12, 20),
        level="A",
        continues=False,
    )
    with store.session() as session:
        decisions = Decisions(session)
        recorded = decisions.add("tts-sea-isv", invite, before=a_class.to_dict())
        decisions.add("tts-sea-isv", override)
        decisions.add("tts-sea-isv", ended)
        decisions.add("other-program", override)
        assert recorded.id is not None
    with store.session() as session:
        decisions = Decisions(session)
        assert decisions.for_program("tts-sea-isv", date(2024, 12, 31)) == [
            invite,
            override,
            ended,
        ]
        assert invite.effective == date(2025, 1, 1)
        assert decisions.for_program("tts-sea-isv", date(2024, 8, 1)) == [invite, override]
        assert decisions.for_program("tts-sea-isv", date(2024, 7, 14)) == []
        assert decisions.for_program("tts-sea-isv", date(2025, 1, 1), partner_id="ISV-9") == [
            override
        ]
        [row] = decisions.list("tts-sea-isv", partner_id="ISV-7")
        assert (row.program_id, row.kind, row.level, row.created_at.tzinfo is not None) == (
            "tts-sea-isv",
            "invite",
            "S",
            True,
        )
        entries = AuditLog(session).entries()
        assert [e.action for e in entries] == ["decision", "override", "decision", "override"]
        assert [e.object for e in entries[:2]] == ["tts-sea-isv/ISV-7", "tts-sea-isv/ISV-9"]
        assert entries[0].before is not None and json.loads(entries[0].before)["held"] == "A"
        assert entries[0].after is not None and json.loads(entries[0].after)["level"] == "S"
        assert entries[1].reason == "strategic partner"


def test_a_recorded_decision_is_never_edited(store: StateStore) -> None:
    decision = Decision("remove", "ISV-1", "ops", "fraud", date(2024, 3, 1))
    with store.session() as session:
        decision_id = Decisions(session).add("tts-sea-isv", decision).id
    with pytest.raises(ImmutableRun), store.session() as session:
        record = Decisions(session).get(decision_id)
        assert record is not None
        record.reason = "something else"
    with pytest.raises(StateError, match="actor and a reason"), store.session() as session:
        Decisions(session).add("tts-sea-isv", Decision("remove", "ISV-1", "ops", " ", date.today()))
