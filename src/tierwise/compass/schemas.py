"""Data Compass's consent workflow and access log in the REST API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tierwise.web.schemas import Strict

Status = Literal["pending", "approved", "declined", "expired", "revoked", "withdrawn"]


class AccessRequestIn(Strict):
    creator_id: str = Field(min_length=1, max_length=200)
    period_from: date
    period_to: date


class AccessRequestOut(BaseModel):
    """A request in the columns of compass.md §2, with its status now and when it
    expires unanswered (168 h after it was made)."""

    request_id: str
    partner_id: str
    creator_id: str
    requested_at: str
    period_from: str
    period_to: str
    responded_at: str | None
    response: Literal["approved", "declined"] | None
    revoked_at: str | None
    revoked_by: Literal["creator", "partner"] | None
    status: Status
    expires_at: str
    #: "workflow": asked through tierwise; "imported": a row of the platform's
    #: `authorizations` (listed, answered and revoked alike).
    source: Literal["workflow", "imported"]


class AccessLogEntryOut(BaseModel):
    """One read of a creator's numbers: who, which days, when, through what."""

    id: int
    at: str
    login: str
    role: str
    partner_id: str | None
    creator_id: str
    first_day: str
    last_day: str
    days: int
    ranges: list[list[str]]
    via: Literal["page", "api", "export", "cli"]
    what: str


# -- a partner's numbers (compass.md §3; programs.md §3) ------------------------------------


class Answer(BaseModel):
    """A document whose `from` (a Python keyword) is read and written by its name."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class CreatorMetricsOut(BaseModel):
    """compass.md §3's numbers of one creator over its visible days (USD)."""

    gmv: float
    refunds: float
    orders: int
    livestreams: int
    videos: int


class CreatorOut(BaseModel):
    """A bound creator: its public part always, its numbers only when a day is visible."""

    creator_id: str
    handle: str
    authorized: bool
    visible_days: int
    metrics: CreatorMetricsOut | None


class CreatorListOut(Answer):
    """`GET /api/v1/compass/creators`: exactly the shape of compass.md §3."""

    partner_id: str
    from_: str = Field(alias="from")
    to: str
    as_of: str
    creators: list[CreatorOut]


class PeriodOut(Answer):
    from_: str = Field(alias="from")
    to: str


class OverviewFiguresOut(BaseModel):
    """The overview of one period over authorized creators' visible days (money in USD;
    rates and averages None when there is nothing to divide by)."""

    bound_creators: int
    authorized_creators: int
    livestreaming_creators: int
    creators_with_sales: int
    active_rate: float | None
    sales_rate: float | None
    gmv: float
    live_gmv: float
    video_gmv: float
    avg_gmv_per_livestream: float | None
    refunds: float
    settlement_gmv: float
    orders: int
    items_sold: int
    new_followers: int
    livestreams: int
    live_duration_s: int
    live_orders: int
    live_items_sold: int
    live_avg_ctr: float | None
    videos: int
    video_orders: int
    video_items_sold: int
    video_avg_ctr: float | None


class OverviewOut(Answer):
    """`GET /api/v1/compass/overview`: the query range and the previous period of the
    same length, with each figure's relative change (None when it cannot be told)."""

    partner_id: str
    from_: str = Field(alias="from")
    to: str
    as_of: str
    previous: PeriodOut
    current: OverviewFiguresOut
    previous_figures: OverviewFiguresOut
    changes: dict[str, float | None]


class ChannelOut(BaseModel):
    content: int
    views: int
    exposure: int
    clicks: int
    orders: int
    items_sold: int
    gmv: float
    new_followers: int
    ctr: float | None
    click_to_order: float | None
    conversion: float | None
    rpm: float | None


class PerformanceOut(BaseModel):
    visible_days: int
    gmv: float
    refunds: float
    orders: int
    items_sold: int
    all: ChannelOut
    live: ChannelOut
    video: ChannelOut


class ProfileOut(BaseModel):
    """A group's split (dimension → bucket → users), only for more than 1,000 users."""

    users: int
    split: dict[str, dict[str, int]]


class CreatorAnalyticsOut(BaseModel):
    creator_id: str
    handle: str
    followers: int
    current: PerformanceOut
    previous: PerformanceOut | None
    gmv_change: float | None
    follower_profile: ProfileOut | None


class AnalyticsOut(Answer):
    """`GET /api/v1/compass/analytics`: the creators with a visible day in the range."""

    partner_id: str
    from_: str = Field(alias="from")
    to: str
    as_of: str
    previous: PeriodOut
    creators: list[CreatorAnalyticsOut]
