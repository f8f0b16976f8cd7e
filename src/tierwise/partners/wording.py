"""The words of a partner's card in a language: numbers for people, the titles of the
scoring's parts, warnings and notices, the actions that close the gap to the next level and
the risks to the level held. Shared by the dashboard page and the reports (`reports/`),
so a report says exactly what the page says; no web framework here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, cast

from tierwise.definitions.model import Program
from tierwise.lifecycle import Notice
from tierwise.outbox.messages import render as render_notice
from tierwise.partners.dashboard import Card, CardWarning
from tierwise.web.i18n import pick


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


#: Notice kinds the outbox renders in the partner's language.
_NOTICE_KINDS = frozenset(
    {
        "level_changed",
        "observation_warning",
        "award_granted",
        "award_expiring",
        "review_opened",
        "award_withheld",
        "award_forfeited",
        "excluded",
    }
)


#: Kinds shown as warnings (the others are news).
WARNING_KINDS = frozenset(
    {
        "status_observation",
        "status_ineligible",
        "status_novice",
        "observation_warning",
        "award_expiring",
        "award_withheld",
        "award_forfeited",
        "excluded",
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
