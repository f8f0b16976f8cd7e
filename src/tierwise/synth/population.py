"""The population of the synthetic platform, held as growing columnar books.

Partners, sellers, creators, order streams, bindings, violations and facts are added
segment by segment (planted archetypes first, then the background) and frozen into numpy
columns. Rows refer to each other by index; identifiers are formatted only when tables
are written (`S0000042` is seller index 41), so nothing here builds strings per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tierwise.store.contract import FACT_NAMES
from tierwise.synth.clock import ORDER_MONTHS, Calendar
from tierwise.synth.markets import FxRates

SUBJECT_KINDS = ("seller", "creator", "partner")
SELLER, CREATOR, PARTNER = 0, 1, 2
SERVICES = ("fulfillment", "content", "mcn")
FULFILLMENT, CONTENT, MCN = 0, 1, 2
ACCOUNT_TYPES = ("official", "marketing", "affiliate")
OFFICIAL, MARKETING, AFFILIATE = 0, 1, 2
CHANNELS = ("live", "video", "showcase", "shop_tab", "other")
LIVE, VIDEO, SHOWCASE, SHOP_TAB, OTHER = range(5)
VIOLATION_KINDS = ("ipr", "content", "data_leak", "complaint")
IPR, CONTENT_VIOLATION, DATA_LEAK, COMPLAINT = range(4)
FACT = {name: i for i, name in enumerate(FACT_NAMES)}
#: Order-volume profiles over the order months: background seasonality, planted ramp-up.
BACKGROUND, RAMP = 0, 1


class Book:
    """Named columns that grow by segments and freeze into numpy arrays.

    A column declared with `width` holds one value per order month (shape rows × months).
    """

    def __init__(self, **spec: str | tuple[str, int]) -> None:
        self._dtypes: dict[str, np.dtype[np.generic]] = {}
        self._widths: dict[str, int] = {}
        for name, s in spec.items():
            dtype, width = (s, 0) if isinstance(s, str) else s
            self._dtypes[name] = np.dtype(dtype)
            self._widths[name] = width
        self._parts: dict[str, list[np.ndarray]] = {name: [] for name in spec}
        self._frozen: dict[str, np.ndarray] | None = None
        self.size = 0

    def add(self, n: int, **values: object) -> np.ndarray:
        """Append `n` rows; scalars broadcast, missing columns get their default (0 / -1).

        Returns the indices of the new rows.
        """
        if self._frozen is not None:
            raise RuntimeError("book is frozen")
        unknown = set(values) - set(self._dtypes)
        if unknown:
            raise KeyError(f"unknown columns {sorted(unknown)}")
        for name, dtype in self._dtypes.items():
            width = self._widths[name]
            shape: tuple[int, ...] = (n, width) if width else (n,)
            if name in values:
                column = np.broadcast_to(np.asarray(values[name], dtype=dtype), shape).copy()
            else:
                column = np.full(shape, -1 if dtype.kind == "i" else 0, dtype=dtype)
            self._parts[name].append(column)
        start = self.size
        self.size += n
        return np.arange(start, self.size)

    def freeze(self) -> None:
        if self._frozen is None:
            self._frozen = {}
            for name, parts in self._parts.items():
                width = self._widths[name]
                empty_shape: tuple[int, ...] = (0, width) if width else (0,)
                self._frozen[name] = (
                    np.concatenate(parts) if parts else np.empty(empty_shape, self._dtypes[name])
                )
            self._parts = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if self._frozen is None:
            self.freeze()
        assert self._frozen is not None
        return self._frozen[name]

    def set(self, name: str, index: np.ndarray, values: object) -> None:
        """Overwrite values of rows once every row is in (freezes the book)."""
        self[name][index] = values


@dataclass
class Partners:
    """Partners are few; plain lists keep them readable."""

    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    markets: list[str] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)
    #: What the partner was planted to reach, e.g. "tts-th-tsp-shop: Premier".
    targets: list[str] = field(default_factory=list)

    def add(self, pid: str, name: str, kind: str, market: str, joined: int, target: str) -> int:
        self.ids.append(pid)
        self.names.append(name)
        self.kinds.append(kind)
        self.markets.append(market)
        self.joined.append(joined)
        self.targets.append(target)
        return len(self.ids) - 1

    def count(self, kind: str, market: str) -> int:
        return sum(
            1 for k, m in zip(self.kinds, self.markets, strict=True) if (k, m) == (kind, market)
        )

    def next_id(self, kind: str, market: str) -> str:
        return f"{kind}-{market.lower()}-{self.count(kind, market) + 1:04d}"


@dataclass
class Mixes:
    """Channel mixes (probabilities of live, video, showcase, shop_tab, other), deduplicated."""

    rows: list[tuple[float, ...]] = field(default_factory=list)
    _index: dict[tuple[float, ...], int] = field(default_factory=dict)

    def add(
        self,
        live: float = 0,
        video: float = 0,
        showcase: float = 0,
        shop_tab: float = 0,
        other: float = 0,
    ) -> int:
        raw = (live, video, showcase, shop_tab, other)
        total = sum(raw)
        key = tuple(round(v / total, 6) for v in raw)
        if key not in self._index:
            self._index[key] = len(self.rows)
            self.rows.append(key)
        return self._index[key]

    def cumulative(self) -> np.ndarray:
        table = np.cumsum(np.array(self.rows), axis=1)
        table[:, -1] = 1.0
        return table


def seller_book() -> Book:
    return Book(
        market="i1",
        p_cancel="f4",  # seller-fault cancellation of an order
        p_late="f4",  # late dispatch of a paid order
        p_return="f4",  # seller-fault return of a paid order
        p_negative="f4",  # review rating <= 2 of a paid order
        products="i4",  # number of products listed
        planted="?",
    )


def creator_book() -> Book:
    return Book(
        region="i1",
        followers="i8",
        seller="i4",  # -1: not a seller's own account
        account="i1",  # ACCOUNT_TYPES code, -1 null
        live_days=("i2", ORDER_MONTHS),  # distinct days with a livestream, per month
        dur_lo="i2",  # duration range of an ordinary (short) livestream, minutes
        dur_hi="i2",
        long_share="f4",  # share of livestreams lasting 150-330 minutes
        hour_lo="i1",  # local start-hour range of livestreams
        hour_hi="i1",
        live_views="f4",  # median views of a livestream
        videos=("i2", ORDER_MONTHS),  # videos posted per month
        video_views="f4",
        douyin="?",  # has Douyin level and reputation facts
        creator_level="i1",  # 带货力 in the end month
        author_level="i1",  # 百应 author level published on the 2nd after the end month
        reputation="f4",  # 口碑分 in the end month
        abnormal_day="i4",  # day the creator was risk-flagged, -1 never
        first_month="i1",  # first order month with activity
        planted="?",
    )


def stream_book() -> Book:
    return Book(
        seller="i4",
        creator="i4",  # -1: the seller's own shop (shop tab, other)
        rate="f8",  # expected orders per month at full volume
        profile="i1",  # BACKGROUND or RAMP
        mix="i2",
        amount_median="f8",  # local currency
        amount_sigma="f4",
        good_goods="f4",
        worry_free="f4",
        first_month="i1",
    )


def binding_book() -> Book:
    return Book(partner="i4", kind="i1", subject="i4", service="i1", started="i4", ended="i4")


def violation_book() -> Book:
    return Book(
        kind="i1",  # SUBJECT_KINDS code
        subject="i4",
        violation="i1",  # VIOLATION_KINDS code
        severe="?",
        points="i8",  # 1e-6 units
        occurred="i8",  # epoch seconds
        revoked="i8",  # epoch seconds, -1 not revoked
    )


def fact_book() -> Book:
    return Book(kind="i1", subject="i4", name="i1", as_of="i4", value="i8")


@dataclass
class Population:
    """Everything the tables are written from."""

    seed: int
    calendar: Calendar
    fx: FxRates
    partners: Partners = field(default_factory=Partners)
    sellers: Book = field(default_factory=seller_book)
    creators: Book = field(default_factory=creator_book)
    streams: Book = field(default_factory=stream_book)
    bindings: Book = field(default_factory=binding_book)
    violations: Book = field(default_factory=violation_book)
    facts: Book = field(default_factory=fact_book)
    mixes: Mixes = field(default_factory=Mixes)

    def freeze(self) -> None:
        for book in (
            self.sellers,
            self.creators,
            self.streams,
            self.bindings,
            self.violations,
            self.facts,
        ):
            book.freeze()
