"""Livestream, video and product analytics and the exports on a hand-built world, each
number worked out in the comment beside it.

The partner is in TH (Bangkok, UTC+7); money is in USD so sums read plainly. The query is
2024-03-11..2024-03-20 as of 2024-03-31; the previous period is 03-01..03-10.
a: approved for all of March; b: approved for 03-15..03-31 only (its 03-14 is a day just
outside); c: never asked; r: approved, then revoked on 03-20 (gone as of 03-31). Every
number of c and r, and of b's 03-14, is large so that a leak would show."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
from typer.testing import CliRunner

import tierwise.cli.compass_modules  # noqa: F401  (registers the commands)
from tierwise.cli.app import app
from tierwise.compass import QueryRange
from tierwise.compass.exports import export_list, to_csv, to_xlsx
from tierwise.compass.modules import (
    ContentNotFound,
    live_detail,
    live_history,
    product_detail,
    product_list,
    video_detail,
    video_list,
)
from tierwise.testing.world import World

BK = ZoneInfo("Asia/Bangkok")
P = "tsp-th-1"
QUERY = QueryRange.custom(date(2024, 3, 11), date(2024, 3, 20), date(2024, 3, 31))
runner = CliRunner()


def bk(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, tzinfo=BK)


def _approval(w: World, creator_id: str, first: int, rid: str, **kw: Any) -> None:
    w.add("authorizations", request_id=rid, partner_id=P, creator_id=creator_id,
          requested_at=datetime(2024, 2, 1, tzinfo=UTC), period_from=date(2024, 3, first),
          period_to=date(2024, 3, 31), responded_at=datetime(2024, 2, 2, tzinfo=UTC),
          response="approved", revoked_at=kw.get("revoked_at"),
          revoked_by=kw.get("revoked_by"))  # fmt: skip


def _live(w: World, creator_id: str, day: int, live_id: str, views: int, imp: int = 0,
          clk: int = 0) -> None:  # fmt: skip
    w.live(creator_id, bk(day), bk(day, 14), views=views, live_id=live_id)
    w.con.execute(
        "UPDATE livestreams SET product_impressions = ?, product_clicks = ? WHERE live_id = ?",
        [imp, clk, live_id],
    )


def _video(w: World, creator_id: str, day: int, video_id: str, views: int, nf: int) -> None:
    w.video(creator_id, bk(day), views=views, video_id=video_id)
    w.con.execute("UPDATE videos SET new_followers = ? WHERE video_id = ?", [nf, video_id])


def _sale(w: World, creator_id: str, day: int, usd: str, channel: str, content: str | None,
          product: str, buyer: str | None = None, **kw: Any) -> None:  # fmt: skip
    w.order(bk(day), usd, creator_id=creator_id, currency="USD", channel=channel,
            content_id=content, product_id=product, buyer_id=buyer, **kw)  # fmt: skip


def _lp(w: World, live_id: str, product: str, imp: int, clk: int, orders: int, items: int,
        gmv: str) -> None:  # fmt: skip
    w.add("live_products", live_id=live_id, product_id=product, impressions=imp, clicks=clk,
          orders=orders, items_sold=items, gmv=gmv, currency="USD")  # fmt: skip


def build(w: World) -> World:
    w.partner(P, kind="tsp", market="TH")
    w.fx("THB", "0.0285")
    for cid in ("a", "b", "c", "r"):
        w.creator(cid, region="TH")
        w.bind(P, cid, "content", date(2020, 1, 1), None, "creator")
    for pid, title in (("P1", "Lipstick"), ("P2", "Mascara")):
        w.add("products", product_id=pid, seller_id="S0", title=title, stock=10)
    _approval(w, "a", 1, "R1")
    _approval(w, "b", 15, "R2")
    _approval(w, "r", 1, "R3", revoked_at=bk(20, 10), revoked_by="creator")

    # a's live LA1 on 03-12: 1,000 views, 400 impressions, 40 clicks; orders P1 100 (2
    # items, u1) and P2 50 (u2); products P1 300/30/1/2/100, P2 100/10/1/1/50; minutes
    # 12:00 (10 online, 2 new followers) and 12:01 (20 online, 3); sources for_you 600,
    # following 400; a violation at 12:30; viewers 1,001 (shown), buyers 10 (not shown).
    _live(w, "a", 12, "LA1", 1000, 400, 40)
    _sale(w, "a", 12, "100", "live", "LA1", "P1", "u1", quantity=2)
    _sale(w, "a", 12, "50", "live", "LA1", "P2", "u2")
    _lp(w, "LA1", "P1", 300, 30, 1, 2, "100")
    _lp(w, "LA1", "P2", 100, 10, 1, 1, "50")
    for minute, online, nf in ((0, 10, 2), (1, 20, 3)):
        w.add("live_minutes", live_id="LA1", minute=bk(12, 12, minute), online_viewers=online,
              views=5, product_clicks=1, orders=0, gmv="0", currency="USD", likes=4,
              comments=1, shares=0, new_followers=nf)  # fmt: skip
    w.add("live_sources", live_id="LA1", source="for_you", views=600)
    w.add("live_sources", live_id="LA1", source="following", views=400)
    w.violation("a", bk(12, 12, 30), subject_kind="creator", kind="content")
    w.violation("a", bk(12, 18), subject_kind="creator", kind="ipr")  # after the live
    for stage, ages in (("viewer", {"18-24": 600, "25-34": 401}), ("buyer", {"18-24": 10})):
        for bucket, users in ages.items():
            w.add("audiences", subject_kind="live", subject_id="LA1", stage=stage,
                  dimension="age", bucket=bucket, users=users, as_of=date(2024, 3, 12))  # fmt: skip
    # a's live LA0 on 03-05 (previous period): 500 views, one order P1 40
    _live(w, "a", 5, "LA0", 500)
    _sale(w, "a", 5, "40", "live", "LA0", "P1", "u9")
    # b: LB1 on 03-14 (outside b's period), LB2 on 03-16 with an order P2 20 (u1)
    _live(w, "b", 14, "LB1", 3000, 3000, 3000)
    _sale(w, "b", 14, "3000", "live", "LB1", "P1", "u7")
    _lp(w, "LB1", "P1", 3000, 3000, 30, 30, "3000")
    _live(w, "b", 16, "LB2", 200)
    _sale(w, "b", 16, "20", "live", "LB2", "P2", "u1")
    # c and r: never visible
    for cid, lid in (("c", "LC"), ("r", "LR")):
        _live(w, cid, 12, lid, 9999, 9999, 9999)
        _sale(w, cid, 12, "9999", "live", lid, "P1", "u8")
        _lp(w, lid, "P1", 9999, 9999, 99, 99, "9999")
        w.violation(cid, bk(12, 12, 30), subject_kind="creator")

    # videos: VA1 03-13 1,000 views 5 nf, P1 30 (u2, rated 5); VA2 03-14 100 views 50 nf,
    # P1 80 (u2); VB1 03-16 500 views 1 nf, P1 60 (u3); VB2 03-17 10 views, P1 10 (u3) and
    # P2 5; VC 03-13 (c) 1,000,000 views, P1 5000; VB0 03-14 (b, outside) P1 4000.
    _video(w, "a", 13, "VA1", 1000, 5)
    _sale(w, "a", 13, "30", "video", "VA1", "P1", "u2", review_rating=5)
    _video(w, "a", 14, "VA2", 100, 50)
    _sale(w, "a", 14, "80", "video", "VA2", "P1", "u2")
    _video(w, "b", 16, "VB1", 500, 1)
    _sale(w, "b", 16, "60", "video", "VB1", "P1", "u3")
    _video(w, "b", 17, "VB2", 10, 0)
    _sale(w, "b", 17, "10", "video", "VB2", "P1", "u3")
    _sale(w, "b", 17, "5", "video", "VB2", "P2")
    _video(w, "c", 13, "VC", 1_000_000, 900)
    _sale(w, "c", 13, "5000", "video", "VC", "P1", "u8")
    _video(w, "b", 14, "VB0", 9000, 900)
    _sale(w, "b", 14, "4000", "video", "VB0", "P1", "u8")
    # a's showcase order of P1 on 03-15: 20, returned, rated 1 (negative); and one on 03-21,
    # after the range, which no period holds
    _sale(w, "a", 15, "20", "showcase", None, "P1", "u1", return_fault="buyer",
          review_rating=1)  # fmt: skip
    _sale(w, "a", 21, "999", "video", "VA1", "P1", "u1")
    return w


@pytest.fixture
def world() -> World:
    return build(World())


# --- livestreams -------------------------------------------------------------------------


def test_live_history_holds_visible_lives_only_with_the_previous_period(world: World) -> None:
    h = live_history(world.con, P, QUERY)
    # LB2 (03-16) and LA1 (03-12), newest first; not LB1 (b's 03-14), LC, LR, LA0 (before)
    assert [r.live_id for r in h.lives] == ["LB2", "LA1"]
    la1 = h.lives[1]
    # LA1: orders 100 + 50 = 150 over 2 orders of 3 items; CTR 40 / 400; C-O 2 / 40;
    # new followers 2 + 3 from its minutes; peak 20 online; 2 h
    assert (la1.orders, la1.items_sold, float(la1.gmv)) == (2, 3, 150.0)
    assert la1.ctr == pytest.approx(0.1) and la1.click_to_order == pytest.approx(0.05)
    assert (la1.new_followers, la1.peak_online_viewers, la1.duration_s) == (5, 20, 7200)
    # totals: 2 lives, 1,200 views, 3 orders, 170 USD; before: LA0 only, 500 views, 40 USD
    assert (h.current.livestreams, h.current.views, h.current.orders) == (2, 1200, 3)
    assert float(h.current.gmv) == 170.0
    assert (h.previous.livestreams, h.previous.views, float(h.previous.gmv)) == (1, 500, 40.0)
    # changes: GMV 170 / 40 − 1 = 3.25; views 1200 / 500 − 1 = 1.4; lives 1.0
    assert h.changes["gmv"] == pytest.approx(3.25)
    assert h.changes["views"] == pytest.approx(1.4)
    assert h.changes["livestreams"] == pytest.approx(1.0)
    # the days read per creator (the access log's), both periods since the totals of the
    # previous one are shown: a 03-01..03-20, b 03-15..03-20 (none visible before)
    assert {c: d.count for c, d in h.read.items()} == {"a": 20, "b": 6}


def test_live_detail_products_trends_sources_violations_profiles(world: World) -> None:
    d = live_detail(world.con, P, QUERY, "LA1")
    # products by GMV: P1 300 impressions, 30 clicks → CTR 0.1, 1 order / 30 clicks
    assert [(p.product_id, p.title, float(p.gmv)) for p in d.products] == [
        ("P1", "Lipstick", 100.0), ("P2", "Mascara", 50.0)]  # fmt: skip
    assert d.products[0].to_dict()["ctr"] == pytest.approx(0.1)
    assert d.products[0].to_dict()["click_to_order"] == pytest.approx(1 / 30)
    assert [(m.online_viewers, m.new_followers) for m in d.minutes] == [(10, 2), (20, 3)]
    # sources: 600 of 1,000 and 400 of 1,000
    assert [(s.source, s.views, s.share) for s in d.sources] == [
        ("for_you", 600, 0.6), ("following", 400, 0.4)]  # fmt: skip
    # one violation during the live (12:30); the 18:00 one is after it ended (14:00)
    assert [v.kind for v in d.violations] == ["content"]
    # viewers 600 + 401 = 1,001 > 1,000: shown; buyers 10: "not enough users"
    assert d.viewer_profile is not None and d.viewer_profile.users == 1001
    assert d.buyer_profile is None
    # compared with a's average live of the previous period (LA0: 40 USD, 500 views):
    # GMV 150 / 40 − 1 = 2.75; views 1000 / 500 − 1 = 1.0
    assert d.changes["gmv"] == pytest.approx(2.75)
    assert d.changes["views"] == pytest.approx(1.0)


@pytest.mark.parametrize("live_id", ["LB1", "LC", "LR", "LA0", "nope"])
def test_a_live_the_partner_may_not_see_is_not_found(world: World, live_id: str) -> None:
    # LB1: a day just outside b's period; LC: never asked; LR: revoked; LA0: before the range
    with pytest.raises(ContentNotFound, match=live_id):
        live_detail(world.con, P, QUERY, live_id)


# --- videos --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("views", ["VA1", "VB1", "VA2", "VB2"]),  # 1000, 500, 100, 10
        ("new_followers", ["VA2", "VA1", "VB1", "VB2"]),  # 50, 5, 1, 0
        ("revenue", ["VA2", "VB1", "VA1", "VB2"]),  # 80, 60, 30, 15
        ("rpm", ["VB2", "VA2", "VB1", "VA1"]),  # 1500, 800, 120, 30
    ],
)
def test_video_list_sorts_visible_videos(world: World, order: Any, expected: list[str]) -> None:
    result = video_list(world.con, P, QUERY, order=order)
    assert [v.video_id for v in result.videos] == expected
    # totals: 4 videos, views 1,610, revenue 30 + 80 + 60 + 15 = 185; none before
    assert (result.current.videos, result.current.views) == (4, 1610)
    assert float(result.current.revenue) == 185.0
    assert result.previous.videos == 0 and result.changes["revenue"] is None


def test_video_detail_top_three_of_the_same_product_among_visible_videos(world: World) -> None:
    d = video_detail(world.con, P, QUERY, "VA1")
    # VA1 sold one product (P1) → P1 chosen; other visible videos selling P1 by revenue:
    # VA2 80, VB1 60, VB2 10 — never VC (c, 5000) or VB0 (b's 03-14, 4000)
    assert d.product_id == "P1"
    assert [(t.video_id, float(t.revenue)) for t in d.top_videos] == [
        ("VA2", 80.0), ("VB1", 60.0), ("VB2", 10.0)]  # fmt: skip
    assert (d.video.views, d.video.new_followers, float(d.video.finish_rate)) == (1000, 5, 0.5)
    # VB2 sold two products: no recommendation until one is chosen
    both = video_detail(world.con, P, QUERY, "VB2")
    assert both.product_id is None and both.top_videos == ()
    chosen = video_detail(world.con, P, QUERY, "VB2", product_id="P1")
    assert [t.video_id for t in chosen.top_videos] == ["VA2", "VB1", "VA1"]
    with pytest.raises(ContentNotFound):
        video_detail(world.con, P, QUERY, "VC")


# --- products ------------------------------------------------------------------------------


def test_product_list_channels_rates_funnel_and_previous_period(world: World) -> None:
    rows = {r.current.product_id: r for r in product_list(world.con, P, QUERY).products}
    p1 = rows["P1"].current
    # P1 visible orders: live 100 (2 items); video 30 + 80 + 60 + 10 = 180; showcase 20
    # → 300 over 6 orders, 7 items; buyers u1, u2, u3
    assert (float(p1.revenue), p1.orders, p1.items_sold, p1.buyers) == (300.0, 6, 7, 3)
    assert (float(p1.live_revenue), float(p1.video_revenue)) == (100.0, 180.0)
    assert float(p1.other_revenue) == 20.0
    # returns 1 of 6; negative reviews: 1 of 2 rated
    assert p1.return_rate == pytest.approx(1 / 6)
    assert p1.negative_review_rate == pytest.approx(0.5)
    # funnel from LA1 only (LB1, LC, LR not visible): 300 → 30 → 1
    assert p1.funnel == {"exposure": 300, "clicks": 30, "orders": 1, "click_rate": 0.1,
                         "order_rate": pytest.approx(1 / 30)}  # fmt: skip
    # previous period: LA0's order of 40 → change 300 / 40 − 1 = 6.5
    assert rows["P1"].previous is not None and float(rows["P1"].previous.revenue) == 40.0
    assert rows["P1"].changes["revenue"] == pytest.approx(6.5)
    # P2: live 50 + 20, video 5 → 75
    assert float(rows["P2"].current.revenue) == 75.0 and rows["P2"].previous is None


def test_product_detail_creator_share(world: World) -> None:
    d = product_detail(world.con, P, QUERY, "P1")
    # a: 100 + 30 + 80 + 20 = 230, b: 60 + 10 = 70, of 300
    assert [(c.creator_id, float(c.revenue), c.share) for c in d.creators] == [
        ("a", 230.0, pytest.approx(230 / 300)), ("b", 70.0, pytest.approx(70 / 300))]  # fmt: skip
    assert (d.creators[0].lives, d.creators[0].videos) == (1, 2)


def test_nothing_visible_means_empty_lists_not_numbers() -> None:
    w = World()
    w.partner(P, kind="tsp", market="TH")
    w.creator("c", region="TH")
    w.bind(P, "c", "content", date(2020, 1, 1), None, "creator")
    _live(w, "c", 12, "LC", 9999)
    _sale(w, "c", 12, "9999", "live", "LC", "P1")
    assert live_history(w.con, P, QUERY).lives == ()
    assert live_history(w.con, P, QUERY).current.livestreams == 0
    assert product_list(w.con, P, QUERY).products == ()


# --- exports -------------------------------------------------------------------------------


def _xlsx_rows(body: bytes) -> list[list[str]]:
    """The first worksheet's cells as text, read from the XML (no openpyxl needed)."""
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        strings = re.findall(r"<t[^>]*>([^<]*)</t>", z.read("xl/sharedStrings.xml").decode())
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    out = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", sheet):
        cells = []
        for attrs, value in re.findall(r"<c ([^>]*)>(?:<v>([^<]*)</v>)?</c>", row):
            cells.append(strings[int(value)] if 't="s"' in attrs else value)
        out.append(cells)
    return out


