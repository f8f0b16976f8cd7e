"""The partners' pages: a partner's dashboard, the directory of public levels, one
partner's public page, and the creator's page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from math import ceil
from typing import Annotated, Any, Literal, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from tierwise.access import partner_visible, visible_partners
from tierwise.definitions.model import Program
from tierwise.lifecycle import Notice
from tierwise.outbox.messages import render as render_notice
from tierwise.partners.dashboard import Card, CardWarning, dashboard
from tierwise.partners.directory import DirectoryQuery
from tierwise.web.context import Portal
from tierwise.web.guard import PageUser, PortalDep, ReadSession
from tierwise.web.i18n import pick, translator
from tierwise.web.problems import Problem
from tierwise.web.render import language, render, templates

router = APIRouter()


@router.get("/creator", name="page.creator")
def creator_page(
    request: Request, portal: PortalDep, session: ReadSession, principal: PageUser
) -> Response:
    bound = sorted(portal.catalog.bound_to(principal.creator_id or ""))
    entries = [e for pid in bound if (e := portal.directory.entry(session, pid)) is not None]
    return render(request, "creator.html", {"entries": entries, "programs": portal.programs})


PAGE_SIZE = 20


KINDS = ("mcn", "tsp", "isv")


Text = Annotated[str, Query(max_length=100)]


def level_options(portal: Portal) -> list[dict[str, Any]]:
    """Every program's levels for the filter, one option per level id (programs may share
    one: both Thai TSP programs certify)."""
    seen: set[str] = set()
    groups = []
    for program in portal.programs.values():
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
    visible = visible_partners(principal, portal.catalog)
    query = DirectoryQuery(
        program=program or None,
        level=level or None,
        market=market or None,
        kind=kind or None,
        text=q.strip() or None,
        offset=(page - 1) * limit,
        limit=limit,
    )
    total, entries = portal.directory.search(session, query, visible)
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
        "level_groups": level_options(portal),
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
    entry = portal.directory.entry(session, partner_id)
    if entry is None:  # the guard checked visibility; the catalog may have been reloaded
        raise Problem(404, f"no partner {partner_id!r}")
    return render(
        request,
        "directory_partner.html",
        {
            "entry": entry,
            "programs": portal.programs,
            "own": partner_visible(principal, partner_id, "own", portal.catalog),
        },
    )


def format_number(value: Any) -> str:
    """A number for people: thousands separated, integers whole, at most two decimals from
    1 up and four significant digits below 1 ("601", "1,251,655.02", "0.02954")."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    if abs(number) >= 1:
        text = f"{number.quantize(Decimal('0.01'), ROUND_HALF_UP):,f}"
    else:
        places = 3 - number.adjusted()
        text = f"{number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


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


#: Notice kinds the outbox renders in the partner's language.
_NOTICE_KINDS = frozenset(
    {"level_changed", "observation_warning", "award_granted", "award_expiring", "review_opened"}
)


#: Kinds shown as warnings (the others are news).
_WARNING_KINDS = frozenset(
    {
        "status_observation",
        "status_ineligible",
        "status_novice",
        "observation_warning",
        "award_expiring",
        "pending",
    }
)


def component_titles(program: Program) -> dict[str, dict[str, str]]:
    """Titles of the scoring's groups, channels and dimensions, by name."""
    titles: dict[str, dict[str, str]] = {}
    for attribute in ("groups", "channels", "dimensions"):
        for part in getattr(program.scoring, attribute, ()):
            title = dict(part.title) if part.title else {}
            titles[part.name] = title if title.get("en") else {"en": part.name, "zh": part.name}
    return titles


def warning_text(
    program: Program, card: Card, warning: CardWarning, lang: str, t: Callable[..., str]
) -> str:
    """One warning or notice of a card, in the page's language."""
    kind = warning.kind
    params: Mapping[str, Any] = warning.params
    if kind in _NOTICE_KINDS:
        notice = Notice(
            kind=cast(Any, kind),
            program_id=program.id,
            partner_id=card.partner_id,
            period=str(warning.period or card.period or ""),
            params={k: None if v is None else str(v) for k, v in params.items()},
        )
        chosen = cast(Literal["en", "zh"], lang if lang in ("en", "zh") else "en")
        return render_notice(program, notice, chosen)[2]
    if kind in ("status_observation", "status_ineligible", "status_novice"):
        return t(f"warning_{kind}")
    if kind == "pending":
        decision = str(params.get("kind") or "")
        return t(
            "warning_pending",
            decision=t(f"decision_{decision}") if decision else "—",
            effective=params.get("effective") or "—",
        )
    return kind


