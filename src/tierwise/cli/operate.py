"""Operator commands over stored runs: publish, diff, what-if, decisions, appeals, audit,
outbox. Each is one transaction of the state store and is recorded in the audit log."""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table
from ruamel.yaml import YAML
from sqlalchemy.orm import Session

from tierwise.appeals import service as appeals_service
from tierwise.audit import service as audit_service
from tierwise.cli.app import app
from tierwise.cli.evaluate import _as_of, _period
from tierwise.cli.runs import versions_in_force
from tierwise.cli.source import DataOption, DbOption, events, fail
from tierwise.cli.state import ActorOption, StateOption, open_state
from tierwise.core.errors import (
    DefinitionError,
    EvaluationError,
    LifecycleError,
    StateError,
    TierwiseError,
)
from tierwise.decisions import service as decisions_service
from tierwise.definitions.checking import check_text
from tierwise.definitions.model import Program
from tierwise.definitions.registry import load_program
from tierwise.lifecycle import DECISION_KINDS, OVERRIDE_MODES, Decision
from tierwise.outbox import service as outbox_service
from tierwise.programs.excellence import annual_excellence
from tierwise.runs import service
from tierwise.runs.repository import Runs

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
outbox_app = typer.Typer(help="Notifications waiting for a mailer.", no_args_is_help=True)
appeals_app = typer.Typer(help="Restate periods after appeals.", no_args_is_help=True)
decisions_app = typer.Typer(help="Operator decisions.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(outbox_app, name="outbox")
app.add_typer(appeals_app, name="appeals")
app.add_typer(decisions_app, name="decisions")

FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")]
console = Console()


def _emit(doc: Any, output: str) -> bool:
    """Print JSON and say so, or leave the text rendering to the caller."""
    if output not in ("json", "text"):
        raise typer.BadParameter("use text or json", param_hint="--format")
    if output == "json":
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False, default=str)
        sys.stdout.write("\n")
        return True
    return False


def _program_of_run(session: Session, run_id: str) -> Program:
    return load_program(Runs(session).get(run_id).program_id)


@app.command("publish")
def publish_command(
    run_id: Annotated[str, typer.Argument(help="The run to publish.")],
    reason: ReasonOption = "published",
    actor: ActorOption = "cli",
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
) -> None:
    """Make a run's levels the displayed ones (a run that failed the data gate cannot be)."""
    try:
        with open_state(state) as st:
            with st.session() as session:
                program = _program_of_run(session, run_id)
            if data is None and db is None:
                with st.session() as session:
                    run = service.publish(session, None, program, run_id, actor, reason)
            else:
                with events(data, db) as con, st.session() as session:
                    run = service.publish(session, con, program, run_id, actor, reason)
    except (StateError, DefinitionError) as exc:
        fail(str(exc))
    console.print(f"published {run.id} ({run.program_id} {run.period})")


def _print_diff(doc: dict[str, Any]) -> None:
    console.print(
        f"[bold]{doc['program']}[/] {doc.get('run') or doc.get('period')} against "
        f"{doc.get('against') or 'nothing published'}"
    )
    table = Table(title="Partners per level (before → after)")
    table.add_column("level")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    for level, (a, b) in doc["levels"].items():
        table.add_row(level, str(a), str(b))
    console.print(table)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(doc["summary"].items())) or "nobody moves"
    console.print(f"moves: {summary}")
    for m in doc["moves"]:
        console.print(
            f"  {m['partner_id']}: {m['before'] or '—'} → {m['after'] or '—'} ({m['kind']})"
        )
    if doc["near_threshold"]:
        console.print("within 5% of a threshold:")
        for pid, note in sorted(doc["near_threshold"].items()):
            console.print(f"  {pid}: {note}")


