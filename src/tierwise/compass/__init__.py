"""Data Compass's rules, pure: who may see which days of a creator's data, the consent
request statuses, the query ranges and the profile rule (docs/compass.md). No I/O: the
data layer builds a `Pair` from `bindings`, `creators`, `partners` and `authorizations`
rows and asks; the answer is day ranges that SQL-building code filters by.

    pair = Pair(partner_id, creator_id, market, creator_region, windows, authorizations)
    visible_days(pair, as_of) -> VisibleDays          # .ranges, .within(a, b).count
    live_today(pair, day) -> bool                     # live numbers of `day` may be shown
    may_request(pair, at) -> RequestCheck             # .allowed, .reasons, .enforce()
    Authorization(**row).status_at(at) -> RequestStatus
    QueryRange.last_7_days(as_of) / .month(day, as_of) / .custom(a, b, as_of) / …
    QueryRange.previous_period() -> DayRange
    profile_shown(users) / profile_split(buckets)

Errors: `CompassError` (TierwiseError, ValueError) with `RangeRefused`, `RequestRefused`,
`ConsentRefused` (⊃ `RequestExpired`) and `RequestNotFound`.
"""

from tierwise.compass.authorizations import (
    EXPIRY,
    REQUEST_STATUSES,
    Approval,
    Authorization,
    RequestStatus,
    Response,
    RevokedBy,
)
from tierwise.compass.days import DayRange, VisibleDays, earliest_visible_day, months_before
from tierwise.compass.errors import (
    CompassError,
    ConsentRefused,
    RangeRefused,
    RequestExpired,
    RequestNotFound,
    RequestRefused,
)
from tierwise.compass.markets import MARKET_ZONES, local_day, market_zone
from tierwise.compass.profiles import PROFILE_MIN_USERS, profile_shown, profile_split
from tierwise.compass.ranges import MAX_QUERY_DAYS, PRESETS, Preset, QueryRange
from tierwise.compass.visibility import (
    DEFAULT_EXCLUDED_REGIONS,
    BindingWindow,
    Pair,
    RequestCheck,
    live_today,
    may_request,
    visible_days,
)

__all__ = [
    "DEFAULT_EXCLUDED_REGIONS",
    "EXPIRY",
    "MARKET_ZONES",
    "MAX_QUERY_DAYS",
    "PRESETS",
    "PROFILE_MIN_USERS",
    "REQUEST_STATUSES",
    "Approval",
    "Authorization",
    "BindingWindow",
    "CompassError",
    "ConsentRefused",
    "DayRange",
    "Pair",
    "Preset",
    "QueryRange",
    "RangeRefused",
    "RequestCheck",
    "RequestExpired",
    "RequestNotFound",
    "RequestRefused",
    "RequestStatus",
    "Response",
    "RevokedBy",
    "VisibleDays",
    "earliest_visible_day",
    "live_today",
    "local_day",
    "market_zone",
    "may_request",
    "months_before",
    "profile_shown",
    "profile_split",
    "visible_days",
]