def history_chart(program: Program, card: Card, lang: str, t: Callable[..., str]) -> dict[str, Any]:
    """The data island of a card's history chart: score and level rank per period."""
    return {
        "labels": [h["period"] for h in card.history],
        "score": [None if h["score"] is None else float(h["score"]) for h in card.history],
        "rank": [h["rank"] for h in card.history],
        "levels": [pick({"en": lv.title.en, "zh": lv.title.zh}, lang) for lv in program.levels],
        "score_label": t("score"),
        "level_label": t("level"),
        "no_level": t("no_level"),
    }


_RELATION_KEYS = {">=": "to_at_least", ">": "to_above", "<": "to_below", "<=": "to_at_most"}


def _metric(card: Card, name: str, lang: str) -> str:
    return str(pick(card.metric_titles.get(name), lang) or name)


def _level(program: Program, level_id: str | None, lang: str, t: Callable[..., str]) -> str:
    if level_id is None:
        return t("no_level")
    if level_id not in program.level_ids:
        return level_id
    title = program.level(level_id).title
    return str(pick({"en": title.en, "zh": title.zh}, lang))


def gap_actions(
    program: Program, card: Card, lang: str, t: Callable[..., str]
) -> list[dict[str, str]]:
    """The actions that close the gap to the next level. In English, the explanation's own
    sentences; in another language, sentences built from its structured steps (banded and
    ranked programs) or components (additive programs), and its own sentences for what has
    no structure (eligibility conditions)."""
    nxt = card.next_level
    if nxt is None:
        return []
    gap = nxt.gap
    own = [{"text": action} for action in gap.actions]
    if lang == "en":
        return own
    out: list[dict[str, str]] = []
    unit = "points" if gap.points is not None else "score"
    for step in gap.steps:
        out.append(
            {
                "text": t(
                    f"action_{_RELATION_KEYS.get(step.relation, 'to_at_least')}",
                    metric=_metric(card, step.metric, lang),
                    current=format_number(step.current),
                    target=format_number(step.target),
                )
                + t(f"action_gain_{unit}", n=format_number(step.points)),
                "original": step.text,
            }
        )
    for part in gap.components:
        alone = part.value_for_gap is not None
        target = part.value_for_gap if alone else part.value_for_room
        if target is None:
            continue
        gain = (
            t("action_enough_alone", level=_level(program, nxt.level, lang, t))
            if alone
            else t("action_gain_most", n=format_number(part.room))
        )
        out.append(
            {
                "text": t(
                    "action_to_at_least",
                    metric=_metric(card, part.metric, lang),
                    current=format_number(part.value),
                    target=format_number(target),
                )
                + gain,
                "original": "",
            }
        )
    if not out:
        return own
    for condition in gap.conditions:
        out.append({"text": condition, "original": ""})
    return out


def keep_risks(
    program: Program, card: Card, lang: str, t: Callable[..., str]
) -> list[dict[str, Any]]:
    """What would cost the level or points (banded programs), in the page's language."""
    keep = card.keep
    if keep is None:
        return []
    risks = []
    for risk in keep.risks:
        if lang == "en":
            text = risk.text
        else:
            text = t(
                f"risk_{_RELATION_KEYS.get(risk.relation, 'to_below')}",
                metric=_metric(card, risk.metric, lang),
                current=format_number(risk.current),
                threshold=format_number(risk.threshold),
                n=format_number(risk.points_lost),
            ) + t(
                "risk_loses_level" if risk.loses_level else "risk_keeps_level",
                level=_level(program, keep.level, lang, t),
            )
        risks.append({"text": text, "loses_level": risk.loses_level})
    return risks


@router.get("/partners/{partner_id}/dashboard", name="page.partner.dashboard")
def partner_dashboard(
    partner_id: str,
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
) -> Response:
    entry = portal.directory.entry(session, partner_id)
    info = portal.catalog.partners.get(partner_id)
    if entry is None or info is None:  # the guard checked it; the catalog may have changed
        raise Problem(404, f"no partner {partner_id!r}")
    lang = language(request, principal)
    t = translator(lang)
    cards = dashboard(session, list(portal.programs.values()), info, portal.today())
    views = []
    for card in cards:
        program = portal.programs[card.program_id]
        warnings = [
            {
                "kind": w.kind,
                "warning": w.kind in _WARNING_KINDS,
                "text": warning_text(program, card, w, lang, t),
            }
            for w in card.warnings
        ]
        views.append(
            {
                "card": card,
                "program": program,
                "components": component_titles(program),
                "warnings": warnings,
                "chart": history_chart(program, card, lang, t),
                "actions": gap_actions(program, card, lang, t),
                "risks": keep_risks(program, card, lang, t),
            }
        )
    return render(
        request,
        "partner_dashboard.html",
        {"entry": entry, "views": views, "today": portal.today()},
    )
