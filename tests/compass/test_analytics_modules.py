"""The data overview and creator analytics (programs.md §3) on a hand-built world, each
number worked out in the comment beside it; the consent workflow's rows counting like
imported ones; profiles only for groups over 1,000 users.

The partner is in TH (Bangkok, UTC+7); THB is worth 0.0285 USD. The query is
2024-03-11..2024-03-20 as of 2024-03-31, so the previous period is 03-01..03-10."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tierwise.compass import Authorization, CompassError, QueryRange
from tierwise.compass.analytics import creator_analytics, creator_list, overview, profile_of
from tierwise.testing.world import World

BK = ZoneInfo("Asia/Bangkok")
P = "tsp-th-1"
QUERY = QueryRange.custom(date(2024, 3, 11), date(2024, 3, 20), date(2024, 3, 31))


def bk(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=BK)


def approval(creator_id: str, first: int, last: int, request_id: str) -> dict[str, Any]:
    return dict(
        request_id=request_id,
        partner_id=P,
        creator_id=creator_id,
        requested_at=datetime(2024, 2, 1, tzinfo=UTC),
        period_from=date(2024, 3, first),
        period_to=date(2024, 3, last),
        responded_at=datetime(2024, 2, 2, tzinfo=UTC),
        response="approved",
        revoked_at=None,
        revoked_by=None,
    )


def live(
    w: World, creator_id: str, day: int, *, views: int, impressions: int, clicks: int, hours: int
) -> str:
    live_id = w.live(creator_id, bk(day), bk(day, 12 + hours), views=views)
    w.con.execute(
        "UPDATE livestreams SET product_impressions = ?, product_clicks = ? WHERE live_id = ?",
        [impressions, clicks, live_id],
    )
    return live_id


def video(
    w: World, creator_id: str, day: int, *, views: int, impressions: int, clicks: int, nf: int
) -> None:
    vid = w.video(creator_id, bk(day), views=views)
    w.con.execute(
        "UPDATE videos SET product_impressions = ?, product_clicks = ?, new_followers = ? "
        "WHERE video_id = ?",
        [impressions, clicks, nf, vid],
    )


@pytest.fixture
def world() -> World:
    """a: authorized for all of March; b: for 03-15..03-31 only; c: never asked; us: US."""
    w = World()
    w.partner(P, kind="tsp", market="TH")
    w.fx("THB", "0.0285")
    for cid, region, followers in (("a", "TH", 5000), ("b", "TH", 800), ("c", "TH", 10),
                                   ("us", "US", 9)):  # fmt: skip
        w.creator(cid, region=region, followers=followers)
        w.bind(P, cid, "content", date(2020, 1, 1), None, "creator")
    w.add("authorizations", **approval("a", 1, 31, "R1"))
    w.add("authorizations", **approval("b", 15, 31, "R2"))
    w.add("authorizations", **approval("us", 1, 31, "R3"))

    # a, this period: a live on 03-12 (2 h, 1,000 views, 400 impressions, 40 clicks, new
    # followers 7 + 3 from its minutes) with 2 live orders 1000 THB (refund 200) and
    # 2000 THB × 3 items; a video on 03-13 (500 views, 100 impressions, 10 clicks, 5 new
    # followers) with one video order 400 THB; a showcase order 600 THB.
    lid = live(w, "a", 12, views=1000, impressions=400, clicks=40, hours=2)
    for minute, nf in ((0, 7), (1, 3)):
        w.add("live_minutes", live_id=lid, minute=bk(12).replace(minute=minute),
              online_viewers=1, views=1, product_clicks=0, orders=0, gmv=Decimal(0),
              currency="THB", likes=0, comments=0, shares=0, new_followers=nf)  # fmt: skip
    w.order(bk(12), "1000", creator_id="a", currency="THB", refund="200", channel="live")
    w.order(bk(12), "2000", creator_id="a", currency="THB", channel="live", quantity=3)
    video(w, "a", 13, views=500, impressions=100, clicks=10, nf=5)
    w.order(bk(13), "400", creator_id="a", currency="THB", channel="video")
    w.order(bk(14), "600", creator_id="a", currency="THB", channel="showcase")
    # a, previous period: one showcase order 1000 THB on 03-05
    w.order(bk(5), "1000", creator_id="a", currency="THB", channel="showcase")
    # b: a live on 03-14 (not visible: b's period starts 03-15), one on 03-16 with 0 views
    # and one video order 2000 THB on 03-16
    live(w, "b", 14, views=300, impressions=30, clicks=3, hours=1)
    live(w, "b", 16, views=0, impressions=0, clicks=0, hours=1)
    w.order(bk(14), "9000", creator_id="b", currency="THB", channel="live")
    w.order(bk(16), "2000", creator_id="b", currency="THB", channel="video")
    # c and us: activity that must never show
    live(w, "c", 12, views=99, impressions=99, clicks=99, hours=5)
    w.order(bk(12), "99999", creator_id="c", currency="THB", channel="live")
    w.order(bk(12), "99999", creator_id="us", currency="THB", channel="live")
    return w


def test_overview_totals_over_visible_days_with_the_previous_period(world: World) -> None:
    ov = overview(world.con, P, QUERY)
    now, before = ov.current, ov.previous
    assert (ov.previous_period.first, ov.previous_period.last) == (date(2024, 3, 1),
                                                                    date(2024, 3, 10))  # fmt: skip
    # bound in both periods: a, b, c, us (public part); authorized now: a and b (b from
    # 03-15), before: a only (us is excluded, c never asked)
    assert (now.bound_creators, now.authorized_creators) == (4, 2)
    assert (before.bound_creators, before.authorized_creators) == (4, 1)
    # livestreamed on a visible day: a (03-12) and b (03-16, 0 views) → 2 of 2
    # with sales: a and b → 2 of 2
    assert (now.livestreaming_creators, now.creators_with_sales) == (2, 2)
    assert (now.active_rate, now.sales_rate) == (1.0, 1.0)
    # GMV: a 1000 + 2000 + 400 + 600 = 4000 THB, b 2000 THB → 6000 THB = 171.00 USD
    # live: 3000 THB = 85.50; video: 400 + 2000 = 2400 THB = 68.40; refunds 200 THB = 5.70
    assert now.gmv == Decimal("171.0000")
    assert (now.live_gmv, now.video_gmv) == (Decimal("85.5000"), Decimal("68.4000"))
    assert now.refunds == Decimal("5.7000")
    assert now.settlement_gmv == Decimal("165.3000")
    # orders 5 (a 4, b 1); items: 1 + 3 + 1 + 1 + 1 = 7; live orders 2 with 4 items
    assert (now.orders, now.items_sold, now.live_orders, now.live_items_sold) == (5, 7, 2, 4)
    assert (now.video_orders, now.video_items_sold) == (2, 2)
    # livestreams: a's and b's of 03-16 → 2; duration 2 h + 1 h = 10,800 s
    # avg GMV per livestream: 85.50 / 2 = 42.75
    assert (now.livestreams, now.live_duration_s) == (2, 10800)
    assert now.avg_gmv_per_livestream == Decimal("42.7500")
    # average CTR over livestreams with views: a's 40 / 1000 = 0.04 (b's 0-view live has none)
    assert now.live_avg_ctr == pytest.approx(0.04)
    # videos: a's one, CTR 10 / 500 = 0.02; new followers 7 + 3 (live minutes) + 5 = 15
    assert (now.videos, now.new_followers) == (1, 15)
    assert now.video_avg_ctr == pytest.approx(0.02)
    # previous period: a's 1000 THB = 28.50 on 03-05, nothing else
    assert (before.gmv, before.orders, before.livestreams) == (Decimal("28.5000"), 1, 0)
    assert (before.active_rate, before.sales_rate, before.live_avg_ctr) == (0.0, 1.0, None)
    # changes: GMV 171 / 28.5 − 1 = 5.0; livestreams from 0 → cannot be told
    assert ov.changes["gmv"] == pytest.approx(5.0)
    assert ov.changes["livestreams"] is None
    assert ov.changes["authorized_creators"] == pytest.approx(1.0)


def test_overview_json_has_both_periods_and_changes(world: World) -> None:
    doc = overview(world.con, P, QUERY).to_dict()
    assert doc["previous"] == {"from": "2024-03-01", "to": "2024-03-10"}
    assert doc["current"]["gmv"] == 171.0 and doc["previous_figures"]["gmv"] == 28.5
    assert doc["changes"]["gmv"] == pytest.approx(5.0)


def test_creator_analytics_per_creator_with_the_split(world: World) -> None:
    result = creator_analytics(world.con, P, QUERY)
    # only creators with a visible day in the range: a and b
    assert [c.creator_id for c in result.creators] == ["a", "b"]
    a, b = result.creators
    assert (a.followers, a.current.visible_days) == (5000, 10)
    live_a, video_a = a.current.live, a.current.video
    # live: exposure 400, clicks 40 → CTR 0.1; 2 orders / 40 clicks → C-O 0.05;
    # conversion 2 / 400 = 0.005; RPM 85.50 × 1000 / 1000 views = 85.5
    assert (live_a.exposure, live_a.clicks, live_a.orders) == (400, 40, 2)
    assert live_a.ctr == pytest.approx(0.1) and live_a.click_to_order == pytest.approx(0.05)
    assert live_a.conversion == pytest.approx(0.005) and live_a.rpm == pytest.approx(85.5)
    assert live_a.new_followers == 10
    # video: 100 exposure, 10 clicks → CTR 0.1; 1 order → C-O 0.1; RPM 11.40 × 1000 / 500
    # = 22.8; new followers 5
    assert video_a.ctr == pytest.approx(0.1) and video_a.click_to_order == pytest.approx(0.1)
    assert video_a.rpm == pytest.approx(22.8) and video_a.new_followers == 5
    # both: exposure 500, clicks 50, orders 3 → CTR 0.1, C-O 0.06; views 1500, content
    # GMV 96.90 → RPM 64.6; all channels GMV 114.00 (4000 THB), refunds 5.70
    both = a.current.content
    assert (both.exposure, both.clicks, both.orders) == (500, 50, 3)
    assert both.click_to_order == pytest.approx(0.06) and both.rpm == pytest.approx(64.6)
    assert (a.current.gmv, a.current.refunds) == (Decimal("114.0000"), Decimal("5.7000"))
    # a's previous period: 10 days, 28.50 → change 114 / 28.5 − 1 = 3.0
    assert a.previous is not None and a.previous.visible_days == 10
    assert a.gmv_change == pytest.approx(3.0)
    # b: 6 visible days (03-15..03-20); its 03-14 live and order are not seen; its 0-view
    # live leaves CTR and RPM unknown, never 0
    assert b.current.visible_days == 6
    assert (b.current.live.content, b.current.live.ctr, b.current.live.rpm) == (1, None, None)
    assert b.current.gmv == Decimal("57.0000")
    # b had no visible day in the previous period: no comparison
    assert b.previous is None and b.gmv_change is None


def _audience(w: World, creator_id: str, as_of: date, ages: dict[str, int]) -> None:
    for bucket, users in ages.items():
        w.add("audiences", subject_kind="creator", subject_id=creator_id, stage="follower",
              dimension="age", bucket=bucket, users=users, as_of=as_of)  # fmt: skip


def test_follower_profile_only_over_1000_users_and_on_a_visible_day(world: World) -> None:
    # a: 1,001 followers profiled on 03-15 (visible) → shown; a later one on 03-25
    # (outside the range) is not read
    _audience(world, "a", date(2024, 3, 15), {"18-24": 600, "25-34": 401})
    _audience(world, "a", date(2024, 3, 25), {"18-24": 5000, "25-34": 5000})
    # b: exactly 1,000 → "not enough users"
    _audience(world, "b", date(2024, 3, 16), {"18-24": 500, "35+": 500})
    # c: 50,000, but never authorized → no row at all
    _audience(world, "c", date(2024, 3, 16), {"18-24": 50000})
    rows = {r.creator_id: r for r in creator_analytics(world.con, P, QUERY).creators}
    a = rows["a"].follower_profile
    assert a is not None and a.users == 1001
    assert a.split == {"age": {"18-24": 600, "25-34": 401}}
    assert rows["b"].follower_profile is None
    assert "c" not in rows
    assert profile_of({"age": {"x": 1000}}) is None


def test_the_consent_workflows_rows_count_like_imported_ones(world: World) -> None:
    # c approved through the workflow for 03-18..03-20 → 3 visible days, its 03-12
    # activity still unseen
    row = Authorization(**approval("c", 18, 20, "W1"))
    listed = {c.creator_id: c for c in creator_list(world.con, P, QUERY, [row]).creators}
    assert (listed["c"].authorized, listed["c"].visible_days) == (True, 3)
    assert listed["c"].metrics is not None and listed["c"].metrics.orders == 0
    # a row of another partner is ignored
    other = Authorization(**{**approval("c", 11, 20, "W2"), "partner_id": "tsp-th-9"})
    listed = {c.creator_id: c for c in creator_list(world.con, P, QUERY, [other]).creators}
    assert listed["c"].authorized is False


def test_a_request_id_given_twice_with_different_content_is_refused(world: World) -> None:
    clash = Authorization(**approval("a", 11, 12, "R1"))  # R1 is imported for 03-01..03-31
    with pytest.raises(CompassError, match="R1"):
        creator_list(world.con, P, QUERY, [clash])
    same = Authorization(**approval("a", 1, 31, "R1"))  # the same row again: one row
    assert creator_list(world.con, P, QUERY, [same]).creators[0].visible_days == 10


def test_an_excluded_region_can_be_configured(world: World) -> None:
    # with TH excluded, a and b vanish and us (approved) shows
    ov = overview(world.con, P, QUERY, excluded_regions=frozenset({"TH"}))
    # us: 99999 THB on 03-12 → 2,849.9715 USD
    assert (ov.current.authorized_creators, ov.current.gmv) == (1, Decimal("2849.9715"))
