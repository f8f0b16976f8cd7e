"""What registrations and sanctions mean for a period's awards: pure, over records the
repository reads (`registrations.repository`), so the lifecycle and the tests need no
database.

    entitlement = Entitlement.of(program, registrations, sanctions)
    entitlement.withheld("tsp-th-0001", Period.parse("2024Q3"))  # None, or why no award
    entitlement.forfeited("tsp-th-0001", Period.parse("2024Q4"))  # awards taken back
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from tierwise.core.errors import StateError
from tierwise.core.periods import Period
from tierwise.definitions.model import AwardPolicy, Program

SanctionKind = Literal["exclude", "forfeit"]
#: Why an earned award is not given (the `award_withheld` notice's `reason`).
Withholding = Literal["not_registered", "excluded"]


class RegistrationError(StateError):
    """A registration or sanction the rules refuse; the message says why."""


@dataclass(frozen=True)
class RegistrationRecord:
    """A TSP's application to one program (category) for one period (quarter)."""

    program_id: str
    partner_id: str
    period: Period
    registered_on: date
    actor: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "program_id": self.program_id,
            "partner_id": self.partner_id,
            "period": str(self.period),
            "registered_on": self.registered_on.isoformat(),
            "actor": self.actor,
        }


@dataclass(frozen=True)
class SanctionRecord:
    """exclude: no award from `period` on; forfeit: the award for `period` taken back."""

    kind: SanctionKind
    program_id: str
    partner_id: str
    period: Period
    reason: str
    decided_on: date
    actor: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "program_id": self.program_id,
            "partner_id": self.partner_id,
            "period": str(self.period),
            "reason": self.reason,
            "decided_on": self.decided_on.isoformat(),
            "actor": self.actor,
        }


def takes_registration(program: Program) -> bool:
    """Whether the program awards registered partners only (`lifecycle.registration`)."""
    return isinstance(program.lifecycle, AwardPolicy) and program.lifecycle.registration


@dataclass(frozen=True)
class Entitlement:
    """Who may be awarded for which period of one program, from its records."""

    program_id: str
    registration: bool
    registered: frozenset[tuple[str, Period]]
    sanctions: tuple[SanctionRecord, ...]

    @classmethod
    def of(
        cls,
        program: Program,
        registrations: Iterable[RegistrationRecord],
        sanctions: Iterable[SanctionRecord],
    ) -> Entitlement:
        mine = [r for r in registrations if r.program_id == program.id]
        return cls(
            program_id=program.id,
            registration=takes_registration(program),
            registered=frozenset((r.partner_id, r.period) for r in mine),
            sanctions=tuple(s for s in sanctions if s.program_id == program.id),
        )

    def exclusion(self, partner_id: str, period: Period) -> SanctionRecord | None:
        """The exclusion in force for the period: from its first period on, decided by the
        period's generation date (the earliest decided wins)."""
        found = [
            s
            for s in self.sanctions
            if s.kind == "exclude"
            and s.partner_id == partner_id
            and s.period <= period
            and s.decided_on <= period.generation_date
        ]
        return min(found, key=lambda s: (s.decided_on, s.period.start)) if found else None

    def withheld(self, partner_id: str, period: Period) -> tuple[Withholding, str | None] | None:
        """Why an award earned for the period is not given, with the operator's reason for
        an exclusion; None when it may be given. A program without registration excludes
        nobody and needs no registration."""
        if not self.registration:
            return None
        excluded = self.exclusion(partner_id, period)
        if excluded is not None:
            return "excluded", excluded.reason
        if (partner_id, period) not in self.registered:
            return "not_registered", None
        return None

    def forfeited(self, partner_id: str, period: Period) -> tuple[Period, ...]:
        """The periods whose awards were forfeited by the period's generation date."""
        return tuple(
            sorted(
                {
                    s.period
                    for s in self.sanctions
                    if s.kind == "forfeit"
                    and s.partner_id == partner_id
                    and s.decided_on <= period.generation_date
                },
                key=lambda p: p.start,
            )
        )


def check_registration(
    program: Program,
    partner_id: str,
    period: Period,
    on: date,
    sanctions: Iterable[SanctionRecord],
) -> None:
    """A registration the rules admit: the program takes registrations, by its own
    period kind, made by the period's last day, by a partner not excluded then."""
    problems: list[str] = []
    if not takes_registration(program):
        problems.append(f"{program.id} takes no registrations (lifecycle.registration)")
    if period.kind != program.period_kind:
        problems.append(f"{program.id} registers by {program.period_kind}, not {period.kind}")
    if on > period.last_day:
        problems.append(
            f"registrations for {period} close on {period.last_day.isoformat()} "
            f"(asked {on.isoformat()})"
        )
    entitlement = Entitlement(program.id, True, frozenset(), tuple(sanctions))
    excluded = entitlement.exclusion(partner_id, period)
    if excluded is not None and excluded.decided_on <= on:
        problems.append(
            f"{partner_id} is excluded from {program.id} from {excluded.period}: {excluded.reason}"
        )
    if problems:
        raise RegistrationError(f"registration of {partner_id}: " + "; ".join(problems))


def check_sanction(program: Program, sanction: SanctionRecord) -> None:
    """A sanction the rules admit: on a program with registration, with a reason, of the
    program's period kind."""
    problems: list[str] = []
    if not takes_registration(program):
        problems.append(f"{program.id} takes no registrations, so no sanctions")
    if sanction.period.kind != program.period_kind:
        problems.append(
            f"{program.id} is awarded by {program.period_kind}, not {sanction.period.kind}"
        )
    if not sanction.reason.strip():
        problems.append("a reason is required: it is shown to the partner")
    if not sanction.actor.strip():
        problems.append("an actor is required")
    if problems:
        raise RegistrationError(f"{sanction.kind} of {sanction.partner_id}: " + "; ".join(problems))
