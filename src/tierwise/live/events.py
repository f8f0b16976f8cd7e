"""The live events the platform sends, one pydantic model per kind.

Every event has an `id` (the sender's; the same event sent again carries the same id, and
that is what makes delivery idempotent), a `kind`, and `at`: the instant the event
describes (a live's start, an order's payment, a stock count) or, for running figures (a
minute's aggregate, a product's counters), the instant they were counted — of two events
about the same thing the later `at` wins, so a late or repeated event never overwrites a
newer one. Timestamps carry a zone and are kept in UTC; amounts are decimals at the
contract's scale, so an event has one canonical text (`canonical_text`) whatever the
sender's spelling.

The models are the documentation: `docs/live-events.md` holds their JSON Schemas
(`schema_section`), and a test keeps the two equal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from tierwise.store.contract import CURRENCIES, ID_LENGTH


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _at_scale(places: int) -> AfterValidator:
    quantum = Decimal(1).scaleb(-places)
    return AfterValidator(lambda value: value.quantize(quantum))


def _currency(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code in circulation")
    return value


def _minute_start(value: datetime) -> datetime:
    if value.second or value.microsecond:
        raise ValueError("must be the start of a minute (seconds and fractions zero)")
    return value


Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=ID_LENGTH, pattern=r"^[^\x00-\x1f\x7f]+$"),
]
Instant = Annotated[AwareDatetime, AfterValidator(_utc)]
Count = Annotated[int, Field(ge=0)]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4), _at_scale(4)]
Points = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6), _at_scale(6)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"]), AfterValidator(_currency)]
Source = Literal["for_you", "following", "search", "shop", "live_square", "other"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id = Field(description="The sender's id of this event: the same event, the same id.")
    at: Instant = Field(description="When it happened (or, for running figures, was counted).")

    @property
    def subject(self) -> str:
        """What the event is about: the key it is folded and fetched by."""
        raise NotImplementedError


class LiveStarted(_Event):
    """A creator went live; `at` is the live's start."""

    kind: Literal["live.started"]
    live_id: Id
    creator_id: Id
    seller_id: Id | None = None

    @property
    def subject(self) -> str:
        return self.live_id


class LiveMinute(_Event):
    """One minute of a live, aggregated: `minute` is its start, `at` when it was counted
    (a recount of the same minute sent later replaces it; an older one changes nothing)."""

    kind: Literal["live.minute"]
    live_id: Id
    minute: Annotated[Instant, AfterValidator(_minute_start)]
    online_viewers: Count
    views: Count = Field(description="Entries into the live room in the minute.")
    product_clicks: Count
    orders: Count
    gmv: Money
    currency: Currency
    likes: Count
    comments: Count
    shares: Count
    new_followers: Count

    @property
    def subject(self) -> str:
        return self.live_id


class LiveProduct(_Event):
    """A product's counters during a live so far (cumulative): the latest `at` wins."""

    kind: Literal["live.product"]
    live_id: Id
    product_id: Id
    impressions: Count
    clicks: Count
    orders: Count
    items_sold: Count
    gmv: Money
    currency: Currency

    @property
    def subject(self) -> str:
        return self.live_id


class LiveEnded(_Event):
    """A live ended; `at` is its end, with the live's totals and its views by source."""

    kind: Literal["live.ended"]
    live_id: Id
    views: Count
    viewers: Count
    product_impressions: Count
    product_clicks: Count
    sources: dict[Source, Count] = Field(
        default_factory=dict, description="Views by traffic source."
    )

    @property
    def subject(self) -> str:
        return self.live_id


class OrderPaid(_Event):
    """An order was paid; `at` is the payment. Carries the order as the contract's
    `orders` row has it at that moment (refunds come as `order.refunded`)."""

    kind: Literal["order.paid"]
    order_id: Id
    seller_id: Id
    creator_id: Id | None = None
    product_id: Id
    channel: Literal["live", "video", "showcase", "shop_tab", "other"]
    content_id: Id | None = Field(default=None, description="The live_id or video_id.")
    buyer_id: Id | None = None
    created_at: Instant
    amount: Money
    currency: Currency
    quantity: Annotated[int, Field(ge=1)] | None = None
    late_dispatch: bool = False
    abnormal: bool = False
    good_goods: bool = False
    worry_free: bool = False

    @property
    def subject(self) -> str:
        return self.order_id

    @field_validator("created_at")
    @classmethod
    def _created_before_paid(cls, value: datetime, info: ValidationInfo) -> datetime:
        paid = info.data.get("at")
        if isinstance(paid, datetime) and value > paid:
            raise ValueError("is after the payment (at)")
        return value


