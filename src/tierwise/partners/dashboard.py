"""A partner's dashboard: one card per program that grades it, from the latest published
run — level, score, breakdown, the gap to the next level with its actions, what keeps the
current level, rights, awards, history and warnings. Read only; nothing is recomputed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from tierwise.core.periods import Period
from tierwise.definitions.model import Program
from tierwise.evaluation.documents import Keep, NextLevel, Number, ResultDocument, TraceEntry
from tierwise.lifecycle import Notice, QuotaStanding, quota_standing
from tierwise.lifecycle.notices import OPERATOR_ONLY
from tierwise.outbox.messages import shown_to_partner
from tierwise.partners.catalog import PartnerInfo
from tierwise.partners.directory import applies
from tierwise.partners.repository import PublishedResults
from tierwise.runs.repository import read_document

#: Statuses that are a warning on their own.
_WARNING_STATUSES = ("observation", "ineligible", "novice")


def _text(value: Any) -> dict[str, Any]:
    return {"en": value.en, "zh": value.zh}


def _level_doc(
    program: Program, level_id: str | None, status: str | None = None
) -> dict[str, Any] | None:
    if level_id is None or level_id not in program.level_ids:
        return None
    level = program.level(level_id)
    badge = program.badge_of(level_id, status)
    return {
        "id": level.id,
        "title": _text(level.title),
        "badge": badge.name if badge else None,
        "rights": {"en": list(level.rights.en), "zh": list(level.rights.zh)},
        "obligations": {"en": list(level.obligations.en), "zh": list(level.obligations.zh)},
    }


def _metric_titles(program: Program) -> dict[str, dict[str, str]]:
    titles: dict[str, dict[str, str]] = {}
    for name, entry in program.metrics.items():
        title = getattr(entry, "title", None)
        titles[name] = _text(title) if title is not None else {"en": name, "zh": name}
    return titles


class CardWarning(BaseModel):
    """Something a partner is warned or told about on its card: a notice of the period,
    a status that is a warning on its own (`status_observation`…), a pending decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    period: str | None
    #: The notice's parameters; a pending decision's own fields.
    params: dict[str, Any]


@dataclass(frozen=True)
class Card:
    program_id: str
    program_title: dict[str, str]
    partner_id: str
    period: str | None
    run_id: str | None
    status: str | None = None
    score: str | None = None
    level: dict[str, Any] | None = None
    computed_level: str | None = None
    previous_level: str | None = None
    change: str | None = None
    metrics: dict[str, Number | None] = field(default_factory=dict)
    metric_titles: dict[str, dict[str, str]] = field(default_factory=dict)
    breakdown: tuple[TraceEntry, ...] = ()
    next_level: NextLevel | None = None
    next_level_info: dict[str, Any] | None = None
    keep: Keep | None = None
    status_rights: dict[str, list[str]] | None = None
    awards: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[CardWarning] = field(default_factory=list)
    #: 集星: the creators counted against the level's binding quota at the period's end.
    quota: QuotaStanding | None = None
    #: The period's secondary evaluations (ISV quarterly scorecard) in the class held.
    evaluations: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "program_id": self.program_id,
            "program_title": self.program_title,
            "partner_id": self.partner_id,
            "period": self.period,
            "run_id": self.run_id,
            "status": self.status,
            "score": self.score,
            "level": self.level,
            "computed_level": self.computed_level,
            "previous_level": self.previous_level,
            "change": self.change,
            "metrics": self.metrics,
            "metric_titles": self.metric_titles,
            "breakdown": self.breakdown,
            "next_level": self.next_level,
            "next_level_info": self.next_level_info,
            "keep": self.keep,
            "status_rights": self.status_rights,
            "awards": self.awards,
            "history": self.history,
            "warnings": self.warnings,
            "quota": None if self.quota is None else self.quota.to_dict(),
            "evaluations": self.evaluations,
        }


