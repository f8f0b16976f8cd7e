"""Property-based tests: the range-based rules against a small day-by-day reference model
of compass.md §1, written here from the raw row values (no helper of the package), over
random contract windows, requests, answers, revocations, as-of days and markets. Instants
are drawn as local times with a bias to the seconds around local midnight and answers with
a bias to the 168-hour boundary, where the rules are easiest to get wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.compass import (
    Authorization,
    BindingWindow,
    CompassError,
    DayRange,
    Pair,
    QueryRange,
    RangeRefused,
    VisibleDays,
    live_today,
    may_request,
    visible_days,
)

ZONES = {
    "TH": "Asia/Bangkok",
    "ID": "Asia/Jakarta",
    "VN": "Asia/Ho_Chi_Minh",
    "MY": "Asia/Kuala_Lumpur",
    "SG": "Asia/Singapore",
    "PH": "Asia/Manila",
    "CN": "Asia/Shanghai",
}
BASE = date(2024, 1, 1)
SPAN = 150  # days drawn from BASE on
WEEK = timedelta(hours=168)
P, C = "p1", "c1"


# -- the reference model ------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    requested_at: datetime
    period: tuple[date, date]
    responded_at: datetime | None
    response: str | None
    revoked_at: datetime | None
    revoked_by: str | None


@dataclass(frozen=True)
class World:
    market: str
    region: str
    excluded: frozenset[str]
    windows: tuple[tuple[date, date | None], ...]
    rows: tuple[Row, ...]
    as_of: date

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(ZONES[self.market])


def six_months_back(d: date) -> date:
    """Same day six months earlier; step back a day at a time until the date exists."""
    year, month = d.year, d.month - 6
    if month < 1:
        year, month = year - 1, month + 12
    day = d.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def in_window(world: World, x: date) -> bool:
    return any(start <= x and (end is None or x < end) for start, end in world.windows)


def approval_days(world: World, row: Row) -> tuple[date, date | None] | None:
    """(A, R) of an approval answered within 168 h, in the market's local days."""
    if row.response != "approved" or row.responded_at is None:
        return None
    if row.responded_at - row.requested_at >= WEEK:
        return None
    a = row.responded_at.astimezone(world.zone).date()
    r = None if row.revoked_at is None else row.revoked_at.astimezone(world.zone).date()
    return a, r


def reference_visible(world: World) -> set[date]:
    """Every day X, one at a time, against the five rules of compass.md §1."""
    d = world.as_of
    seen: set[date] = set()
    x = BASE - timedelta(days=200)
    while x <= BASE + timedelta(days=SPAN + 200):
        for row in world.rows:
            ar = approval_days(world, row)
            if ar is None:
                continue
            a, r = ar
            in_force = a <= d and not (r is not None and r < d)
            if (
                in_force
                and row.period[0] <= x <= row.period[1]
                and in_window(world, x)
                and x <= d - timedelta(days=1)
                and x >= six_months_back(d)
                and world.region not in world.excluded
            ):
                seen.add(x)
        x += timedelta(days=1)
    return seen


def reference_live(world: World, d: date) -> bool:
    if world.region in world.excluded or not in_window(world, d):
        return False
    for row in world.rows:
        ar = approval_days(world, row)
        if ar is not None and ar[0] < d and not (ar[1] is not None and ar[1] < d):
            return True
    return False


def reference_status(row: Row, at: datetime) -> str:
    in_time = row.responded_at is not None and row.responded_at - row.requested_at < WEEK
    if in_time and row.responded_at is not None and row.responded_at <= at:
        if row.response == "declined":
            return "declined"
        if row.revoked_at is not None and row.revoked_at <= at:
            return "withdrawn" if row.revoked_by == "partner" else "revoked"
        return "approved"
    if at - row.requested_at >= WEEK:
        return "expired"
    return "pending"


# -- worlds -------------------------------------------------------------------------------


