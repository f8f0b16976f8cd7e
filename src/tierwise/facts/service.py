"""Entering an operator fact: what a program accepts (the partner facts it reads per
period), the checks that name the field at fault, and the stored, audited value.

An entered fact is dated the last day of its period, so it is the fact of that period the
evaluation reads; for the same partner, fact and day it replaces a loaded (file) fact."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from tierwise.core.periods import Period
from tierwise.db.entered import EnteredFacts, fact_document
from tierwise.definitions.model import Program, Text
from tierwise.metrics.catalog import PartnerFactParams

#: The range of an operator fact (data contract: 0–1 values per ISV and quarter).
LOWEST, HIGHEST = Decimal(0), Decimal(1)


class FactRefused(ValueError):
    """A fact the program does not accept; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PartnerOf:
    """What the checks need of a partner: its kind and market."""

    kind: str
    market: str


def operator_facts(program: Program) -> dict[str, Text | None]:
    """The facts operators enter for the program, by name, with the metric's title: the
    `partner_fact` metrics read within their period (ISV: key_project, compliance…)."""
    facts: dict[str, Text | None] = {}
    for metric in program.metrics.values():
        params = metric.params
        if isinstance(params, PartnerFactParams) and params.within_period:
            facts[params.fact] = metric.title
    return facts


def checked_period(program: Program, text: str, field: str = "period") -> Period:
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise FactRefused(field, str(exc)) from None
    if period.kind != program.period_kind:
        raise FactRefused(
            field, f"{program.id} takes facts per {program.period_kind}, not {period.kind}"
        )
    return period


def checked_value(text: str | Decimal | float, field: str = "value") -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise FactRefused(field, f"not a number: {text!r}") from None
    if not value.is_finite() or not LOWEST <= value <= HIGHEST:
        raise FactRefused(field, f"must be between {LOWEST} and {HIGHEST}, not {text}")
    if value != value.quantize(Decimal("0.000001")):
        raise FactRefused(field, "at most 6 decimal places")
    return value.normalize() if value else Decimal(0)


def enter_fact(
    session: Session,
    program: Program,
    partner: PartnerOf | None,
    *,
    partner_id: str,
    name: str,
    period: str,
    value: str | Decimal | float,
    actor: str,
    reason: str,
) -> dict[str, Any]:
    """Check one fact against the program and store it (replacing the value entered
    before for the same partner, fact and period), audited in the caller's transaction."""
    facts = operator_facts(program)
    if not facts:
        raise FactRefused("program_id", f"{program.id} reads no operator facts")
    if partner is None:
        raise FactRefused("partner_id", f"no partner {partner_id!r}")
    if partner.kind != program.subject_kind or partner.market not in program.markets:
        raise FactRefused(
            "partner_id",
            f"{partner_id} ({partner.kind}, {partner.market}) is not graded by {program.id}",
        )
    if name not in facts:
        raise FactRefused("name", f"{program.id} takes {', '.join(sorted(facts))}, not {name!r}")
    when = checked_period(program, period)
    amount = checked_value(value)
    if not reason.strip():
        raise FactRefused("reason", "say why (kept in the audit log)")
    row = EnteredFacts(session).enter(
        program.id,
        partner_id,
        name,
        str(when),
        when.last_day,
        amount,
        actor=actor,
        reason=reason.strip(),
    )
    return fact_document(row)


def facts_for(
    session: Session, program: Program, period: str | None = None, partner_id: str | None = None
) -> list[dict[str, Any]]:
    """The program's entered facts (of a period, of a partner)."""
    if period:
        period = str(checked_period(program, period))
    rows = EnteredFacts(session).list(program.id, period=period or None, partner_id=partner_id)
    return [fact_document(r) for r in rows]