def _cards(
    session: Session, programs: Sequence[Program], partner_id: str, today: date | None
) -> list[Card]:
    """The cards of `partner_id` in `programs`, in that order."""
    if not programs:
        return []
    today = today or date.today()
    published: dict[str, list[Any]] = {p.id: [] for p in programs}
    reader = PublishedResults(session)
    for row in reader.of_partner(partner_id, list(published)):
        published[row.program_id].append(row)
    sanctions: dict[str, list[Any]] = {p.id: [] for p in programs}
    for sanction in reader.sanctions(partner_id, list(published)):
        sanctions[sanction.program_id].append(sanction)
    return [
        _sanctioned(_card(program, partner_id, published[program.id], today), sanctions[program.id])
        for program in programs
    ]


def _sanctioned(card: Card, sanctions: Sequence[Any]) -> Card:
    """The card with the operator's sanctions (TSP: a false declaration) shown to the
    partner with their reasons: an exclusion as a warning, a forfeited award marked and no
    longer in force."""
    if not sanctions:
        return card
    forfeits = {s.period: s.reason for s in sanctions if s.kind == "forfeit"}
    awards = [
        {**a, "in_force": False, "forfeited": forfeits[a["for_period"]]}
        if a["for_period"] in forfeits
        else a
        for a in card.awards
    ]
    warnings = list(card.warnings)
    for s in sanctions:
        if s.kind == "exclude":
            params = {"from_period": s.period, "reason": s.reason}
            warnings.append(CardWarning(kind="excluded", period=s.period, params=params))
        else:
            award = next((a["award"] for a in card.awards if a["for_period"] == s.period), None)
            params = {"award": award, "for_period": s.period, "reason": s.reason}
            warnings.append(CardWarning(kind="award_forfeited", period=s.period, params=params))
    return replace(card, awards=awards, warnings=warnings)


def program_card(
    session: Session,
    program: Program,
    partner_id: str,
    today: date | None = None,
    period: Period | None = None,
) -> Card:
    """The card of `partner_id` in `program` (empty when nothing is published for it): of
    its latest published period, or of `period` with the history up to it (a report; empty
    when the partner has no published result for that period)."""
    if period is None:
        return _cards(session, [program], partner_id, today)[0]
    scores = period.kind != program.period_kind  # a month of a quarterly program (TSP)
    rows = PublishedResults(session).of_partner_until(
        partner_id, program.id, period.start, scores=scores
    )
    if not rows or rows[-1].period != str(period):
        return Card(program.id, _text(program.title), partner_id, None, None)
    return _card(program, partner_id, rows, today or date.today())


def _card(
    program: Program,
    partner_id: str,
    published: Sequence[Any],
    today: date,
) -> Card:
    title = _text(program.title)
    if not published:
        return Card(program.id, title, partner_id, None, None)
    # The latest published period's result is the last one (periods of a program never
    # share a start).
    result = published[-1]
    doc = read_document(result.body)
    standing: dict[str, Any] = result.standing or {}
    history = [
        {
            "period": h.period,
            "score": h.score,
            "level": h.level,
            "rank": None if h.level is None else program.level_rank(h.level),
            "status": h.status,
            "change": h.change,
        }
        for h in published
    ]
    awards = [
        {**a, "in_force": a["valid_from"] <= today.isoformat() <= a["valid_to"]}
        for a in standing.get("awards", [])
    ]
    warnings = [
        CardWarning(kind=n.kind, period=n.period, params=n.params)
        for n in doc.notices
        if n.kind not in OPERATOR_ONLY  # a review item is the operator's, not the partner's
    ]
    if result.status in _WARNING_STATUSES:
        warnings.insert(
            0, CardWarning(kind=f"status_{result.status}", period=result.period, params={})
        )
    for pending in standing.get("pending", []):
        warnings.append(CardWarning(kind="pending", period=result.period, params=pending))
    status_rights = None
    status_texts = program.status_rights.get(result.status)
    if status_texts is not None:
        status_rights = {"en": list(status_texts.en), "zh": list(status_texts.zh)}
    return Card(
        program_id=program.id,
        program_title=title,
        partner_id=partner_id,
        period=result.period,
        run_id=result.id,
        status=result.status,
        score=result.score,
        level=_level_doc(program, result.level, result.status),
        computed_level=result.computed_level,
        previous_level=result.previous_level,
        change=result.change,
        metrics=doc.metrics,
        metric_titles=_metric_titles(program),
        breakdown=doc.trace,
        next_level=doc.next_level,
        next_level_info=_level_doc(program, doc.next_level.level if doc.next_level else None),
        keep=doc.keep,
        status_rights=status_rights,
        awards=awards,
        history=history,
        warnings=warnings,
        quota=_quota(program, result.level, doc.metrics),
        evaluations=_evaluations(program, doc),
    )