def test_live_history_export_csv_and_xlsx_hold_the_listed_numbers(world: World) -> None:
    sheet, seen = export_list(world.con, P, "lives", QUERY)
    assert set(seen) == {"a", "b"}
    rows = list(csv.reader(io.StringIO(to_csv(sheet).decode())))
    assert rows[0][:3] == ["live_id", "creator_id", "handle"]
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {"LA1", "LB2"}
    assert (by_id["LA1"]["gmv_usd"], by_id["LA1"]["orders"], by_id["LA1"]["ctr"]) == (
        "150.0", "2", "0.1")  # fmt: skip
    assert by_id["LB2"]["ctr"] == ""  # 0 impressions: unknown, never 0
    xrows = _xlsx_rows(to_xlsx(sheet))
    assert xrows[0] == rows[0]
    la1 = dict(zip(xrows[0], next(r for r in xrows if r[0] == "LA1"), strict=False))
    assert (float(la1["gmv_usd"]), int(la1["orders"]), float(la1["ctr"])) == (150.0, 2, 0.1)
    assert "9999" not in to_csv(sheet).decode()


def test_creator_and_product_exports(world: World) -> None:
    sheet, _ = export_list(world.con, P, "creators", QUERY)
    rows = {r[0]: r for r in csv.reader(io.StringIO(to_csv(sheet).decode()))}
    # c and r are listed (public part) with empty numbers
    assert rows["c"][2:] == ["no", "0", "", "", "", "", ""]
    assert rows["r"][2] == "no"
    assert rows["a"][2:4] == ["yes", "10"]
    products, _ = export_list(world.con, P, "products", QUERY)
    prows = _xlsx_rows(to_xlsx(products))
    p1 = dict(zip(prows[0], next(r for r in prows if r[0] == "P1"), strict=False))
    assert float(p1["revenue_usd"]) == 300.0 and int(p1["orders"]) == 6


