"""Markets, currencies, local offsets, order-value habits and exchange rates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tierwise.synth.clock import Calendar, day_number
from tierwise.synth.seeding import stream

#: Money is held as int64 units of 1e-4 (the contract's DECIMAL(18,4)).
MONEY_UNIT = 10_000
#: Ratios, scores and fact values are held as int64 units of 1e-6 (DECIMAL(18,6)).
NUM_UNIT = 1_000_000


@dataclass(frozen=True)
class Market:
    code: str
    currency: str
    #: UTC offset of the market's local time in minutes (no daylight saving in any of them).
    offset_min: int
    #: Median and log-spread of an ordinary order's value in local currency.
    order_median: float
    order_sigma: float
    #: Prices are quoted in multiples of this many local units.
    price_step: float
    #: US dollars per local unit at the start of the history, and monthly volatility.
    usd_per_unit: float
    fx_volatility: float


MARKETS: tuple[Market, ...] = (
    Market("TH", "THB", 420, 420.0, 0.95, 0.01, 0.0290, 0.012),
    Market("ID", "IDR", 420, 115_000.0, 0.95, 100.0, 0.0000625, 0.012),
    Market("CN", "CNY", 480, 95.0, 1.0, 0.01, 0.1390, 0.006),
)
MARKET_INDEX: dict[str, int] = {m.code: i for i, m in enumerate(MARKETS)}
TH, ID, CN = (MARKET_INDEX[c] for c in ("TH", "ID", "CN"))
OFFSET_S = np.array([m.offset_min * 60 for m in MARKETS], dtype=np.int64)


def market(code: str) -> Market:
    return MARKETS[MARKET_INDEX[code]]


@dataclass(frozen=True)
class FxRates:
    """Monthly exchange rates (USD per local unit), valid from the first of each month.

    Rates are rounded to the contract's six decimals before use, so the USD targets of the
    planted archetypes are computed with exactly the rates a scorer reads back.
    """

    valid_from: np.ndarray  # day numbers, one per history month
    usd_per_unit: np.ndarray  # shape (markets, months), already rounded to 1e-6
    calendar: Calendar

    def month_rate(self, market_index: int, month_index: int) -> float:
        """Rate in force during order month `month_index` (0 = oldest order month)."""
        offset = len(self.calendar.history_months) - len(self.calendar.months)
        return float(self.usd_per_unit[market_index, offset + month_index])

    def end_rate(self, market_index: int) -> float:
        return float(self.usd_per_unit[market_index, -1])


def make_fx(seed: int, calendar: Calendar) -> FxRates:
    """A gentle random walk per currency, deterministic per seed."""
    rng = stream(seed, "fx")
    months = calendar.history_months
    valid_from = np.array([day_number(m.start) for m in months], dtype=np.int32)
    rates = np.empty((len(MARKETS), len(months)))
    for i, m in enumerate(MARKETS):
        steps = rng.normal(0.0, m.fx_volatility, len(months))
        steps[0] = 0.0
        rates[i] = m.usd_per_unit * np.exp(np.cumsum(steps))
    rates = np.maximum(np.round(rates, 6), 1e-6)
    return FxRates(valid_from, rates, calendar)
