"""The projection in the REST API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from tierwise.projection.service import Projection


class NeedOut(BaseModel):
    metric: str
    title: dict[str, str] | None
    current: float | None
    target: float
    relation: str
    #: Spread over the days left (a sum over the period); null for a value read on one day.
    per_day: float | None


class ProjectionOut(BaseModel):
    """ "If the period ended today": not a result — the running period on the data so far."""

    kind: Literal["projection"] = "projection"
    program_id: str
    partner_id: str
    period: str
    data_through: date
    days_elapsed: int
    days_left: int
    status: str
    score: float | int | None
    computed_level: str | None
    level: str | None
    previous_level: str | None
    change: str
    next_level: str | None
    needs: list[NeedOut]
    actions: list[str]

    @classmethod
    def of(cls, p: Projection) -> ProjectionOut:
        return cls(
            program_id=p.program_id,
            partner_id=p.partner_id,
            period=p.period,
            data_through=p.data_through,
            days_elapsed=p.days_elapsed,
            days_left=p.days_left,
            status=p.status,
            score=p.score,
            computed_level=p.computed_level,
            level=p.level,
            previous_level=p.previous_level,
            change=p.change,
            next_level=p.next_level,
            needs=[
                NeedOut(
                    metric=n.metric,
                    title=None if n.title is None else n.title.model_dump(),
                    current=n.current,
                    target=n.target,
                    relation=n.relation,
                    per_day=n.per_day,
                )
                for n in p.needs
            ],
            actions=list(p.actions),
        )
