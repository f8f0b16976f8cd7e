"""The partners' pages: a partner's dashboard, the directory of public levels, one
partner's public page, and the creator's page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from math import ceil
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from tierwise.access import directory_viewer, partner_visible
from tierwise.core.periods import Period
from tierwise.definitions.model import Program
from tierwise.partners.charts import channel_metrics, history_charts
from tierwise.partners.dashboard import Card, as_shown_to_partner, dashboard, program_card
from tierwise.partners.directory import DirectoryQuery
from tierwise.partners.repository import PublishedResults
from tierwise.partners.wording import (
    WARNING_KINDS,
    component_titles,
    format_number,
    gap_actions,
    keep_risks,
    warning_text,
)
from tierwise.web.guard import PageUser, PortalDep, ReadSession
from tierwise.web.i18n import translator
from tierwise.web.problems import Problem
from tierwise.web.render import language, render, templates

router = APIRouter()


PAGE_SIZE = 20


KINDS = ("mcn", "tsp", "isv")


Text = Annotated[str, Query(max_length=100)]


@router.get("/creator", name="page.creator")
def creator_page(
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
    program: Text = "",
    level: Text = "",
) -> Response:
    """The agencies a creator is bound to, and the agencies it may choose by level: those
    graded by a program that shows its levels to creators (集星), filtered by a level."""
    viewer = directory_viewer(principal, portal.catalog, portal.programs.values())
    bound = sorted(portal.catalog.bound_to(principal.creator_id or ""))
    entries = [
        e for pid in bound if (e := portal.directory.entry(session, pid, viewer)) is not None
    ]
    shown = portal.directory.programs_shown(viewer)
    ids = {p.id for p in shown}
    chosen = program if program in ids else ""
    query = DirectoryQuery(
        program=chosen or None,
        level=level or None,
        kind="mcn",
        limit=PAGE_SIZE,
    )
    total, agencies = portal.directory.search(session, query, viewer) if shown else (0, [])
    more = {k: v for k, v in {"program": query.program, "level": level, "kind": "mcn"}.items() if v}
    return render(
        request,
        "creator.html",
        {
            "entries": entries,
            "programs": portal.programs,
            "shown_programs": shown,
            "level_groups": level_options(shown),
            "filters": {"program": chosen, "level": level},
            "agencies": agencies,
            "total": total,
            "more_href": "/directory?" + urlencode(more) if total > len(agencies) else None,
        },
    )


def level_options(programs: Iterable[Program]) -> list[dict[str, Any]]:
    """The levels of the programs a reader is shown, for the filter, one option per level
    id (programs may share one: both Thai TSP programs certify)."""
    seen: set[str] = set()
    groups = []
    for program in programs:
        levels = [lv for lv in program.levels if lv.id not in seen]
        seen.update(lv.id for lv in levels)
        if levels:
            groups.append(
                {
                    "title": {"en": program.title.en, "zh": program.title.zh},
                    "levels": [
                        {"id": lv.id, "title": {"en": lv.title.en, "zh": lv.title.zh}}
                        for lv in levels
                    ],
                }
            )
    return groups


def is_fragment(request: Request) -> bool:
    """An htmx request for the results only (a history restore wants the whole page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


@router.get("/directory", name="page.directory")
def directory_page(
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
    program: Text = "",
    level: Text = "",
    market: Text = "",
    kind: Text = "",
    q: Text = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=500)] = PAGE_SIZE,
) -> Response:
    viewer = directory_viewer(principal, portal.catalog, portal.programs.values())
    visible = viewer.sees
    query = DirectoryQuery(
        program=program or None,
        level=level or None,
        market=market or None,
        kind=kind or None,
        text=q.strip() or None,
        offset=(page - 1) * limit,
        limit=limit,
    )
    total, entries = portal.directory.search(session, query, viewer)
    shown = portal.directory.programs_shown(viewer)
    pages = max(1, ceil(total / limit))
    filters = {"program": program, "level": level, "market": market, "kind": kind, "q": q}
    kept = {k: v for k, v in filters.items() if v}
    if limit != PAGE_SIZE:
        kept["limit"] = str(limit)

    def page_href(number: int) -> str:
        return "/directory?" + urlencode({**kept, "page": number})

    markets = sorted({info.market for pid, info in portal.catalog.partners.items() if visible(pid)})
    context = {
        "filters": filters,
        "entries": entries,
        "total": total,
        "page": page,
        "pages": pages,
        "first": query.offset + 1 if entries else 0,
        "last": query.offset + len(entries),
        "prev_href": page_href(page - 1) if page > 1 else None,
        "next_href": page_href(page + 1) if page < pages else None,
        "programs": portal.programs,
        "shown_programs": shown,
        "level_groups": level_options(shown),
        "markets": markets,
        "kinds": KINDS,
    }
    if is_fragment(request):
        reply = render(request, "_directory_results.html", context)
    else:
        reply = render(request, "directory.html", context)
    reply.headers["Vary"] = "HX-Request"
    return reply