def _evaluations(program: Program, doc: ResultDocument) -> list[dict[str, Any]]:
    """Each secondary evaluation of the period: its score in the class held and every
    dimension of the class with its title, value, points (0–100) and renormalised weight."""
    known = {ev.id: ev for ev in program.evaluations}
    out: list[dict[str, Any]] = []
    for ev_id, scored in doc.evaluations.items():
        ev = known.get(ev_id)
        dims = {d.name: d for d in getattr(ev.scoring, "dimensions", ())} if ev else {}
        rows = []
        for item in scored.trace:
            if item.kind != "dimension" or item.component is None:
                continue
            dim = dims.get(item.component)
            title = dict(dim.title) if dim is not None and dim.title else {}
            rows.append(
                {
                    "name": item.component,
                    "title": title or {"en": item.component, "zh": item.component},
                    "value": item.value,
                    "points": item.points,
                    "weight": item.thresholds.get("weight"),
                }
            )
        out.append(
            {
                "id": ev_id,
                "title": _text(ev.title) if ev else {"en": ev_id, "zh": ev_id},
                "level": scored.level,
                "score": scored.score,
                "dimensions": rows,
                "note": None if rows else (scored.trace[-1].reason if scored.trace else None),
            }
        )
    return out


def _quota(
    program: Program, level: str | None, metrics: Mapping[str, Number | None]
) -> QuotaStanding | None:
    """The binding quota of the level held, against the creators its metric counted on the
    period's last day (the data load checks the bindings made since: `tierwise.quota`)."""
    quota = program.binding_quota
    if quota is None:
        return None
    held = metrics.get(quota.counted_by)
    return quota_standing(quota, level, int(held or 0))


def dashboard(
    session: Session,
    programs: Sequence[Program],
    info: PartnerInfo,
    today: date | None = None,
    *,
    by_partner: bool = False,
) -> list[Card]:
    """One card per program that grades the partner; `by_partner`: as the partner itself
    is shown them (see `as_shown_to_partner`)."""
    graded = [p for p in programs if applies(p, info)]
    cards = _cards(session, graded, info.partner_id, today)
    if by_partner:
        cards = [as_shown_to_partner(p, c) for p, c in zip(graded, cards, strict=True)]
    return cards


def as_shown_to_partner(program: Program, card: Card) -> Card:
    """The card as the partner reads it: in a status its program withholds (百应
    observation) no score, no level and no gap — the warning, the status's rights and
    the status checks that end it — and no score or level of a withheld period in its
    history. Operators read the card whole."""
    history = [
        {**h, "score": None, "level": None, "rank": None}
        if program.visibility.withholds(h["status"])
        else h
        for h in card.history
    ]
    warnings = [
        w.model_copy(update={"params": dict(_told(program, card, w).params)})
        if w.kind in ("observation_warning", "level_changed")
        else w
        for w in card.warnings
    ]
    if not program.visibility.withholds(card.status):
        return replace(card, history=history, warnings=warnings)
    return replace(
        card,
        warnings=warnings,
        score=None,
        level=None,
        computed_level=None,
        previous_level=None,
        change=None,
        metrics={},
        breakdown=tuple(e for e in card.breakdown if e.kind in ("rule", "status")),
        next_level=None,
        next_level_info=None,
        keep=None,
        history=history,
    )


def _told(program: Program, card: Card, warning: CardWarning) -> Notice:
    """A notice on a card as the partner is told it in its outbox."""
    notice = Notice(
        kind="observation_warning" if warning.kind == "observation_warning" else "level_changed",
        program_id=program.id,
        partner_id=card.partner_id,
        period=str(warning.period or card.period or ""),
        params={k: None if v is None else str(v) for k, v in warning.params.items()},
    )
    return shown_to_partner(program, notice)
