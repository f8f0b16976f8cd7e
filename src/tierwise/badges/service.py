"""Badges a partner can show elsewhere, each with a link anyone can open to check it: that
tierwise issued it (the signature) and that it still holds (the published runs).

A level's badge is current while its period is the program's latest published period and
that period's published level is still the one claimed (an appeal may restate it); an
award's badge while today is within its validity."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session

from tierwise.badges.claims import Claim, sign, verify
from tierwise.db.engine import StateStore, hold_until_commit, now
from tierwise.db.models import SigningKey
from tierwise.definitions import Program
from tierwise.definitions.model import Text
from tierwise.runs.repository import Runs

PURPOSE = "badges"

Standing = Literal["current", "superseded", "restated", "expired", "not_yet_valid", "withdrawn"]


def badge_key(store: StateStore) -> bytes:
    """The store's badge key, made at random the first time (workers racing to make it
    agree: the first one's key is kept)."""
    with store.reading() as session:
        row = session.get(SigningKey, PURPOSE)
        if row is not None:
            return bytes.fromhex(row.secret)
    with store.session() as session:
        hold_until_commit(session, "signing_key", PURPOSE)
        row = session.get(SigningKey, PURPOSE)
        if row is None:
            row = SigningKey(purpose=PURPOSE, secret=secrets.token_hex(32), created_at=now(session))
            session.add(row)
        return bytes.fromhex(row.secret)


@dataclass(frozen=True)
class Badge:
    """A badge with its verification link's id and what it shows."""

    claim: Claim
    link_id: str
    title: Text
    program_title: Text
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class Verification:
    """What a genuine link claims, and whether it still holds (and if not, why)."""

    claim: Claim
    standing: Standing
    title: Text | None
    program_title: Text | None
    partner_name: str | None
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def current(self) -> bool:
        return self.standing == "current"


def _title(program: Program, value: str) -> Text:
    try:
        return program.level(value).title
    except KeyError:
        return Text(en=value, zh=value)


def partner_badges(
    store: StateStore, programs: dict[str, Program], partner_id: str, today: date
) -> list[Badge]:
    """The partner's badges that hold today: its level in each program's latest published
    period, and its awards valid today or later."""
    claims: list[tuple[Claim, Program, date | None, date | None]] = []
    with store.reading() as session:
        runs = Runs(session)
        for program in programs.values():
            if not program.visibility.public_to:
                continue  # shown on the partner's own workbench only (百应): no public link
            latest = runs.latest_published(program.id)
            result = None if latest is None else runs.result(latest.id, partner_id)
            # Withheld (百应 observation) or ineligible (an S ISV keeps its class, not its
            # "Top ISV" badge): no level badge.
            withheld = result is not None and (
                program.visibility.withholds(result.status) or result.status == "ineligible"
            )
            if latest is not None and result is not None and result.level and not withheld:
                claim = Claim("level", program.id, partner_id, latest.period, result.level)
                claims.append((claim, program, None, None))
            for award in runs.published_awards(program.id, partner_id):
                if award.valid_to >= today:
                    claim = Claim(
                        "award", program.id, partner_id, str(award.for_period), award.award
                    )
                    claims.append((claim, program, award.valid_from, award.valid_to))
    if not claims:
        return []
    key = badge_key(store)
    return [
        Badge(c, sign(c, key), _title(p, c.value), p.title, valid_from, valid_to)
        for c, p, valid_from, valid_to in claims
    ]


def verify_badge(
    store: StateStore,
    programs: dict[str, Program],
    partner_names: dict[str, str],
    link_id: str,
    today: date,
) -> Verification:
    """What `link_id` claims and whether it holds today; `NotGenuine` when this service
    did not sign it."""
    claim = verify(link_id, badge_key(store))
    program = programs.get(claim.program_id)
    if program is None or not program.visibility.public_to:
        standing: Standing = "withdrawn"  # the program no longer shows its levels publicly
        valid_from = valid_to = None
    else:
        with store.reading() as session:
            standing, valid_from, valid_to = _standing(session, claim, today)
    return Verification(
        claim=claim,
        standing=standing,
        title=None if program is None else _title(program, claim.value),
        program_title=None if program is None else program.title,
        partner_name=partner_names.get(claim.partner_id),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _standing(
    session: Session, claim: Claim, today: date
) -> tuple[Standing, date | None, date | None]:
    runs = Runs(session)
    if claim.kind == "award":
        for award in runs.published_awards(claim.program_id, claim.partner_id):
            if str(award.for_period) == claim.period and award.award == claim.value:
                if today < award.valid_from:
                    return "not_yet_valid", award.valid_from, award.valid_to
                if today > award.valid_to:
                    return "expired", award.valid_from, award.valid_to
                return "current", award.valid_from, award.valid_to
        return "withdrawn", None, None
    published = runs.published_run(claim.program_id, claim.period)
    result = None if published is None else runs.result(published.id, claim.partner_id)
    if result is None or result.level != claim.value:
        return "restated", None, None
    latest = runs.latest_published(claim.program_id)
    if latest is not None and latest.period != claim.period:
        return "superseded", None, None
    return "current", None, None
