"""Checking the binding quota: the creators counted against it per agency on a day
(set-wise, the same relations as the program's own metric), the level in force that day
(the latest published period ended before it), and the notice to an agency beyond it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import duckdb
from sqlalchemy.orm import Session

from tierwise.core.periods import Period
from tierwise.definitions.model import BindingQuota, Program
from tierwise.evaluation.service import scope
from tierwise.lifecycle import Notice, QuotaStanding, beyond_quota, quota_standing
from tierwise.metrics import catalog as lib
from tierwise.metrics.fragments import day, literal
from tierwise.metrics.nodes import Node, render
from tierwise.metrics.relations import Relations
from tierwise.outbox.repository import Outbox
from tierwise.runs.repository import Runs
from tierwise.store.queries import partner_markets


@dataclass(frozen=True)
class QuotaBreach:
    """An agency holding more counted creators than its level allows on a day."""

    partner_id: str
    on: date
    standing: QuotaStanding
    #: The creators bound last, beyond the quota (oldest binding first).
    beyond: tuple[str, ...]


def _counted(program: Program) -> tuple[BindingQuota, lib.FactCountParams]:
    quota = program.binding_quota
    if quota is None:
        raise ValueError(f"{program.id} declares no binding quota")
    params = program.metrics[quota.counted_by].params
    if not isinstance(params, lib.FactCountParams):  # refused by TW203 when validated
        raise ValueError(f"{program.id}: {quota.counted_by} does not count creators")
    return quota, params


def quota_day(con: duckdb.DuckDBPyConnection) -> date | None:
    """The day the quota is checked on: the last day a binding starts or ends in the store
    (later bindings are not known yet)."""
    rows = con.execute(
        "SELECT max(greatest(started_on, COALESCE(ended_on, started_on))) FROM bindings"
    ).fetchall()  # fetched whole: a half-read result blocks the connection's next query
    found: date | None = rows[0][0] if rows else None
    return found


def held_creators(
    con: duckdb.DuckDBPyConnection, program: Program, on: date
) -> dict[str, list[str]]:
    """Each agency's creators counted against the quota on `on` — bound that day (abnormal
    ones left out) with the counted fact at its minimum in force — oldest binding first."""
    _, params = _counted(program)
    rel = Relations(scope(program, Period.containing(on, program.period_kind)))
    bound = rel.bound_creators(params.service, on)
    facts = rel.facts_on("creator", params.fact, on)
    counted = Node(
        "quota_held",
        f"SELECT b.partner_id, b.creator_id FROM {bound} b "
        f"JOIN {facts} f ON f.subject_id = b.creator_id WHERE f.value >= {params.at_least}",
        (bound, facts),
    )
    sql = render(
        [counted],
        f"SELECT h.partner_id, h.creator_id, max(x.started_on) AS since FROM {counted} h "
        f"JOIN bindings x ON x.subject_id = h.creator_id AND x.partner_id = h.partner_id "
        f"AND x.subject_kind = 'creator' AND x.service = {literal(params.service)} "
        f"AND x.started_on <= {day(on)} "
        f"GROUP BY 1, 2 ORDER BY 1, since, 2",
    )
    held: dict[str, list[str]] = defaultdict(list)
    for partner_id, creator_id, _ in con.execute(sql).fetchall():
        held[partner_id].append(creator_id)
    return dict(held)


def levels_in_force(session: Session, program: Program, on: date) -> dict[str, str | None] | None:
    """Each agency's level in force on `on`: its level in the latest published period that
    ended before that day (an agency without one has no level); None when the program has
    published no period before it — no level, and so no quota, is in force yet."""
    runs = Runs(session)
    run = runs.published_before(program.id, Period.containing(on, program.period_kind).start)
    if run is None:
        return None
    return {r.partner_id: r.level for r in runs.results(run.id)}


def check_quota(
    con: duckdb.DuckDBPyConnection, session: Session, program: Program, on: date
) -> list[QuotaBreach]:
    """The agencies beyond their level's quota on `on`, by partner id (none before the
    program's first publication)."""
    quota, _ = _counted(program)
    levels = levels_in_force(session, program, on)
    if levels is None:
        return []
    breaches: list[QuotaBreach] = []
    for partner_id, creators in sorted(held_creators(con, program, on).items()):
        standing = quota_standing(quota, levels.get(partner_id), len(creators))
        if standing.over:
            breaches.append(QuotaBreach(partner_id, on, standing, beyond_quota(standing, creators)))
    return breaches


def queue_quota_notices(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    program: Program,
    breaches: list[QuotaBreach],
) -> int:
    """Tell each agency beyond its quota (once per level, quota and count in a month: the
    outbox dedupes a load repeated); returns the messages queued."""
    notices = [
        Notice(
            "binding_quota_exceeded",
            program.id,
            b.partner_id,
            str(Period.containing(b.on, program.period_kind)),
            {
                "level": b.standing.level,
                "limit": str(b.standing.limit),
                "held": str(b.standing.held),
                "on": b.on.isoformat(),
                "creators": ", ".join(b.beyond),
            },
        )
        for b in breaches
    ]
    markets = partner_markets(con, program.subject_kind)
    return len(Outbox(session).add_notices(program, notices, markets))