@st.composite
def worlds(draw: st.DrawFn) -> World:
    market = draw(st.sampled_from(sorted(ZONES)))
    zone = ZoneInfo(ZONES[market])

    def day() -> date:
        return BASE + timedelta(days=draw(st.integers(0, SPAN)))

    def instant() -> datetime:
        seconds = draw(st.one_of(st.integers(0, 86_399), st.sampled_from([0, 1, 86_398, 86_399])))
        local = datetime.combine(day(), time(), tzinfo=zone) + timedelta(seconds=seconds)
        return local.astimezone(UTC)

    # dense enough that most worlds show something: mostly approvals answered in a few
    # days, windows of months or open, periods of weeks to months
    windows = []
    for _ in range(draw(st.integers(1, 3))):
        start = day() - timedelta(days=draw(st.integers(0, 120)))
        length = draw(st.one_of(st.none(), st.integers(0, 240)))
        windows.append((start, None if length is None else start + timedelta(days=length)))

    rows = []
    for _ in range(draw(st.integers(1, 4))):
        requested = instant()
        first = day() - timedelta(days=draw(st.integers(0, 120)))
        period = (first, first + timedelta(days=draw(st.integers(0, 200))))
        response = draw(st.sampled_from([None, "approved", "approved", "approved", "declined"]))
        responded = revoked = revoked_by = None
        if response is not None:
            delay = draw(
                st.one_of(
                    st.integers(0, 3 * 86_400),
                    st.sampled_from([168 * 3600 - 1, 168 * 3600, 168 * 3600 + 1]),
                    st.integers(0, 10 * 86_400),
                )
            )
            responded = requested + timedelta(seconds=delay)
        if response == "approved" and responded is not None and draw(st.booleans()):
            revoked = max(responded, instant())
            revoked_by = draw(st.sampled_from([None, "creator", "partner"]))
        rows.append(Row(requested, period, responded, response, revoked, revoked_by))

    # as-of days where the rules turn: the local (and UTC) days of answers and revocations
    # and the day after, the ends of the windows
    turning: list[date] = []
    for row in rows:
        for t in (row.responded_at, row.revoked_at):
            if t is not None:
                for d in (t.astimezone(zone).date(), t.astimezone(UTC).date()):
                    turning += [d, d + timedelta(days=1)]
    for start, end in windows:
        turning += [start, start + timedelta(days=1)] + ([end] if end else [])
    as_of = draw(
        st.one_of(
            st.sampled_from(turning),
            st.integers(-10, SPAN + 200).map(lambda n: BASE + timedelta(days=n)),
        )
        if turning
        else st.integers(-10, SPAN + 200).map(lambda n: BASE + timedelta(days=n))
    )
    return World(
        market=market,
        region=draw(st.sampled_from(["TH", "US", "VN"])),
        excluded=draw(st.sampled_from([frozenset({"US"}), frozenset(), frozenset({"VN", "US"})])),
        windows=tuple(windows),
        rows=tuple(rows),
        as_of=as_of,
    )


def to_pair(world: World) -> Pair:
    rows = [
        Authorization(
            request_id=f"r{i}",
            partner_id=P,
            creator_id=C,
            requested_at=row.requested_at,
            period_from=row.period[0],
            period_to=row.period[1],
            responded_at=row.responded_at,
            response=row.response,  # type: ignore[arg-type]
            revoked_at=row.revoked_at,
            revoked_by=row.revoked_by,  # type: ignore[arg-type]
        )
        for i, row in enumerate(world.rows)
    ]
    windows = [BindingWindow(start, end) for start, end in world.windows]
    return Pair(P, C, world.market, world.region, tuple(windows), tuple(rows), world.excluded)


# -- the properties -----------------------------------------------------------------------


@settings(max_examples=250, deadline=None)
@given(worlds())
def test_visible_days_match_the_day_by_day_model(world: World) -> None:
    got = visible_days(to_pair(world), world.as_of)
    expected = reference_visible(world)
    assert set(got) == expected
    assert got.count == len(expected)
    # the canonical form: sorted, disjoint, not adjacent (VisibleDays refuses otherwise)
    assert VisibleDays(got.ranges) == got == VisibleDays.of(DayRange(x, x) for x in expected)


