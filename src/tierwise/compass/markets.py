"""Markets and their local days: every day of Data Compass is a local day in the partner's
market time zone, while every timestamp is a UTC instant."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tierwise.compass.errors import CompassError

#: The partner's market → the IANA zone its days are counted in (compass.md §1).
MARKET_ZONES: Mapping[str, str] = {
    "TH": "Asia/Bangkok",
    "ID": "Asia/Jakarta",
    "VN": "Asia/Ho_Chi_Minh",
    "MY": "Asia/Kuala_Lumpur",
    "SG": "Asia/Singapore",
    "PH": "Asia/Manila",
    "CN": "Asia/Shanghai",
}


def market_zone(market: str) -> ZoneInfo:
    """The time zone of a market; an unknown market is refused rather than guessed, since a
    wrong zone would move approvals and revocations across midnight."""
    name = MARKET_ZONES.get(market)
    if name is None:
        known = ", ".join(sorted(MARKET_ZONES))
        raise CompassError(f"unknown market {market!r}: Data Compass knows {known}")
    return ZoneInfo(name)


def as_utc(instant: datetime) -> datetime:
    """The instant in UTC. A naive datetime is read as UTC, as the data contract reads a
    timestamp without an offset; arithmetic on the result is then true elapsed time."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    """The local calendar day on which an instant falls in `zone`."""
    return as_utc(instant).astimezone(zone).date()


__all__ = ["MARKET_ZONES", "as_utc", "local_day", "market_zone"]
