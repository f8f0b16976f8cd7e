"""The metric library: every metric a program may name, with its parameters and unit.

A program's `metrics:` section names a library metric and gives its parameters; the
definitions layer validates them against the models here, and `metrics.plan.compile_plan`
turns them into one set-wise SQL query per program and period (each metric through its
compiler in `metrics/compilers/`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Unit = Literal["count", "money", "ratio", "hours", "days", "score", "points", "per_day"]


class Window(BaseModel):
    """A time window: the evaluated period itself, or the past N days ending on its last day."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    days: int | None = Field(default=None, gt=0)


#: The day a state (a binding, a fact, a subscription) is read on: the period's last day,
#: or the 1st or 2nd of the month after it (百应 author levels are updated on the 2nd).
Day = Literal["last_day", "first_of_next", "second_of_next"]

Attribution = Literal[
    # orders of creators bound to the partner (service mcn) at the order's paid time
    "creator_binding",
    # orders of sellers bound to the partner (the program's service) at the order's paid time
    "seller_binding",
    # orders whose creator is an official/marketing account of a bound seller
    "seller_creators",
]
Service = Literal["fulfillment", "content", "mcn"]
Channel = Literal["live", "video", "showcase", "shop_tab", "other"]


class Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderParams(Params):
    attribution: Attribution = "creator_binding"
    service: Service = "mcn"
    window: Window = Window()
    channels: tuple[Channel, ...] | None = None
    good_goods: bool | None = None
    worry_free: bool | None = None
    #: Only orders whose content is a livestream longer than this many minutes.
    live_longer_than_min: int | None = None


class BoundParams(Params):
    subject_kind: Literal["seller", "creator"] = "creator"
    service: Service = "mcn"
    #: `day`: bound on the given day; `window`: bound at any time during the window.
    at: Literal["day", "window"] = "day"
    on: Day = "last_day"
    window: Window = Window()


class FactCountParams(Params):
    fact: str
    at_least: float
    service: Service = "mcn"
    #: The day the fact is read; bindings are read on the period's last day.
    on: Day = "last_day"


class FactMeanParams(Params):
    fact: str
    service: Service = "mcn"
    on: Day = "last_day"


class PartnerFactParams(Params):
    fact: str
    on: Day = "last_day"
    #: Value when the partner has no such fact in force.
    default: float | None = None
    #: Only facts whose as_of falls inside the period (operator facts entered per quarter).
    within_period: bool = False


class CreatorSalesParams(Params):
    channels: tuple[Channel, ...] | None = None
    service: Service = "mcn"


class LiveDaysParams(Params):
    service: Service = "mcn"


class SellerRateParams(Params):
    rate: Literal["seller_cancellation", "late_dispatch", "seller_return", "negative_review"]
    service: Service = "fulfillment"
    window: Window = Window(days=90)


class ContentParams(Params):
    """Livestreams/videos of the creators of the partner's content sellers."""

    service: Service = "content"
    window: Window = Window(days=90)
    live_longer_than_min: int | None = None


class GpmParams(ContentParams):
    content: Literal["live", "video"]


class ViolationParams(Params):
    kind: str
    severe: bool | None = None
    service: Service = "fulfillment"
    #: Violations of the bound sellers only, or of the sellers and their creators too.
    subjects: Literal["sellers", "sellers_and_creators"] = "sellers"
    window: Window = Window(days=90)
    aggregate: Literal["count", "max_per_seller", "points_per_seller"] = "count"


class PartnerViolationParams(Params):
    """Violations recorded against the partner itself (subject_kind `partner`)."""

    kinds: tuple[str, ...] = Field(min_length=1)
    severe: bool | None = None
    #: The window: the months ending with the period's last month (None: the period), so a
    #: quarterly program reads the half year at the half's second quarter with `months: 6`.
    months: int | None = Field(default=None, gt=0)


class PartnerFactPeakParams(Params):
    """The highest value of the partner's fact entered in the window (no fact: `default`)."""

    fact: str
    #: The months ending with the period's last month (None: the period).
    months: int | None = Field(default=None, gt=0)
    default: float | None = 0


class IsvParams(Params):
    on: Day = "last_day"


class ApiParams(Params):
    window: Window = Window()


class RatioParams(Params):
    """numerator / denominator of two other metrics of the program (0 when the denominator is 0)."""

    numerator: str
    denominator: str


class GrowthParams(Params):
    """(value this period − value previous period) / value previous period; 0 when both are 0."""

    of: str


@dataclass(frozen=True)
class LibraryMetric:
    name: str
    params: type[Params]
    unit: Unit
    doc: str
    #: Whether the metric is computed from other metrics of the program (ratio, growth).
    derived: bool = False
    #: Tables it reads beyond partners (an empty one is reported when a program runs).
    tables: tuple[str, ...] = ()