class OrderRefunded(_Event):
    """An order's refund as it stands now (the total refunded, not the increment)."""

    kind: Literal["order.refunded"]
    order_id: Id
    refund_amount: Money
    currency: Currency

    @property
    def subject(self) -> str:
        return self.order_id


class StockChanged(_Event):
    """A product's stock at `at`."""

    kind: Literal["stock.changed"]
    product_id: Id
    stock: Count

    @property
    def subject(self) -> str:
        return self.product_id


class ViolationIssued(_Event):
    """A violation recorded against a seller, creator or partner; `at` is when it
    occurred."""

    kind: Literal["violation.issued"]
    violation_id: Id
    subject_kind: Literal["seller", "creator", "partner"]
    subject_id: Id
    violation_kind: Id = Field(description="ipr, content, data_leak, complaint, …")
    severe: bool
    points: Points

    @property
    def subject(self) -> str:
        return self.violation_id


LiveEvent = Annotated[
    LiveStarted
    | LiveMinute
    | LiveProduct
    | LiveEnded
    | OrderPaid
    | OrderRefunded
    | StockChanged
    | ViolationIssued,
    Field(discriminator="kind"),
]
MODELS: tuple[type[_Event], ...] = (
    LiveStarted,
    LiveMinute,
    LiveProduct,
    LiveEnded,
    OrderPaid,
    OrderRefunded,
    StockChanged,
    ViolationIssued,
)
KINDS: tuple[str, ...] = tuple(
    str(model.model_fields["kind"].annotation.__args__[0])  # type: ignore[union-attr]
    for model in MODELS
)
#: The most events one request may carry.
MAX_BATCH = 1000

_ONE: TypeAdapter[LiveEvent] = TypeAdapter(LiveEvent)
Batch = Annotated[list[LiveEvent], Field(min_length=1, max_length=MAX_BATCH)]
_MANY: TypeAdapter[list[LiveEvent]] = TypeAdapter(Batch)
_ANY: TypeAdapter[list[LiveEvent]] = TypeAdapter(list[LiveEvent])


class Malformed(ValueError):
    """A request body that is not an event or a batch of them: every problem, by field
    (`body.3.gmv`, `body.kind`)."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{where}: {what}" for where, what in self.errors))


def _field(loc: Sequence[int | str], error_type: str) -> str:
    parts = ["body", *(str(p) for p in loc if p not in KINDS)]
    if error_type in ("union_tag_invalid", "union_tag_not_found"):
        parts.append("kind")
    return ".".join(parts)


def parse_events(body: bytes) -> list[LiveEvent]:
    """The events of a request body: one event (a JSON object) or a batch (an array)."""
    batch = body.lstrip()[:1] == b"["
    try:
        return _MANY.validate_json(body) if batch else [_ONE.validate_json(body)]
    except ValidationError as exc:
        raise Malformed(
            [(_field(e["loc"], e["type"]), e["msg"]) for e in exc.errors(include_url=False)]
        ) from None


def events_from_json(text: str | bytes) -> list[LiveEvent]:
    """Any number of events from a JSON array (a sender's own list: no batch limit)."""
    return _ANY.validate_json(text)


def canonical_text(event: LiveEvent) -> str:
    """The event as stored: the same text for the same event, however it was spelt."""
    return event.model_dump_json()


def event_from_text(text: str) -> LiveEvent:
    """An event read back from its canonical text."""
    return _ONE.validate_json(text)


def event_document(event: LiveEvent) -> dict[str, Any]:
    """The event as JSON data (what a sender posts)."""
    doc: dict[str, Any] = json.loads(event.model_dump_json())
    return doc


def batch_schema() -> dict[str, Any]:
    """The JSON Schema of a request body (one event or an array of them), self-contained:
    every `$ref` resolved in place (for the OpenAPI document)."""
    schema = TypeAdapter(LiveEvent | Batch).json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {
                key: {"propertyName": "kind"} if key == "discriminator" else inline(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    inlined: dict[str, Any] = inline(schema)
    return inlined