@settings(max_examples=150, deadline=None)
@given(worlds(), st.integers(0, SPAN), st.integers(0, 40))
def test_a_query_counts_the_visible_days_inside_it(world: World, start: int, length: int) -> None:
    first = BASE + timedelta(days=start)
    last = first + timedelta(days=length)
    got = visible_days(to_pair(world), world.as_of).within(first, last)
    assert set(got) == {x for x in reference_visible(world) if first <= x <= last}


@settings(max_examples=250, deadline=None)
@given(worlds(), st.integers(-5, 5))
def test_live_today_matches_the_model(world: World, shift: int) -> None:
    d = world.as_of + timedelta(days=shift)
    assert live_today(to_pair(world), d) == reference_live(world, d)


@settings(max_examples=200, deadline=None)
@given(worlds(), st.integers(0, 12 * 86_400))
def test_statuses_and_may_request_match_the_model(world: World, after: int) -> None:
    pair = to_pair(world)
    for row, auth in zip(world.rows, pair.authorizations, strict=True):
        at = row.requested_at + timedelta(seconds=after)
        assert auth.status_at(at) == reference_status(row, at)
    if not world.rows:
        return
    at = world.rows[0].requested_at + timedelta(seconds=after)
    pending = any(r.requested_at <= at and reference_status(r, at) == "pending" for r in world.rows)
    bound = in_window(world, at.astimezone(world.zone).date())
    expected = bound and not pending and world.region not in world.excluded
    assert may_request(pair, at).allowed == expected


day_ranges = st.tuples(st.integers(0, 60), st.integers(0, 10)).map(
    lambda t: DayRange(BASE + timedelta(days=t[0]), BASE + timedelta(days=t[0] + t[1]))
)


def day_set(ranges: list[DayRange]) -> set[date]:
    return {r.first + timedelta(days=n) for r in ranges for n in range(r.days)}


@settings(max_examples=200, deadline=None)
@given(st.lists(day_ranges, max_size=6), st.lists(day_ranges, max_size=6))
def test_union_and_intersection_are_those_of_sets(a: list[DayRange], b: list[DayRange]) -> None:
    va, vb = VisibleDays.of(a), VisibleDays.of(b)
    assert set(va) == day_set(a)
    assert set(va.union(vb)) == day_set(a) | day_set(b)
    assert set(va.intersection(vb)) == day_set(a) & day_set(b)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 800), st.integers(-400, 400), st.integers(-5, 40))
def test_custom_ranges_are_refused_exactly_when_the_rules_say(
    as_of_n: int, start: int, length: int
) -> None:
    as_of = BASE + timedelta(days=as_of_n)
    first = as_of + timedelta(days=start)
    last = first + timedelta(days=length)
    allowed = last >= first and length + 1 <= 30 and first >= six_months_back(as_of)
    try:
        q = QueryRange.custom(first, last, as_of)
    except RangeRefused:
        assert not allowed
    else:
        assert allowed
        prev = q.previous_period()
        assert prev.days == q.days and prev.last == first - timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 800), st.integers(-400, 60))
def test_a_month_is_refused_only_before_six_months(as_of_n: int, start: int) -> None:
    as_of = BASE + timedelta(days=as_of_n)
    day = as_of + timedelta(days=start)
    first = day.replace(day=1)
    try:
        q = QueryRange.month(day, as_of)
    except RangeRefused:
        assert first < six_months_back(as_of)
    else:
        assert q.first == first and q.last.month == first.month and 28 <= q.days <= 31
        assert (q.last + timedelta(days=1)).day == 1


def test_the_model_agrees_on_the_seed() -> None:
    # a sanity check of the model itself on the seed's windows
    world = World(
        "TH",
        "TH",
        frozenset({"US"}),
        ((date(2020, 5, 1), date(2020, 7, 1)), (date(2021, 7, 1), None)),
        (),
        date(2020, 8, 1),
    )
    assert in_window(world, date(2020, 6, 30)) and not in_window(world, date(2020, 7, 1))
    assert reference_visible(world) == set()
    try:
        QueryRange.custom(date(2024, 1, 2), date(2024, 1, 1), BASE)
    except CompassError as refused:
        assert "before it starts" in str(refused)