# --- the CLI -------------------------------------------------------------------------------


def _store(tmp_path: Path) -> Path:
    path = tmp_path / "compass.duckdb"
    w = build(World(duckdb.connect(str(path))))
    w.con.close()
    return path


def _run(db: Path, *args: str) -> Any:
    return runner.invoke(app, ["compass", *args, "--partner", P, "--db", str(db)])


def test_cli_lives_json_and_refusals(tmp_path: Path) -> None:
    db = _store(tmp_path)
    ok = _run(db, "lives", "--from", "2024-03-11", "--to", "2024-03-20", "--as-of",
              "2024-03-31", "--format", "json")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert '"LA1"' in ok.stdout and '"LC"' not in ok.stdout
    for args, says in (
        (("lives", "--from", "2024-03-01", "--to", "2024-03-31"), "31 days"),
        (("videos", "--from", "2024-03-02", "--to", "2024-03-01"), "before it starts"),
        (("live", "LC", "--from", "2024-03-11", "--to", "2024-03-20"), "no livestream"),
    ):
        bad = _run(db, *args, "--as-of", "2024-03-31", "--format", "json")
        assert bad.exit_code == 1 and bad.stdout == ""
        assert says in " ".join(bad.stderr.split())


def test_cli_export_writes_an_xlsx(tmp_path: Path) -> None:
    db = _store(tmp_path)
    out = tmp_path / "videos.xlsx"
    done = _run(db, "export", "videos", "--from", "2024-03-11", "--to", "2024-03-20",
                "--as-of", "2024-03-31", "--format", "xlsx", "--out", str(out))  # fmt: skip
    assert done.exit_code == 0, done.output
    rows = _xlsx_rows(out.read_bytes())
    assert sorted(r[0] for r in rows[1:]) == ["VA1", "VA2", "VB1", "VB2"]
