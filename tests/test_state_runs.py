"""Runs: stored with results and awards, idempotent, immutable, published one per period."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tierwise.core.periods import Period
from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore, utc_now
from tierwise.db.errors import ImmutableRun, PublishRefused, RunNotFound, StateError
from tierwise.db.models import RunResult
from tierwise.definitions import load_program
from tierwise.definitions.model import definition_hash
from tierwise.lifecycle import Award, Standing
from tierwise.runs.repository import NewResult, NewRun, Runs

P = Period.parse
ACTOR = "ops@tierwise"


def standing(pid: str, period: str, level: str | None, awards: Sequence[Award] = ()) -> Standing:
    return Standing(
        partner_id=pid,
        period=P(period),
        level=level,
        held=level,
        origin="score_up",
        since=P(period).start,
        awards=tuple(awards),
    )


def result(
    pid: str, period: str, level: str | None, *, score: str = "412.5", previous: str | None = None
) -> NewResult:
    return NewResult(
        partner_id=pid,
        status="assessed",
        score=Decimal(score),
        computed_level=level,
        level=level,
        previous_level=previous,
        change="new" if previous is None else "up",
        body={
            "metrics": {"settled_gmv": Decimal("1234567.890"), "credit_score": 92, "share": 0.25},
            "trace": [{"kind": "status", "reason": "assessed"}],
            "next_level": {"level": "V4", "gap": "87.5"},
            "名称": "机构 甲",
        },
        standing=standing(pid, period, level),
    )


def new_run(period: str = "2024-09", *, fingerprint: str = "data-1", **changes: object) -> NewRun:
    award = Award("P2", "V3", P(period), P(period).end, P(period).next.last_day)
    run = NewRun(
        program_id="buyin-mcn",
        program_version=1,
        definition_hash="d" * 64,
        data_fingerprint=fingerprint,
        period=period,
        generated_on=P(period).generation_date,
        actor=ACTOR,
        results=(result("P2", period, "V3"), result("P1", period, "V2", score="310")),
        awards=(award,),
        gate_report={"ok": True, "problems": []},
        reason="monthly run",
    )
    return dataclasses.replace(run, **changes)  # type: ignore[arg-type]


def test_store_a_run_and_read_it_back(store: StateStore) -> None:
    new = new_run()
    with store.session() as session:
        run = Runs(session).add(new)
        assert run.id == new.id and run.id.startswith("run-buyin-mcn-2024-09-")
    with store.session() as session:
        runs = Runs(session)
        run = runs.get(new.id)
        assert (run.status, run.kind, run.partners, run.gate_ok) == ("preview", "run", 2, True)
        assert (run.period, run.period_start, run.generated_on) == (
            "2024-09",
            date(2024, 9, 1),
            date(2024, 10, 1),
        )
        assert run.created_at.tzinfo is not None and run.created_at <= utc_now()
        assert run.gate_report == {"ok": True, "problems": []}
        results = runs.results(run.id)
        assert [r.partner_id for r in results] == ["P1", "P2"]
        p2 = runs.result(run.id, "P2")
        assert p2 is not None and p2.score_decimal == Decimal("412.5")
        assert p2.body["metrics"]["settled_gmv"] == "1234567.890"  # decimals kept exact, as text
        assert p2.body["metrics"]["share"] == 0.25 and p2.body["名称"] == "机构 甲"
        assert p2.to_standing() == standing("P2", "2024-09", "V3")
        assert [a.to_award() for a in runs.awards(run.id)] == list(new.awards)
        assert run.result_hash == new.result_hash == runs.recompute_hash(run.id)
        with pytest.raises(RunNotFound):
            runs.get("run-missing")


def test_the_same_inputs_reuse_the_run(store: StateStore) -> None:
    new = new_run()
    with store.session() as session:
        first = Runs(session).add(new)
    with store.session() as session:
        runs = Runs(session)
        found = runs.find_run("buyin-mcn", "2024-09", "d" * 64, "data-1", date(2024, 10, 1), "run")
        assert found is not None and found.id == first.id
        again = runs.add(new_run())
        assert again.id == first.id and again.result_hash == first.result_hash
        assert len(runs.list("buyin-mcn")) == 1
        assert runs.find_run("buyin-mcn", "2024-09", "d" * 64, "data-2", date(2024, 10, 1)) is None
        # A changed input is a new run beside the old one.
        other = runs.add(new_run(fingerprint="data-2"))
        assert other.id != first.id
        assert [e.action for e in AuditLog(session).entries()] == ["run", "run"]


def test_the_same_inputs_with_other_results_are_refused(store: StateStore) -> None:
    with store.session() as session:
        Runs(session).add(new_run())
    changed = new_run(results=(result("P1", "2024-09", "V3"),))
    with pytest.raises(ImmutableRun, match="stored with other results"), store.session() as session:
        Runs(session).add(changed)


def test_stored_runs_cannot_be_edited_through_a_session(store: StateStore) -> None:
    with store.session() as session:
        run_id = Runs(session).add(new_run()).id
    with pytest.raises(ImmutableRun, match="immutable"), store.session() as session:
        result_row = Runs(session).result(run_id, "P1")
        assert result_row is not None
        result_row.level = "V5"
    with pytest.raises(ImmutableRun, match="data_fingerprint"), store.session() as session:
        Runs(session).get(run_id).data_fingerprint = "other"
    with pytest.raises(ImmutableRun, match="never deleted"), store.session() as session:
        session.delete(Runs(session).get(run_id))
    with store.session() as session:
        stored = Runs(session).result(run_id, "P1")
        assert stored is not None and stored.level == "V2"


def test_publish_supersedes_the_previous_run_of_the_period(store: StateStore) -> None:
    with store.session() as session:
        runs = Runs(session)
        first = runs.add(new_run())
        second = runs.add(new_run(fingerprint="data-2"))
        publication = runs.publish(first.id, ACTOR, "September levels")
        assert (publication.run_id, publication.published_by) == (first.id, ACTOR)
    with store.session() as session:
        runs = Runs(session)
        runs.publish(second.id, "lead@tierwise", "late orders arrived")
    with store.session() as session:
        runs = Runs(session)
        assert runs.get(first.id).status == "superseded"
        assert runs.get(second.id).status == "published"
        published = runs.published_run("buyin-mcn", "2024-09")
        assert published is not None and published.id == second.id
        entries = AuditLog(session).entries()
        assert [e.action for e in entries] == ["run", "run", "publish", "publish"]
        assert entries[-1].before is not None and first.id in entries[-1].before
        assert entries[-1].reason == "late orders arrived"
        with pytest.raises(PublishRefused, match="already published"):
            runs.publish(second.id, ACTOR, "again")
    # Publishing the superseded run again is a rollback, recorded like any publish.
    with store.session() as session:
        Runs(session).publish(first.id, ACTOR, "roll back")
    with store.session() as session:
        runs = Runs(session)
        assert (runs.get(first.id).status, runs.get(second.id).status) == (
            "published",
            "superseded",
        )


def test_publish_refuses_a_failed_gate_and_a_whatif(store: StateStore) -> None:
    failed = new_run(gate_ok=False, gate_report={"ok": False, "problems": ["no orders on 09-14"]})
    whatif = new_run(kind="whatif", definition_hash="e" * 64)
    with store.session() as session:
        runs = Runs(session)
        runs.add(failed)
        runs.add(whatif)
    with pytest.raises(PublishRefused, match="no orders on 09-14"), store.session() as session:
        Runs(session).publish(failed.id, ACTOR, "publish anyway")
    with pytest.raises(PublishRefused, match="what-if"), store.session() as session:
        Runs(session).publish(whatif.id, ACTOR, "try")
    with store.session() as session:
        runs = Runs(session)
        assert runs.get(failed.id).status == "preview"
        assert runs.publication("buyin-mcn", "2024-09") is None
        assert [e.action for e in AuditLog(session).entries()] == ["run", "run"]


def test_latest_published_standings_and_history(store: StateStore) -> None:
    with store.session() as session:
        runs = Runs(session)
        for period, level in (("2024-07", "V1"), ("2024-08", "V2"), ("2024-09", "V3")):
            run = runs.add(
                new_run(
                    period,
                    results=(result("P1", period, level), result("P2", period, "V4")),
                    awards=(),
                )
            )
            if period != "2024-09":
                runs.publish(run.id, ACTOR, f"{period} levels")
        only_p3 = runs.add(new_run("2024-06", results=(result("P3", "2024-06", "V5"),), awards=()))
        runs.publish(only_p3.id, ACTOR, "June")
    with store.session() as session:
        runs = Runs(session)
        latest = runs.latest_published("buyin-mcn")
        assert latest is not None and latest.period == "2024-08"
        assert runs.latest_published("other-program") is None
        standings = runs.published_standings("buyin-mcn", "2024-09")
        assert {pid: (s.period, s.level) for pid, s in standings.items()} == {
            "P1": (P("2024-08"), "V2"),
            "P2": (P("2024-08"), "V4"),
            "P3": (P("2024-06"), "V5"),
        }
        assert set(runs.published_standings("buyin-mcn", "2024-08")) == {"P1", "P2", "P3"}
        assert runs.published_standings("buyin-mcn", "2024-06") == {}
        history = runs.history("buyin-mcn", "P1")
        assert [(h.period, h.level) for h in history] == [("2024-07", "V1"), ("2024-08", "V2")]
        assert history[0].published_at.tzinfo is not None


def test_restatement(store: StateStore) -> None:
    with store.session() as session:
        runs = Runs(session)
        original = runs.add(new_run())
        runs.publish(original.id, ACTOR, "September")
    restated = new_run(
        fingerprint="data-appeal",
        kind="restatement",
        restates=original.id,
        results=(result("P1", "2024-09", "V3"), result("P2", "2024-09", "V3")),
    )
    with store.session() as session:
        runs = Runs(session)
        run = runs.add(restated)
        runs.record_restatement(
            original.id,
            run.id,
            ACTOR,
            "appeal A-17 revoked a violation",
            {"P1": {"level": ["V2", "V3"]}},
        )
        runs.publish(run.id, ACTOR, "restated after appeal")
    with store.session() as session:
        runs = Runs(session)
        assert runs.get(original.id).status == "superseded"
        [record] = runs.restatements("buyin-mcn")
        assert (record.from_run, record.to_run) == (original.id, restated.id)
        assert record.differences == {"P1": {"level": ["V2", "V3"]}}
        actions = [e.action for e in AuditLog(session).entries()]
        assert actions == ["run", "publish", "run", "restatement", "publish"]
        assert runs.published_awards("buyin-mcn") == list(restated.awards)
    with pytest.raises(StateError, match="names the run it restates"), store.session() as s:
        Runs(s).add(new_run(kind="restatement", fingerprint="x"))


def test_bad_runs_are_refused_with_every_problem(store: StateStore) -> None:
    twice = (result("P1", "2024-09", "V1"),) * 2
    bad = dataclasses.replace(new_run(), period="2024-13", actor=" ", results=twice)
    with pytest.raises(StateError) as caught, store.session() as session:
        Runs(session).add(bad)
    message = str(caught.value)
    assert "actor" in message and "2024-13" in message and "more than one result" in message


def test_result_hash_is_byte_identical_on_sqlite_and_postgresql(
    tmp_path: Path, pg_state_url: str
) -> None:
    """The same results stored on both engines: the same hash, stored and recomputed."""
    program = load_program("buyin-mcn")
    new = new_run(definition_hash=definition_hash(program))
    hashes: list[tuple[str, str, str]] = []
    for url in (f"sqlite:///{tmp_path / 'a.db'}", pg_state_url):
        with StateStore.open(url) as store:
            with store.session() as session:
                Runs(session).add(new)
            with store.session() as session:
                runs = Runs(session)
                run = runs.get(new.id)
                body = session.scalars(
                    sa.select(RunResult.body).where(RunResult.run_id == run.id)
                ).all()
                hashes.append((run.result_hash, runs.recompute_hash(run.id), repr(body)))
    sqlite, postgresql = hashes
    assert sqlite == postgresql
    assert sqlite[0] == sqlite[1] == new.result_hash
