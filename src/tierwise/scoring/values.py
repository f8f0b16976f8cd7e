"""Metric values: normalising what the metrics layer hands over, exact arithmetic, display.

Metric values arrive as Decimal, int, float or None. They are normalised once, at the entry,
to Decimal (None stays None: "no value"). Sums of quotients (interpolations, renormalised
weights, shares of a population maximum) are computed as exact fractions and only turned
into Decimal for reporting, so a rounding or a tie never depends on an arithmetic accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Final

from tierwise.core.errors import EvaluationError

#: What the metrics layer may hand over for one metric.
MetricValue = Decimal | int | float | None

#: Digits kept when an exact fraction is reported as a Decimal.
REPORT_PRECISION: Final = 28


class ScoringError(EvaluationError):
    """A scoring input that cannot be scored: a metric the method needs is missing, a value is
    not a finite number, a level is unknown, or partner ids repeat."""


def to_decimal(value: MetricValue, *, metric: str = "value") -> Decimal | None:
    """Normalise one metric value; floats go through their shortest repr (0.1 → 0.1)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ScoringError(f"{metric}: a boolean is not a metric value")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value)) if value == value else Decimal("NaN")
    else:
        raise ScoringError(f"{metric}: {value!r} is not a number")
    if not d.is_finite():
        raise ScoringError(f"{metric}: {value!r} is not a finite number")
    return d


def normalise_metrics(
    metrics: Mapping[str, MetricValue], *, partner_id: str
) -> dict[str, Decimal | None]:
    """Every metric of one partner as Decimal or None."""
    return {
        name: to_decimal(value, metric=f"{partner_id}: {name}") for name, value in metrics.items()
    }


def read_metric(
    metrics: Mapping[str, Decimal | None], name: str, *, partner_id: str
) -> Decimal | None:
    """A metric the scoring config names; a missing name is a configuration error, not a 0."""
    try:
        return metrics[name]
    except KeyError:
        raise ScoringError(
            f"{partner_id}: metric {name!r} is used by the scoring config but was not computed"
        ) from None


def or_zero(value: Decimal | None) -> Decimal:
    """None ("no value") counts as 0 wherever no rule says otherwise."""
    return Decimal(0) if value is None else value


def exact(value: Decimal | int) -> Fraction:
    return Fraction(value)


def report(value: Fraction, *, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """An exact fraction as a Decimal: exact when it terminates within REPORT_PRECISION digits
    (a target to reach is reported rounded up, so that reaching it is enough)."""
    with localcontext() as ctx:
        ctx.prec = REPORT_PRECISION
        ctx.rounding = rounding
        result = (Decimal(value.numerator) / Decimal(value.denominator)).normalize()
    if result == result.to_integral_value():
        return result.quantize(Decimal(1))
    return result


def round_half_up(value: Fraction) -> int:
    """Round to an integer, halves away from zero (Decimal ROUND_HALF_UP), exactly."""
    magnitude = abs(value) + Fraction(1, 2)
    rounded = magnitude.numerator // magnitude.denominator
    return rounded if value >= 0 else -rounded


def json_number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def json_score(value: Decimal | None, *, integral: bool) -> float | int | None:
    """Scores: an integer where the program rounds to integers, else a float."""
    if value is None:
        return None
    return int(value) if integral else float(value)


@dataclass(frozen=True)
class MetricLabel:
    """How a metric is named in explanations: its title and the unit its values are shown in."""

    title: str
    #: Written after the number ("CNY", "USD", "hours").
    unit: str = ""
    #: A ratio shown as a percentage (0.004 → 0.4%).
    percent: bool = False


def label_for(labels: Mapping[str, MetricLabel] | None, metric: str) -> MetricLabel:
    if labels and metric in labels:
        return labels[metric]
    return MetricLabel(metric)


def format_number(value: Decimal, *, rounding: str = ROUND_HALF_EVEN, places: int = 4) -> str:
    """A number for people: thousands separators, no trailing zeros, at most `places` decimals
    but four significant digits below 1 (rounded in the direction the caller asks, so a target
    shown is still a target met)."""
    if value != 0 and abs(value) < 1:
        places = max(places, 3 - value.adjusted())  # four significant digits at least
    quantum = Decimal(1).scaleb(-places)
    shown = value.quantize(quantum, rounding=rounding) if value != value.to_integral() else value
    shown = shown.normalize()
    if shown == 0:
        return "0"
    return f"{shown:,f}"


def format_value(
    value: Decimal | None,
    label: MetricLabel,
    *,
    direction: str = "nearest",
) -> str:
    """A metric value with its unit; `direction` up/down rounds a target so it stays reached."""
    if value is None:
        return "no value"
    rounding = {"up": ROUND_CEILING, "down": ROUND_FLOOR}.get(direction, ROUND_HALF_EVEN)
    if label.percent:
        return f"{format_number(value * 100, rounding=rounding, places=2)}%"
    text = format_number(value, rounding=rounding)
    return f"{text} {label.unit}" if label.unit else text
