"""Verifiable badges: a link holds a claim signed with the store's key; the published runs
say whether it still holds. Expectations by hand from `tests.test_state_runs.new_run`: P2
is V3 in the run's period and earns award V3 valid from the period's end (the first day
after it) to the next period's last day (2024-09: 2024-10-01 .. 2024-10-31)."""

from __future__ import annotations

import base64
import json
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_state_runs import new_run
from tierwise.badges import Claim, NotGenuine, partner_badges, verify_badge
from tierwise.badges.claims import sign, verify
from tierwise.badges.service import badge_key
from tierwise.db.engine import StateStore
from tierwise.definitions.model import Visibility
from tierwise.definitions.registry import load_program
from tierwise.runs.repository import Runs

KEY = bytes(range(32))
CLAIM = Claim("level", "buyin-mcn", "P2", "2024-09", "V3")
#: 百应 as if it showed its levels publicly (the default visibility): the real definition
#: shows them on the agency's workbench only, and gives no badge (a test below).
PROGRAMS = {"buyin-mcn": load_program("buyin-mcn").model_copy(update={"visibility": Visibility()})}
NAMES = {"P2": "Agency Two"}


def publish(store: StateStore, period: str) -> None:
    new = new_run(period)
    with store.session() as session:
        Runs(session).add(new)
    with store.session() as session:
        Runs(session).publish(new.id, "op", "monthly")


# -- the link itself ------------------------------------------------------------------------


def test_a_link_reads_back_its_claim_and_is_always_the_same() -> None:
    link = sign(CLAIM, KEY)
    assert re.fullmatch(r"b1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}", link)
    assert sign(CLAIM, KEY) == link
    assert verify(link, KEY) == CLAIM


def test_a_claim_changed_under_the_old_signature_is_refused() -> None:
    version, part, signature = sign(CLAIM, KEY).split(".")
    body = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    body["v"] = "V5"  # promote oneself
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    with pytest.raises(NotGenuine, match="signature does not match"):
        verify(f"{version}.{forged}.{signature}", KEY)
    with pytest.raises(NotGenuine):  # signed with another key: another service's link
        verify(sign(CLAIM, bytes(32)), KEY)
    for broken in ("", "b1", "b1..", "b2." + part + "." + signature, "x" * 700):
        with pytest.raises(NotGenuine):
            verify(broken, KEY)


@settings(max_examples=300)
@given(st.data())
def test_any_one_character_changed_is_refused(data: st.DataObject) -> None:
    link = sign(CLAIM, KEY)
    at = data.draw(st.integers(0, len(link) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    new = data.draw(st.sampled_from([c for c in alphabet if c != link[at]]))
    with pytest.raises(NotGenuine):
        verify(link[:at] + new + link[at + 1 :], KEY)


# -- against the published runs --------------------------------------------------------------


def test_a_level_and_an_award_hold_while_their_run_and_validity_do(store: StateStore) -> None:
    publish(store, "2024-09")
    badges = partner_badges(store, PROGRAMS, "P2", date(2024, 10, 15))
    shown = {
        (b.claim.kind, b.claim.period, b.claim.value, b.valid_from, b.valid_to) for b in badges
    }
    assert shown == {
        ("level", "2024-09", "V3", None, None),
        ("award", "2024-09", "V3", date(2024, 10, 1), date(2024, 10, 31)),
    }
    level = next(b for b in badges if b.claim.kind == "level")
    award = next(b for b in badges if b.claim.kind == "award")
    assert level.title.en == PROGRAMS["buyin-mcn"].level("V3").title.en

    def standing(link: str, day: date) -> str:
        return verify_badge(store, PROGRAMS, NAMES, link, day).standing

    check = verify_badge(store, PROGRAMS, NAMES, award.link_id, date(2024, 10, 31))
    assert (check.current, check.partner_name, check.valid_to) == (
        True,
        "Agency Two",
        date(2024, 10, 31),
    )
    assert standing(award.link_id, date(2024, 9, 30)) == "not_yet_valid"
    assert standing(award.link_id, date(2024, 11, 1)) == "expired"
    assert standing(level.link_id, date(2025, 6, 1)) == "current"  # until a later period
    # an award no longer valid is not offered as a badge
    assert [b.claim.kind for b in partner_badges(store, PROGRAMS, "P2", date(2024, 11, 1))] == [
        "level"
    ]

    publish(store, "2024-10")
    assert standing(level.link_id, date(2024, 11, 15)) == "superseded"
    assert standing(award.link_id, date(2024, 10, 15)) == "current"  # an award is final
    now_shown = {
        (b.claim.kind, b.claim.period)
        for b in partner_badges(store, PROGRAMS, "P2", date(2024, 11, 15))
    }
    assert now_shown == {("level", "2024-10"), ("award", "2024-10")}


def test_a_claim_the_runs_never_made_is_genuine_only_if_signed_here(store: StateStore) -> None:
    publish(store, "2024-09")
    other = Claim("award", "buyin-mcn", "P1", "2024-09", "V5")  # P1 earned no award
    with pytest.raises(NotGenuine):  # signed with a key that is not the store's
        verify_badge(store, PROGRAMS, NAMES, sign(other, KEY), date(2024, 10, 1))
    # signed here (say, before an award was forfeited) but not in the runs: genuine, not held
    ours = sign(other, badge_key(store))
    assert verify_badge(store, PROGRAMS, NAMES, ours, date(2024, 10, 1)).standing == "withdrawn"
    level = sign(Claim("level", "buyin-mcn", "P1", "2024-09", "V5"), badge_key(store))
    assert verify_badge(store, PROGRAMS, NAMES, level, date(2024, 10, 1)).standing == "restated"
    assert partner_badges(store, PROGRAMS, "nobody", date(2024, 10, 1)) == []


def test_the_key_is_made_once_and_kept(state_url: str) -> None:
    with StateStore.open(state_url) as store:
        publish(store, "2024-09")
        first = [b.link_id for b in partner_badges(store, PROGRAMS, "P2", date(2024, 10, 1))]
    with StateStore.open(state_url) as store:  # another process, a restart
        again = [b.link_id for b in partner_badges(store, PROGRAMS, "P2", date(2024, 10, 1))]
        assert again == first
        assert verify_badge(store, PROGRAMS, NAMES, first[0], date(2024, 10, 1)).current


def test_no_badge_for_a_program_shown_on_the_workbench_only(store: StateStore) -> None:
    publish(store, "2024-09")
    real = {"buyin-mcn": load_program("buyin-mcn")}
    assert partner_badges(store, real, "P2", date(2024, 10, 15)) == []
    link = partner_badges(store, PROGRAMS, "P2", date(2024, 10, 15))[0].link_id
    assert verify_badge(store, real, NAMES, link, date(2024, 10, 15)).standing == "withdrawn"