LIBRARY: dict[str, LibraryMetric] = {
    m.name: m
    for m in (
        LibraryMetric(
            "gmv",
            OrderParams,
            "money",
            "Paid amount of paid orders in the window that belong to the partner, refunds "
            "included; abnormal orders and abnormal creators excluded; in the program currency.",
            tables=("orders", "bindings"),
        ),
        LibraryMetric(
            "settled_gmv",
            OrderParams,
            "money",
            "Σ max(amount − refund_amount, 0) over the same orders as `gmv`.",
            tables=("orders", "bindings"),
        ),
        LibraryMetric(
            "settled_orders",
            OrderParams,
            "count",
            "Orders of the `gmv` set with refund_amount < amount.",
            tables=("orders", "bindings"),
        ),
        LibraryMetric(
            "bound_subjects",
            BoundParams,
            "count",
            "Subjects bound to the partner (on a day, or during the window) under the "
            "single-attribution rule: a subject bound to several partners of one service "
            "counts for the one with the earliest started_on, then the smallest partner_id.",
            tables=("bindings",),
        ),
        LibraryMetric(
            "creators_with_fact",
            FactCountParams,
            "count",
            "Creators bound on the period's last day whose fact in force on `on` is ≥ "
            "`at_least`; abnormal creators excluded.",
            tables=("bindings", "facts"),
        ),
        LibraryMetric(
            "creator_fact_mean",
            FactMeanParams,
            "score",
            "Mean of the fact in force on `on` over the creators bound on the last day that "
            "have one (null when none has).",
            tables=("bindings", "facts"),
        ),
        LibraryMetric(
            "partner_fact",
            PartnerFactParams,
            "score",
            "The partner's own fact in force on `on` (or `default`).",
            tables=("facts",),
        ),
        LibraryMetric(
            "creators_with_sales",
            CreatorSalesParams,
            "count",
            "Creators bound on the last day with ≥ 1 settled order in the period (channels).",
            tables=("bindings", "orders"),
        ),
        LibraryMetric(
            "live_days_per_creator",
            LiveDaysParams,
            "days",
            "Mean over creators bound on the last day of the distinct days of the period on "
            "which they started a livestream.",
            tables=("bindings", "livestreams"),
        ),
        LibraryMetric(
            "seller_rate",
            SellerRateParams,
            "ratio",
            "Mean over bound sellers of each seller's own rate in the window, skipping sellers "
            "with no orders in the rate's base (0 when none has any).",
            tables=("bindings", "orders"),
        ),
        LibraryMetric(
            "active_sellers",
            ContentParams,
            "count",
            "Content sellers whose creators started ≥ 1 livestream or posted ≥ 1 video in the "
            "window.",
            tables=("bindings", "creators"),
        ),
        LibraryMetric(
            "live_hours",
            ContentParams,
            "hours",
            "Σ duration in hours of the content sellers' creators' livestreams started in the "
            "window (longer than `live_longer_than_min` when given).",
            tables=("bindings", "creators", "livestreams"),
        ),
        LibraryMetric(
            "live_count",
            ContentParams,
            "count",
            "Livestreams started in the window by the content sellers' creators.",
            tables=("bindings", "creators", "livestreams"),
        ),
        LibraryMetric(
            "video_count",
            ContentParams,
            "count",
            "Videos (any status) posted in the window by the content sellers' creators.",
            tables=("bindings", "creators", "videos"),
        ),
        LibraryMetric(
            "gpm",
            GpmParams,
            "money",
            "GMV of orders from the content (livestreams or videos) in the window / Σ views × "
            "1000; 0 when there is none.",
            tables=("bindings", "creators", "orders"),
        ),
        LibraryMetric(
            "violations",
            ViolationParams,
            "count",
            "Violations of the kind occurred in the window and not revoked by the generation "
            "date: a count, the maximum count of any one seller, or points per seller.",
            tables=("bindings", "violations"),
        ),
        LibraryMetric(
            "partner_violations",
            PartnerViolationParams,
            "count",
            "Violations of the kinds recorded against the partner itself that occurred in "
            "the window and were not revoked by the generation date.",
            tables=("violations",),
        ),
        LibraryMetric(
            "partner_fact_peak",
            PartnerFactPeakParams,
            "ratio",
            "The highest value of the partner's fact with as_of in the window (an operator "
            "fact held at 0 the whole window reads 0).",
            tables=("facts",),
        ),
        LibraryMetric(
            "published_apps",
            IsvParams,
            "count",
            "The ISV's apps with status published and published_on ≤ the day.",
            tables=("apps",),
        ),
        LibraryMetric(
            "subscribed_sellers",
            IsvParams,
            "count",
            "Distinct sellers with an active subscription to any of the ISV's published apps "
            "on the day.",
            tables=("apps", "subscriptions"),
        ),
        LibraryMetric(
            "active_subscriptions",
            IsvParams,
            "count",
            "Active subscriptions to the ISV's published apps on the day.",
            tables=("apps", "subscriptions"),
        ),
        LibraryMetric(
            "api_calls_per_day",
            ApiParams,
            "per_day",
            "Σ API calls of the ISV's apps in the window / days in the window.",
            tables=("apps", "api_calls"),
        ),
        LibraryMetric("ratio", RatioParams, "ratio", RatioParams.__doc__ or "", derived=True),
        LibraryMetric("growth", GrowthParams, "ratio", GrowthParams.__doc__ or "", derived=True),
    )
}