@app.command("diff")
def diff_command(
    run_id: Annotated[str, typer.Argument(help="A stored run.")],
    other: Annotated[
        str | None, typer.Argument(help="Compare with this run (default: what partners see now).")
    ] = None,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Who moves up, down, in or out between two runs; counts per level; who is close."""
    try:
        with open_state(state) as st, st.session() as session:
            doc = service.diff_runs(session, _program_of_run(session, run_id), run_id, other)
    except (StateError, DefinitionError) as exc:
        fail(str(exc))
    if not _emit(doc, output):
        _print_diff(doc)


def _set(doc: Any, path: str, value: str) -> None:
    """Set `a.b.0.c` in a nested definition document to a YAML-typed value."""
    parsed = YAML(typ="safe").load(value)
    keys = path.split(".")
    node = doc
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = parsed
    elif isinstance(node, dict):
        if last not in node:
            raise KeyError(last)
        node[last] = parsed
    else:
        raise KeyError(last)


def changed_program(program: Program, settings: list[str]) -> Program:
    doc = program.model_dump(mode="json", by_alias=True, exclude_none=True)
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--set")
        try:
            _set(doc, key, value)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise typer.BadParameter(f"{key}: no such setting ({exc})", param_hint="--set") from exc
    # Every rule of `programs check` applies to the changed definition too.
    stream = io.StringIO()
    YAML(typ="safe").dump(doc, stream)
    checked = check_text(stream.getvalue(), "<--set>")
    if checked.program is None or checked.errors:
        problems = "; ".join(f"{i.code} {i.message}" for i in checked.errors)
        raise typer.BadParameter(
            f"the changed definition is invalid: {problems}", param_hint="--set"
        )
    return checked.program


@app.command("whatif")
def whatif_command(
    program: Annotated[str, typer.Argument(help="A program id.")],
    period: Annotated[str, typer.Option("--period", help="The period to re-evaluate.")],
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="KEY=VALUE in the definition, e.g. scoring.awards.0.min_points=75"
        ),
    ] = None,
    program_file: Annotated[
        Path | None, typer.Option("--program-file", help="A changed definition file.")
    ] = None,
    data: DataOption = None,
    db: DbOption = None,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Evaluate a changed definition on the same data and diff it against the published
    run of the period. Changes nothing."""
    p = _period(period)
    try:
        base = load_program(program_file or program)
        changed = changed_program(base, settings or [])
        with open_state(state) as st, events(data, db) as con:
            doc = service.whatif(st, con, changed, p)
    except TierwiseError as exc:
        fail(str(exc))
    if not _emit(doc, output):
        _print_diff(doc)


@decisions_app.command("add")
def decide_command(
    kind: Annotated[
        str, typer.Argument(help="invite, downgrade, remove, continue_invitation or override.")
    ],
    partner: Annotated[str, typer.Argument(help="The partner's id.")],
    program: Annotated[str, typer.Option("--program", help="The program id.")],
    reason: ReasonOption,
    actor: ActorOption = "cli",
    level: Annotated[str | None, typer.Option("--level", help="The class or level.")] = None,
    mode: Annotated[str | None, typer.Option("--mode", help="override: floor or fixed.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="override: last day.")] = None,
    effective: Annotated[str | None, typer.Option("--effective", help="YYYY-MM-DD.")] = None,
    decided_on: Annotated[str | None, typer.Option("--decided-on", help="YYYY-MM-DD.")] = None,
    continues: Annotated[
        bool | None, typer.Option("--continues/--ends", help="continue_invitation only.")
    ] = None,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Record an operator decision, checked against the program's policy."""
    if kind not in DECISION_KINDS:
        raise typer.BadParameter(f"use one of {', '.join(DECISION_KINDS)}", param_hint="KIND")
    if mode not in (None, *OVERRIDE_MODES):
        raise typer.BadParameter(f"use one of {', '.join(OVERRIDE_MODES)}", param_hint="--mode")
    try:
        definition = load_program(program)
        decision = Decision(
            kind=kind,
            partner_id=partner,
            actor=actor,
            reason=reason,
            decided_on=_as_of(decided_on) or date.today(),
            effective=_as_of(effective),
            level=level,
            mode=mode,
            until=_as_of(until),
            continues=continues,
        )
        with open_state(state) as st, st.session() as session:
            doc = decisions_service.decide(session, definition, decision)
    except (LifecycleError, StateError, DefinitionError) as exc:
        fail(str(exc))
    if not _emit(doc, output):
        console.print(f"decision {doc['id']} recorded: {kind} {partner} ({reason})")


@decisions_app.command("list")
def decisions_list_command(
    program: Annotated[str | None, typer.Option("--program")] = None,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Recorded decisions, oldest first."""
    with open_state(state) as st, st.session() as session:
        rows = decisions_service.decisions_for(session, program)
    if not _emit(rows, output):
        for r in rows:
            console.print(
                f"{r['id']} {r['program_id']} {r['partner_id']} {r['kind']} {r['level'] or ''} "
                f"by {r['actor']} on {r['decided_on']}: {r['reason']}"
            )


@appeals_app.command("apply")
def appeals_command(
    program: Annotated[str, typer.Argument(help="The program id.")],
    reason: ReasonOption = "appeal granted",
    actor: ActorOption = "cli",
    data: DataOption = None,
    db: DbOption = None,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Re-evaluate published periods whose data changed (violations revoked on appeal) and
    record each restatement with its differences; awards already granted stand."""
    try:
        definition = load_program(program)
        with open_state(state) as st, events(data, db) as con:
            doc = appeals_service.apply_appeals(
                st,
                con,
                definition,
                actor=actor,
                reason=reason,
                program_for=versions_in_force(program, None),
            )
    except (EvaluationError, StateError, DefinitionError) as exc:
        fail(str(exc))
    if not _emit(doc, output):
        if not doc:
            console.print("no published period changed")
        for r in doc:
            console.print(f"{r['period']}: {r['restated']} restated by {r['restatement']}")
            for c in r["changes"]:
                console.print(
                    f"  {c['partner_id']}: score {c['score'][0]} → {c['score'][1]}, "
                    f"computed level {c['computed_level'][0]} → {c['computed_level'][1]}"
                )


@audit_app.command("verify")
def audit_verify_command(output: FormatOption = "text", state: StateOption = None) -> None:
    """Recompute the hash chain; exit 1 and name the first bad entry if it was tampered with."""
    with open_state(state) as st, st.session() as session:
        report = audit_service.verify_audit(session)
    if not _emit(report.to_dict(), output):
        console.print(str(report))
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("list")
def audit_list_command(
    limit: Annotated[int, typer.Option("--limit")] = 50,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """The latest audit entries."""
    with open_state(state) as st, st.session() as session:
        rows = audit_service.audit_entries(session, limit)[::-1]
    if not _emit(rows, output):
        for r in rows:
            console.print(
                f"{r['seq']:>5} {r['at']} {r['actor']} {r['action']} {r['object']} "
                f"{r['reason'] or ''}"
            )


@outbox_app.command("list")
def outbox_list_command(
    status: Annotated[str | None, typer.Option("--status", help="pending or sent.")] = None,
    partner: Annotated[str | None, typer.Option("--partner")] = None,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Rendered notifications, in each partner's market language."""
    if status not in (None, "pending", "sent"):
        raise typer.BadParameter("use pending or sent", param_hint="--status")
    chosen: Literal["pending", "sent"] | None = status  # type: ignore[assignment]
    with open_state(state) as st, st.session() as session:
        rows = outbox_service.outbox(session, chosen, partner)
    if not _emit(rows, output):
        for r in rows:
            console.print(
                f"[bold]{r['id']}[/] {r['status']} {r['partner_id']} {r['kind']} "
                f"[{r['language']}] {r['subject']}"
            )
            console.print(f"    {r['body']}")


@outbox_app.command("send")
def outbox_send_command(
    once: Annotated[
        bool, typer.Option("--once", help="One pass over what is due now, then exit.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most N deliveries a pass.")
    ] = None,
    channels: Annotated[
        Path | None,
        typer.Option("--channels", help="The channels file (default $TIERWISE_OUTBOX_CHANNELS)."),
    ] = None,
    idle: Annotated[float, typer.Option("--idle", min=0.1, help="Seconds between passes.")] = 5.0,
    state: StateOption = None,
) -> None:
    """Deliver the outbox by e-mail and webhook (docs/outbox.md): with --once one pass,
    else pass after pass until interrupted."""
    import signal
    import threading

    from tierwise.outbox.channels import ChannelsError, channels_from_env, load_channels
    from tierwise.outbox.sender import Sender

    try:
        chosen = load_channels(channels) if channels is not None else channels_from_env()
    except ChannelsError as exc:
        fail(str(exc))
    if chosen is None:
        fail("no channels file: pass --channels PATH or set $TIERWISE_OUTBOX_CHANNELS")
    with open_state(state) as st:
        sender = Sender(st, chosen)
        if not once:
            stop = threading.Event()
            for stopping in (signal.SIGTERM, signal.SIGINT):  # the send in flight finishes
                signal.signal(stopping, lambda *_: stop.set())
            sender.run(stop, idle)
            return
        report = sender.send_due(limit)
    for line in report.errors:
        console.print(f"  {line}", highlight=False)
    console.print(
        f"{report.sent} sent, {report.retried} to retry, {report.failed} failed "
        f"({report.planned} new message(s) routed, {report.unrouted} of them to no channel; "
        f"{report.released} interrupted send(s) taken back)",
        highlight=False,
    )


@outbox_app.command("deliveries")
def outbox_deliveries_command(
    delivery: Annotated[
        str | None, typer.Option("--state", help="pending, sending, sent or failed.")
    ] = None,
    partner: Annotated[str | None, typer.Option("--partner")] = None,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Each message on each channel: delivery state, attempts, last error."""
    if delivery not in (None, "pending", "sending", "sent", "failed"):
        raise typer.BadParameter("use pending, sending, sent or failed", param_hint="--state")
    with open_state(state) as st, st.session() as session:
        _, messages = outbox_service.outbox_page(
            session,
            None,
            partner,
            delivery=delivery,  # type: ignore[arg-type]
        )
        found = outbox_service.deliveries_of(session, [m["id"] for m in messages])
    rows = [
        {"id": m["id"], "partner_id": m["partner_id"], "subject": m["subject"], **d}
        for m in messages
        for d in found[m["id"]]
        if delivery is None or d["state"] == delivery
    ]
    if not _emit(rows, output):
        for r in rows:
            console.print(
                f"[bold]{r['id']}[/] {r['partner_id']} {r['channel']} {r['state']} "
                f"attempts={r['attempts']} {r['last_error'] or ''}",
                highlight=False,
            )


@outbox_app.command("retry")
def outbox_retry_command(
    message_id: Annotated[int, typer.Argument(help="The outbox message.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")],
    channel: Annotated[
        str | None, typer.Option("--channel", help="email, webhook or none (default: all).")
    ] = None,
    actor: ActorOption = "cli",
    state: StateOption = None,
) -> None:
    """Send a failed delivery again: due now, with a fresh count of attempts."""
    if channel not in (None, "email", "webhook", "none"):
        raise typer.BadParameter("use email, webhook or none", param_hint="--channel")
    if not reason.strip():
        raise typer.BadParameter("say why the delivery is retried", param_hint="--reason")
    try:
        with open_state(state) as st, st.session() as session:
            rows = outbox_service.retry_delivery(
                session, message_id, channel, actor, reason.strip()
            )
    except (LookupError, StateError) as exc:
        fail(str(exc))
    for r in rows:
        console.print(f"{message_id} {r['channel']} {r['state']}", highlight=False)


@app.command("levels")
def levels_command(
    program: Annotated[str | None, typer.Option("--program", help="One program only.")] = None,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """The displayed levels: each program's latest published run, partners per level."""
    from tierwise.definitions.registry import all_programs

    try:
        programs = [load_program(program)] if program else list(all_programs())
    except DefinitionError as exc:
        fail(str(exc))
    rows: list[dict[str, Any]] = []
    with open_state(state) as st, st.session() as session:
        runs = Runs(session)
        for p in programs:
            run = runs.latest_published(p.id)
            if run is None:
                rows.append({"program": p.id, "run": None})
            else:
                rows.append(service.level_distribution(runs, p, run))
    if _emit(rows, output):
        return
    table = Table(title="Published levels (latest published period of each program)")
    for col in ("program", "period", "levels (lowest → highest)", "no level", "statuses"):
        table.add_column(col)
    for row in rows:
        if row["run"] is None:
            table.add_row(row["program"], "—", "nothing published", "", "")
            continue
        table.add_row(
            row["program"],
            row["period"],
            "  ".join(f"{k} {v}" for k, v in row["levels"].items()),
            str(row["none"]),
            "  ".join(f"{k} {v}" for k, v in sorted(row["statuses"].items())),
        )
    console.print(table)


@outbox_app.command("remind")
def outbox_remind_command(
    on: Annotated[str | None, typer.Option("--on", help="The day (default: today).")] = None,
    program: Annotated[str | None, typer.Option("--program")] = None,
    data: DataOption = None,
    db: DbOption = None,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Queue reminders for published awards that expire within 14 days."""
    from tierwise.definitions.registry import all_programs

    day = _as_of(on) or date.today()
    try:
        programs = [load_program(program)] if program else list(all_programs())
    except DefinitionError as exc:
        fail(str(exc))
    queued: list[dict[str, Any]] = []
    with open_state(state) as st:
        for p in programs:
            if data is None and db is None:
                with st.session() as session:
                    queued += outbox_service.remind_expiring(session, None, p, day)
            else:
                with events(data, db) as con, st.session() as session:
                    queued += outbox_service.remind_expiring(session, con, p, day)
    if not _emit(queued, output):
        console.print(f"{len(queued)} reminder(s) queued")
        for q in queued:
            console.print(f"  {q['id']} {q['partner_id']}: {q['subject']}")


@app.command("excellence")
def excellence_command(
    program: Annotated[str, typer.Argument(help="A program with an annual selection (ISV).")],
    year: Annotated[int, typer.Option("--year", help="The year reviewed.")],
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """The annual excellent partners: quarterly evaluations averaged over the published
    quarters of the year, the best of each class."""
    try:
        definition = load_program(program)
        with open_state(state) as st, st.session() as session:
            doc = annual_excellence(session, definition, year)
    except (StateError, DefinitionError) as exc:
        fail(str(exc))
    if _emit(doc, output):
        return
    console.print(
        f"[bold]{doc['program']} {year}[/]: quarters published {', '.join(doc['periods'])}"
    )
    for level, picks in doc["excellent"].items():
        console.print(f"  {level}: {'' if picks else '—'}")
        for p in picks:  # the reasons: each quarter's evaluation, then their average
            quarters = ", ".join(f"{q} {s:g}" for q, s in p["evaluations"].items())
            console.print(f"    {p['partner_id']}  average {p['average']:.1f}  ({quarters})")
