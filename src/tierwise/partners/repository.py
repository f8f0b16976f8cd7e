"""What the partner read models (the directory, the dashboard) read from the state
database: published runs, their results and the awards in force. Statements are built once,
so a request binds values instead of building and hashing the statement again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.db.models import Publication, Run, RunAward, RunResult, Sanction

#: The latest published period of each program, beside every row of it.
_LATEST = sa.func.max(Run.period_start).over(partition_by=Publication.program_id)
#: A report's period: the rows up to it, its own carrying the body.
_UNTIL = sa.bindparam("until", type_=sa.Date)


def _published(body_at: Any, *, scores: bool = False) -> sa.Select[Any]:
    """A partner's published results in some programs, oldest period first, in one query
    whatever the number of programs: the history needs no JSON documents, so only the
    result of the period starting at `body_at` carries its body and standing. The
    program's own periods, or with `scores` its scores runs (TSP months) only."""
    return (
        sa.select(
            Publication.program_id,
            Run.id,
            Run.period,
            RunResult.status,
            RunResult.score,
            RunResult.computed_level,
            RunResult.level,
            RunResult.previous_level,
            RunResult.change,
            sa.case((Run.period_start == body_at, RunResult.body)).label("body"),
            sa.case((Run.period_start == body_at, RunResult.standing)).label("standing"),
        )
        .join(Run, Run.id == RunResult.run_id)
        .join(Publication, Publication.run_id == Run.id)
        .where(
            Publication.program_id.in_(sa.bindparam("program_ids", expanding=True)),
            RunResult.partner_id == sa.bindparam("partner_id"),
            (Run.kind == "scores") if scores else (Run.kind != "scores"),
        )
        .order_by(Run.period_start)
    )


#: Every published period, the latest of each program with its body (the dashboard).
_PUBLISHED = _published(_LATEST)
#: The published periods up to one, that one with its body (a report of a past period).
_PUBLISHED_UNTIL = _published(_UNTIL).where(Run.period_start <= _UNTIL)
#: The same over the scores runs (a monthly TSP report).
_SCORES_UNTIL = _published(_UNTIL, scores=True).where(Run.period_start <= _UNTIL)

#: The metrics of every published period of one partner in one program.
_METRICS = (
    sa.select(Run.period, RunResult.body["metrics"])
    .join(Run, Run.id == RunResult.run_id)
    .join(Publication, Publication.run_id == Run.id)
    .where(
        Publication.program_id == sa.bindparam("program_id"),
        RunResult.partner_id == sa.bindparam("partner_id"),
    )
    .order_by(Run.period_start)
)

#: The publication state (how many, the last when): it changes with every publication.
_PUBLICATIONS = sa.select(sa.func.count(), sa.func.max(Publication.published_at))


class PublishedResults:
    """Published runs of the session's database, as partners and the directory see them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of_partner(self, partner_id: str, program_ids: Sequence[str]) -> list[Any]:
        """The partner's published results in these programs, oldest period first; rows
        with `program_id`, `id` (the run), `period`, the result's columns, and — for each
        program's latest published period only — `body` and `standing`."""
        params = {"program_ids": list(program_ids), "partner_id": partner_id}
        return list(self.session.execute(_PUBLISHED, params))

    def of_partner_until(
        self, partner_id: str, program_id: str, until: date, *, scores: bool = False
    ) -> list[Any]:
        """The partner's published results in one program for the periods starting on or
        before `until`, oldest first, as `of_partner`; the one starting on `until` (if
        any) carries `body` and `standing`. With `scores`: of the scores runs."""
        params = {"program_ids": [program_id], "partner_id": partner_id, "until": until}
        statement = _SCORES_UNTIL if scores else _PUBLISHED_UNTIL
        return list(self.session.execute(statement, params))

    def metrics_of_partner(self, partner_id: str, program_id: str) -> dict[str, Any]:
        """The metric values of each of the partner's published periods in one program, by
        period: what a history chart of a program without a score (集星) draws."""
        rows = self.session.execute(_METRICS, {"program_id": program_id, "partner_id": partner_id})
        return {period: metrics or {} for period, metrics in rows}

    def publication_state(self) -> tuple[int, str]:
        """How many publications there are and when the last was made: a directory built
        at one state holds until it changes."""
        count, last = self.session.execute(_PUBLICATIONS).one()
        return int(count), str(last)

    def latest_run(self, program_id: str) -> tuple[str, str] | None:
        """(run id, period) of the program's latest published period, if any."""
        row = self.session.execute(
            sa.select(Run.id, Run.period)
            .join(Publication, Publication.run_id == Run.id)
            .where(Publication.program_id == program_id, Run.kind != "scores")
            .order_by(Run.period_start.desc())
            .limit(1)
        ).first()
        return None if row is None else (row[0], row[1])

    def awards_in_force(self, program_id: str, on: date) -> list[RunAward]:
        """Awards of published (or since superseded) runs valid on `on`, by partner, then
        from when they are valid."""
        return list(
            self.session.scalars(
                sa.select(RunAward)
                .join(Run, Run.id == RunAward.run_id)
                .where(
                    RunAward.program_id == program_id,
                    Run.status != "preview",
                    Run.kind != "whatif",
                    RunAward.valid_from <= on,
                    RunAward.valid_to >= on,
                    ~sa.exists().where(  # an award forfeited for a false declaration
                        Sanction.kind == "forfeit",
                        Sanction.program_id == RunAward.program_id,
                        Sanction.partner_id == RunAward.partner_id,
                        Sanction.period == RunAward.for_period,
                    ),
                )
                .order_by(RunAward.partner_id, RunAward.valid_from)
            )
        )

    def sanctions(self, partner_id: str, program_ids: Sequence[str]) -> list[Sanction]:
        """The partner's exclusions and forfeits in these programs, oldest first."""
        return list(
            self.session.scalars(
                sa.select(Sanction)
                .where(Sanction.partner_id == partner_id, Sanction.program_id.in_(program_ids))
                .order_by(Sanction.id)
            )
        )

    def levels(self, run_id: str) -> list[tuple[str, str | None, str]]:
        """(partner, level, status) of every result of a run."""
        rows = self.session.execute(
            sa.select(RunResult.partner_id, RunResult.level, RunResult.status).where(
                RunResult.run_id == run_id
            )
        )
        return [(pid, level, status) for pid, level, status in rows]


__all__ = ["PublishedResults"]
