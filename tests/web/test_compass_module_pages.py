"""Data Compass's livestream, video and product pages and their exports over
`compass_content_world()` (its docstring has the rows): agency A sees c1 (authorized), not
c0 (never asked) nor B's b0. Today is 2024-09-20 in Bangkok (UTC+7); the default range is
the last 7 days, 09-13..09-19, compared with 09-06..09-12. Money is THB at US$0.03, so
every expected figure below is worked out from the baht in the world."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tests.web.test_compass_pages import World, row, text
from tierwise.compass.repository import AccessLog, AccessQuery
from tierwise.db.engine import StateStore
from tierwise.testing.compass import PASSWORD, build_compass_portal, compass_content_world
from tierwise.web.i18n import MESSAGES

LIST_PAGES = ("/compass/lives", "/compass/videos", "/compass/products")
DETAIL_PAGES = ("/compass/lives/LIVE-C1", "/compass/videos/VID-1", "/compass/products/P1")
#: Content of c0 (A may not see it) and of B's b0, and ids nobody has.
HIDDEN = {
    "lives": ("L5", "LIVE-B0", "NO-SUCH-LIVE"),
    "videos": ("VID-X0", "VID-B0", "NO-SUCH-VIDEO"),
    "products": ("P3", "NO-SUCH-PRODUCT"),
}
NOUNS = {"lives": "livestream", "videos": "video", "products": "product"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("compass-module-pages")
    setup = build_compass_portal(folder, f"sqlite:///{folder / 'state.db'}", compass_content_world)
    w = World(setup)
    yield w
    w.close()


def entries(world: World) -> list[tuple[str, str, str, int, str]]:
    """The access log, oldest first: (login, creator, via, days read, what)."""
    with StateStore.open(world.setup.state_url) as state, state.reading() as session:
        found = AccessLog(session).list(AccessQuery())
        return [(e.login, e.creator_id, e.via, e.days, e.what) for e in reversed(found)]


def test_the_live_history_totals_against_the_previous_period(shared: World) -> None:
    page = shared.client("agency-a").get("/compass/lives").text
    # LIVE-C1 (09-15): US$30.00 + US$15.00; before: LIVE-C1-OLD (09-08) US$9.00.
    assert row(page, "total-livestreams") == "Livestreams 1 1 +0.0%"
    assert row(page, "total-views") == "Views 1,000 500 +100.0%"
    # orders 2 against 1; items 2 + 1 against 1; GMV 45 / 9 − 1 = +400%
    assert row(page, "total-orders") == "Orders 2 1 +100.0%"
    assert row(page, "total-items_sold") == "Items sold 3 1 +200.0%"
    assert row(page, "total-gmv") == "GMV US$45.00 US$9.00 +400.0%"
    # new followers from its minutes: 2 + 3; the old live has no minutes
    assert row(page, "total-new_followers") == "New followers 5 0 —"
    # started 12:00Z = 19:00 in Bangkok; 60 minutes; peak 150 online
    assert row(page, "live-LIVE-C1") == "2024-09-15 19:00 @nok.shop 60 1,000 150 2 US$45.00 — —"
    assert re.findall(r'<tr data-testid="live-([\w-]+)"', page) == ["LIVE-C1"]
    assert '"data": [45.0]' in page  # the chart's island
    # nothing of c0's daily livestreams or of b0's (US$150.00)
    assert "somchai" not in page and "bee.live" not in page and "US$150.00" not in page


def test_a_livestreams_products_trend_sources_violations_and_profiles(shared: World) -> None:
    page = shared.client("agency-a").get("/compass/lives/LIVE-C1").text
    # against the creator's average live of 09-06..09-12 (one, 500 views, US$9.00)
    assert row(page, "figure-views") == "Views 1,000 +100.0%"
    assert row(page, "figure-gmv") == "GMV US$45.00 +400.0%"
    # P1: 400 shown, 40 clicks → 10.0%; 1 order / 40 clicks = 2.5%. P2: 10 / 100, 1 / 10
    assert row(page, "product-P1") == "Lipstick 400 40 1 2 US$30.00 10.0% 2.5%"
    assert row(page, "product-P2") == "Mascara 100 10 1 1 US$15.00 10.0% 10.0%"
    # the minutes in Bangkok time, as a line chart and its table
    assert 'data-chart="trend"' in page
    assert '"labels": ["19:00", "19:01"]' in page and '"data": [100, 150]' in page
    # sources 600 and 400 of 1,000
    assert "For You: 600 (60.0%)" in text(page) and "Following: 400 (40.0%)" in text(page)
    assert [text(v) for v in re.findall(r'data-testid="violation">(.*?)</li>', page)] == [
        "2024-09-15 19:30 · content"
    ]
    # viewers 700 + 400 = 1,100 > 1,000: shown; buyers 2: not enough users
    viewers = page.split('data-testid="profile-viewer"', 1)[1].split("profile-buyer", 1)[0]
    assert "1,100 users" in text(viewers) and "18-24 700 25-34 400" in text(viewers)
    buyers = page.split('data-testid="profile-buyer"', 1)[1].split("</section>")[0]
    assert 'data-testid="not-enough"' in buyers and "18-24" not in text(buyers)


def test_videos_sort_and_search(shared: World) -> None:
    a = shared.client("agency-a")
    by = {}
    for order in ("views", "new_followers", "revenue", "rpm"):
        page = a.get(f"/compass/videos?sort={order}").text
        by[order] = re.findall(r'<tr data-testid="video-([\w-]+)">', page)
    # VID-1 2,000 views, 10 followers, US$12.00 → RPM 6.00; VID-2 500, 40, US$6.00 → 12.00
    assert by == {
        "views": ["VID-1", "VID-2"],
        "new_followers": ["VID-2", "VID-1"],
        "revenue": ["VID-1", "VID-2"],
        "rpm": ["VID-2", "VID-1"],
    }
    page = a.get("/compass/videos").text
    assert row(page, "video-VID-2") == "VID-2 @nok.shop 2024-09-16 12:00 500 40 1 US$6.00 US$12.00"
    assert row(page, "total-revenue") == "Revenue US$18.00 US$0.00 —"
    assert "VID-X0" not in page and "VID-B0" not in page
    found = a.get("/compass/videos?search=VID-2").text
    assert re.findall(r'<tr data-testid="video-([\w-]+)">', found) == ["VID-2"]
    assert a.get("/compass/videos?sort=likes").status_code == 422


def test_a_video_its_products_and_the_top_videos_of_the_product(shared: World) -> None:
    page = shared.client("agency-a").get("/compass/videos/VID-1").text
    assert row(page, "figure-revenue") == "Revenue US$12.00 —"  # no video before
    assert row(page, "figure-rpm") == "RPM US$6.00"
    assert row(page, "product-P1") == "Lipstick 1 1 US$12.00 1"
    # the other visible video selling P1: VID-2 only (not c0's VID-X0, US$297.00)
    assert re.findall(r'<tr data-testid="top-([\w-]+)"', page) == ["VID-2"]
    assert row(page, "top-VID-2") == "VID-2 @nok.shop 1 US$6.00"
    assert "VID-X0" not in page and "US$297.00" not in page


def test_products_with_the_funnel_and_a_products_creators(shared: World) -> None:
    a = shared.client("agency-a")
    page = a.get("/compass/products").text
    # P1: 30 (live) + 12 + 6 (videos) = US$48.00 against US$9.00 → +433.3%; 3 orders of
    # 3 buyers; funnel 400 → 40 → 1 from the live's product row
    assert row(page, "product-P1") == "Lipstick US$48.00 +433.3% 3 3 US$0.00 400 40 1 10.0% 2.5%"
    assert row(page, "product-P2") == "Mascara US$15.00 — 1 1 US$0.00 100 10 1 10.0% 10.0%"
    # c1's daily PR1 orders: 7 × 200 THB = US$42.00 in both periods
    assert row(page, "product-PR1") == "PR1 US$42.00 +0.0% 7 0 US$0.00 0 0 0 — —"
    assert 'data-testid="product-P3"' not in page  # only b0 sold it
    found = a.get("/compass/products?search=mascara").text
    assert re.findall(r'<tr data-testid="product-(\w+)">', found) == ["P2"]
    detail = a.get("/compass/products/P1").text
    assert row(detail, "figure-revenue") == "Revenue US$48.00 US$9.00 +433.3%"
    assert row(detail, "figure-items_sold") == "Items sold 4 1 +300.0%"
    assert row(detail, "channel-live") == "Livestreams US$30.00 2"
    assert row(detail, "channel-video") == "Videos US$18.00 2"
    assert text(detail).count("400 → 40 (10.0%) → 1 (2.5%)") == 1
    # only c1's share: c0's US$297.00 and b0's US$150.00 of P1 are not there
    assert row(detail, "share-c1") == "@nok.shop US$48.00 100.0% 3 1 2"
    assert re.findall(r'data-testid="share-(\w+)"', detail) == ["c1"]
    assert "US$297.00" not in detail and "US$150.00" not in detail


@pytest.mark.parametrize("kind", list(HIDDEN))
def test_content_the_partner_may_not_see_is_not_found_like_none(shared: World, kind: str) -> None:
    a = shared.client("agency-a")
    for content_id in HIDDEN[kind]:
        reply = a.get(f"/compass/{kind}/{content_id}")
        assert reply.status_code == 404, content_id
        assert text(reply.text) == f"404 · Not found no {NOUNS[kind]} '{content_id}' Home"


def test_b_sees_its_own_content_and_nothing_of_a(shared: World) -> None:
    b = shared.client("agency-b")
    lives = b.get("/compass/lives").text
    # LIVE-B0: 5,000 THB = US$150.00; b0 is not authorized to B: nothing at all
    assert 'data-testid="no-lives"' in lives and "US$150.00" not in lives
    assert b.get("/compass/lives/LIVE-C1").status_code == 404
    assert b.get("/compass/products/P1").status_code == 404


def test_every_page_refuses_a_range_the_rules_refuse(shared: World) -> None:
    a = shared.client("agency-a")
    refusals = {
        "from=2024-08-01&to=2024-08-31": "spans 31 days; one query spans at most 30 days",
        "from=2024-09-10&to=2024-09-01": "before it starts",
        "from=2024-03-01&to=2024-03-10": "6 months",
    }
    for path in LIST_PAGES + DETAIL_PAGES:
        for query, message in refusals.items():
            reply = a.get(f"{path}?range=custom&{query}")
            assert reply.status_code == 422, (path, query)
            assert message in text(reply.text), (path, query, text(reply.text)[:200])
            assert "US$" not in reply.text
    for what in ("lives", "videos", "products"):
        reply = a.get(f"/compass/exports/{what}.csv?range=custom&from=2024-08-01&to=2024-08-31")
        assert reply.status_code == 422 and "31 days" in reply.text


def test_every_page_read_is_in_the_access_log(tmp_path: Path) -> None:
    setup = build_compass_portal(
        tmp_path, f"sqlite:///{tmp_path / 'state.db'}", compass_content_world
    )
    world = World(setup)
    try:
        a = world.client("agency-a")
        for path in LIST_PAGES + DETAIL_PAGES:
            assert a.get(path).status_code == 200, path
        assert a.get("/compass/lives/LIVE-B0").status_code == 404  # logs nothing
        assert a.get("/compass/exports/videos.xlsx?range=last_7_days").status_code == 200
        # c1's visible days read: the range 09-13..09-19 and, for lists and details that
        # compare, the previous period 09-06..09-12 too: 14 days.
        period = "2024-09-13..2024-09-19"
        assert entries(world) == [
            ("agency-a", "c1", "page", 14, f"lives {period}"),
            ("agency-a", "c1", "page", 14, f"videos {period}"),
            ("agency-a", "c1", "page", 14, f"products {period}"),
            ("agency-a", "c1", "page", 14, f"live LIVE-C1 {period}"),
            ("agency-a", "c1", "page", 14, f"video VID-1 {period}"),
            ("agency-a", "c1", "page", 14, f"product P1 {period}"),
            ("agency-a", "c1", "export", 14, f"export videos {period}"),
        ]
    finally:
        world.close()


def test_the_exports_hold_the_rows_of_the_page(shared: World) -> None:
    a = shared.client("agency-a")
    page = a.get("/compass/videos").text
    links = dict(re.findall(r'href="([^"]+)" download data-testid="export-(\w+)"', page))
    assert set(links.values()) == {"csv", "xlsx"}
    by_fmt = {fmt: href.replace("&amp;", "&") for href, fmt in links.items()}
    reply = a.get(by_fmt["csv"])
    assert reply.headers["content-disposition"] == (
        'attachment; filename="compass-videos-2024-09-13-2024-09-19.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert [(r["video_id"], r["views"], r["revenue_usd"], r["rpm"]) for r in rows] == [
        ("VID-1", "2000", "12.0", "6.0"),
        ("VID-2", "500", "6.0", "12.0"),
    ]
    book = openpyxl.load_workbook(io.BytesIO(a.get(by_fmt["xlsx"]).content), read_only=True)
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    got = [(r[header.index("video_id")], r[header.index("revenue_usd")]) for r in values[1:]]
    assert got == [("VID-1", 12.0), ("VID-2", 6.0)]
    # The creators page links its list too: c1 with 7 days of 200 THB and the live and video
    # orders of 09-14..09-16 (1,000 + 500 + 400 + 200 THB): 3,500 THB = US$105.00; c0 and
    # c2 listed without a number.
    creators = a.get("/compass/creators").text
    href = re.search(r'href="([^"]+)" download data-testid="export-csv"', creators)
    assert href and href.group(1).startswith("/compass/exports/creators.csv?")
    listed = csv.DictReader(io.StringIO(a.get(href.group(1).replace("&amp;", "&")).text))
    assert {r["creator_id"]: r["gmv_usd"] for r in listed} == {"c0": "", "c1": "105.0", "c2": ""}
    # Another role gets none; a list that does not exist is not found.
    assert shared.client("creator-c0").get(by_fmt["csv"]).status_code == 403
    assert a.get("/compass/exports/secrets.csv").status_code in (404, 422)


def test_the_module_pages_in_chinese_and_thai(shared: World) -> None:
    a = shared.client("agency-a")
    try:
        for lang, word in (("zh", "直播记录"), ("th", "ประวัติไลฟ์")):
            page = a.get(f"/compass/lives?lang={lang}")
            assert page.status_code == 200 and word in page.text
            for path in LIST_PAGES[1:] + DETAIL_PAGES:
                assert a.get(path).status_code == 200, (lang, path)
    finally:
        a.get("/compass/lives?lang=en")
    keys = {k for k in MESSAGES["en"] if k.startswith("compass_")}
    for lang in ("zh", "th"):
        missing = keys - set(MESSAGES[lang])
        assert not missing, (lang, sorted(missing))
    # every key the new templates use exists in English
    templates = Path(__file__).parents[2] / "src/tierwise/web/templates"
    for name in ("lives", "live", "videos", "video", "products", "product", "profiles"):
        source = (templates / f"compass_{name}.html").read_text()
        for key in re.findall(r"t\('(compass_[a-z_]+)'\)", source):
            assert key in MESSAGES["en"], (name, key)


def test_the_compass_sections_link_to_the_new_pages(shared: World) -> None:
    page = shared.client("agency-a").get("/compass").text
    for name in ("lives", "videos", "products"):
        assert f'<a href="/compass/{name}" data-testid="nav-{name}"' in page


def test_the_product_detail_in_the_api(shared: World) -> None:
    """`GET /api/v1/compass/products/{id}`: the numbers of the product page as JSON."""
    a = shared.client(None)
    token = a.post("/api/v1/tokens", json={"login": "agency-a", "password": PASSWORD})
    a.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    period = "from=2024-09-13&to=2024-09-19"
    doc = a.get(f"/api/v1/compass/products/P1?{period}").json()
    product = doc["product"]
    assert (product["revenue"], product["orders"], product["items_sold"]) == (48.0, 3, 4)
    assert product["previous"]["revenue"] == 9.0
    assert product["funnel"] == {
        "exposure": 400, "clicks": 40, "orders": 1, "click_rate": 0.1, "order_rate": 0.025,
    }  # fmt: skip
    assert [(c["creator_id"], c["revenue"], c["share"]) for c in doc["creators"]] == [
        ("c1", 48.0, 1.0)
    ]
    hidden = a.get(f"/api/v1/compass/products/P3?{period}")
    nothing = a.get(f"/api/v1/compass/products/NO-SUCH?{period}")
    assert (hidden.status_code, nothing.status_code) == (404, 404)
    assert hidden.json()["detail"].replace("P3", "X") == nothing.json()["detail"].replace(
        "NO-SUCH", "X"
    )
    refused = a.get("/api/v1/compass/products/P1?from=2024-08-01&to=2024-08-31")
    assert refused.status_code == 422
    del a.headers["Authorization"]