@router.get("/directory/{partner_id}", name="page.directory.partner")
def directory_partner(
    partner_id: str,
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
) -> Response:
    """A partner's public page: who it is, its levels, badges and awards in force."""
    viewer = directory_viewer(principal, portal.catalog, portal.programs.values())
    entry = portal.directory.entry(session, partner_id, viewer)
    if entry is None:  # the guard checked visibility; the catalog may have been reloaded
        raise Problem(404, f"no partner {partner_id!r}")
    return render(
        request,
        "directory_partner.html",
        {
            "entry": entry,
            "programs": portal.programs,
            "own": partner_visible(
                principal, partner_id, "own", portal.catalog, portal.programs.values()
            ),
        },
    )


def format_when(value: Any) -> str:
    """A timestamp to the minute, in UTC as stored ("2024-10-03 09:15")."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value).replace("T", " ")
    return text[:16]


def lang_href(request: Request, lang: str, here: str | None = None) -> str:
    """The link that shows this page in `lang`: the same path and query (a page rendered
    for a form post links to `here`, its GET address, or else to its own path)."""
    if here is not None or request.method != "GET":
        return f"{here or request.url.path}?{urlencode({'lang': lang})}"
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "flash")]
    return f"{request.url.path}?{urlencode([*params, ('lang', lang)])}"


templates.env.filters["num"] = format_number


templates.env.filters["when"] = format_when


templates.env.globals["lang_href"] = lang_href


def card_charts(
    session: ReadSession,
    program: Program,
    card: Card,
    lang: str,
    t: Callable[..., str],
    *,
    by_partner: bool,
) -> list[dict[str, Any]]:
    """The history charts of a card (`tierwise.partners.charts`); a program without a score
    reads each published period's metrics, less those of periods the program withholds
    from the partner (`as_shown_to_partner`)."""
    metrics: dict[str, Any] = {}
    if channel_metrics(program):
        metrics = PublishedResults(session).metrics_of_partner(card.partner_id, program.id)
        if by_partner:
            withheld = {
                h["period"] for h in card.history if program.visibility.withholds(h["status"])
            }
            metrics = {p: m for p, m in metrics.items() if p not in withheld}
    return history_charts(program, card.history, metrics, card.metric_titles, lang, t)


def chosen_card(
    session: ReadSession,
    program: Program,
    latest: Card,
    period: str,
    today: date,
    *,
    by_partner: bool,
) -> Card:
    """The card of a past published period the reader picked, from that period's published
    run, with the whole history (the picker and the charts show every period)."""
    try:
        wanted = Period.parse(period)
    except ValueError as exc:
        raise Problem(404, f"no period {period!r}") from exc
    if str(wanted) == latest.period:
        return latest
    past = program_card(session, program, latest.partner_id, today, wanted)
    if past.run_id is None:
        raise Problem(404, f"nothing published for {latest.partner_id} in {period}")
    if by_partner:
        past = as_shown_to_partner(program, past)
    return replace(past, history=latest.history)


@router.get("/partners/{partner_id}/dashboard", name="page.partner.dashboard")
def partner_dashboard(
    partner_id: str,
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
    program: Text = "",
    period: Text = "",
) -> Response:
    """The partner's cards, each of its latest published period; `program` and `period`
    open a past published period of one program (the period picker)."""
    viewer = directory_viewer(principal, portal.catalog, portal.programs.values())
    entry = portal.directory.entry(session, partner_id, viewer)
    info = portal.catalog.partners.get(partner_id)
    if entry is None or info is None:  # the guard checked it; the catalog may have changed
        raise Problem(404, f"no partner {partner_id!r}")
    lang = language(request, principal)
    t = translator(lang)
    cards = dashboard(
        session,
        list(portal.programs.values()),
        info,
        portal.today(),
        by_partner=principal.role == "partner",
    )
    views = []
    for latest in cards:
        program_of = portal.programs[latest.program_id]
        card = latest
        if period and latest.program_id == program and latest.run_id is not None:
            card = chosen_card(
                session,
                program_of,
                latest,
                period,
                portal.today(),
                by_partner=principal.role == "partner",
            )
        warnings = [
            {
                "kind": w.kind,
                "warning": w.kind in WARNING_KINDS,
                "text": warning_text(program_of, card, w, lang, t),
            }
            for w in card.warnings
        ]
        views.append(
            {
                "card": card,
                "program": program_of,
                "components": component_titles(program_of),
                "warnings": warnings,
                "charts": card_charts(
                    session, program_of, card, lang, t, by_partner=principal.role == "partner"
                ),
                "actions": gap_actions(program_of, card, lang, t),
                "risks": keep_risks(program_of, card, lang, t),
                # Shown to the partner without score or level (百应 observation).
                "withheld": principal.role == "partner"
                and program_of.visibility.withholds(card.status),
                # A past period picked: the latest is a link away.
                "latest_period": latest.period if card is not latest else None,
            }
        )
    return render(
        request,
        "partner_dashboard.html",
        {"entry": entry, "views": views, "today": portal.today()},
    )
