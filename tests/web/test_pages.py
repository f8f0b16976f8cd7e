"""The server-rendered portal over the test world of `tierwise.testing.portal`, with the
numbers worked by hand there: agency A's 百应 card for 2024-08 is score 601, computed V5,
held V3 (one step up from V2); B is V1 with 160 (140 short of V2 at 300); 2024-09 is a
preview in which A falls straight to V1. The creator c0 is bound to A only; T is a Thai
TSP with nothing published.

The shared world (PostgreSQL) is only read and signed in to; the preview → publish flow
and the decisions run on a portal of their own (`fresh_portal`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import make_app
from tierwise.live.figures import MINUTE_FIGURES
from tierwise.testing.portal import PASSWORD, PortalSetup
from tierwise.web.i18n import MESSAGES

TEMPLATES = Path(__file__).parents[2] / "src" / "tierwise" / "web" / "templates"
STATIC = TEMPLATES.parent / "static"
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})


# -- reading pages ----------------------------------------------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def raw(self) -> str:
        """The text of a `<script>` data island, as written."""
        return "".join(c for c in self.children if isinstance(c, str))

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def all(self, testid: str | Callable[[str], bool]) -> list[Node]:
        test = testid if callable(testid) else testid.__eq__
        return [n for n in self.walk() if test(n.attrs.get("data-testid", "\0"))]

    def one(self, testid: str) -> Node:
        found = self.all(testid)
        assert len(found) == 1, f"{len(found)} elements with data-testid={testid!r}"
        return found[0]

    def has(self, testid: str) -> bool:
        return bool(self.all(testid))

    def by_id(self, element_id: str) -> Node:
        return next(n for n in self.walk() if n.attrs.get("id") == element_id)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.root


def row_ids(page: Node, prefix: str) -> list[str]:
    return [
        n.attrs["data-testid"].removeprefix(prefix)
        for n in page.all(lambda t: t.startswith(prefix))
    ]


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)


def sign_in(app: FastAPI, login: str) -> TestClient:
    """A browser of its own, signed in through the login form. (Not entered as a context
    manager: leaving it would run the shared app's shutdown.)"""
    browser = TestClient(app)
    form = browser.get("/login")
    reply = browser.post(
        "/login",
        data={
            "login": login,
            "password": PASSWORD,
            "login_csrf": hidden(form.text, "login_csrf"),
            "next": "",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    assert "tierwise_session" in browser.cookies
    return browser


@pytest.fixture(scope="module")
def as_() -> Iterator[Callable[[FastAPI, str], TestClient]]:
    """`as_(app, login)`: a signed-in browser per app and login, made once."""
    made: dict[tuple[int, str], TestClient] = {}

    def get(app: FastAPI, login: str) -> TestClient:
        key = (id(app), login)
        if key not in made:
            made[key] = sign_in(app, login)
        return made[key]

    yield get
    for browser in made.values():
        browser.close()


Browser = Callable[[str], TestClient]


@pytest.fixture()
def browser(app: FastAPI, as_: Callable[[FastAPI, str], TestClient]) -> Browser:
    """`browser(login)` on the shared portal, in English."""
    return lambda login: as_(app, login)


def page_of(client: TestClient, url: str, status: int = 200) -> Node:
    reply = client.get(url)
    assert reply.status_code == status, reply.text
    return parse(reply.text)


# -- the partner's dashboard --------------------------------------------------------------------


def test_partner_a_sees_its_card_with_the_hand_worked_numbers(browser: Browser) -> None:
    page = page_of(browser("agency-a"), "/partners/A/dashboard")
    card = page.one("card-buyin-mcn")
    assert card.one("period").text() == "Period 2024-08"
    assert card.one("level").text() == "V3"
    assert card.one("score").text() == "601"
    assert card.one("computed-level").text() == "V5"
    assert card.one("change").text() == "up · was V2"
    # The score already reaches the top: no gap, and what keeps the computed V5.
    assert card.one("next-level").has("score-reaches-top")
    assert "The score can fall by 1 and keep V5." in card.one("keep").text()
    assert card.one("rights").text().startswith("Rights of V3")
    assert "Marketing resources and publicity" in card.one("rights").text()
    assert "Your level in Buyin MCN agency levels for 2024-08 is V3 (it was V2: up)." in (
        card.one("warning-level_changed").text()
    )
    # The breakdown by metric: 100,000 of settled GMV earns 50 of the operating points;
    # 600.8 rounds to 601, which reaches V5 at 600.
    gmv = card.one("breakdown-settled_gmv").text()
    assert gmv.startswith("Settled GMV") and "100,000 Operating 50" in gmv
    assert "600.8 rounded half up to 601 601" in card.one("breakdown-rounding").text()
    assert "V5: 600" in card.one("breakdown-level").text()
    # The history chart: its data island and its table.
    assert card.one("history-chart").tag == "canvas"
    chart = json.loads(card.by_id("history-data-buyin-mcn-score").raw())
    assert chart["labels"] == ["2024-07", "2024-08"]
    assert chart["values"] == [310.0, 601.0]
    assert chart["rank"] == [1, 2]
    assert chart["levels"] == ["V1", "V2", "V3", "V4", "V5"]
    # The level boundaries of the definition (V2 from 300 … V5 from 600), all drawn: the
    # score reaches 601.
    assert [(th["label"], th["drawn"]) for th in chart["thresholds"]] == [
        ("V2 from 300", True),
        ("V3 from 400", True),
        ("V4 from 500", True),
        ("V5 from 600", True),
    ]
    assert card.one("threshold-V5").text() == "V5 from 600"
    assert not card.has("marked-legend")
    rows = card.one("history-table").text()
    assert "2024-08 601 V3 assessed up 2024-07 310 V2 assessed new" in rows
    # 集星 grades A too, but nothing is published for it.
    assert page.one("card-douyin-jixing-mcn").has("nothing-published")
    assert not page.has("card-tts-sea-isv")


def test_partner_b_sees_the_gap_to_v2_and_the_actions_that_close_it(browser: Browser) -> None:
    card = page_of(browser("agency-b"), "/partners/B/dashboard").one("card-buyin-mcn")
    assert (card.one("level").text(), card.one("score").text()) == ("V1", "160")
    assert not card.has("computed-level")
    nxt = card.one("next-level")
    assert nxt.one("next-level-id").text() == "V2"
    assert nxt.one("gap").text() == "140 points to go (from 300)"
    actions = nxt.one("actions").text()
    assert actions.startswith(
        "raise settled_gmv from 0 to 8,110,000 (+139.5 points: enough for V2 alone)"
    )
    assert "raise avg_reputation from 4 to 5 (+40 points, the most it gives)" in actions
    assert "Creator management tools" in card.one("next-rights").text()
    assert "V1 is the lowest interval" in card.one("keep").text()


def test_a_chinese_page_shows_chinese_titles(app: FastAPI) -> None:
    browser = sign_in(app, "agency-b")  # its own browser: ?lang= sets a cookie
    reply = browser.get("/partners/B/dashboard?lang=zh")
    assert reply.status_code == 200
    assert '<html lang="zh-CN">' in reply.text
    page = parse(reply.text)
    card = page.one("card-buyin-mcn")
    assert card.one("period").text() == "周期 2024-08"
    assert "巨量百应MCN机构等级" in card.text()
    assert card.one("breakdown-settled_gmv").text().startswith("结算金额")
    assert "在巨量百应机构工作台展示等级" in card.one("rights").text()
    assert card.one("gap").text() == "还差 140 分（300 分起）"
    # The actions are built from the explanation's structure, in Chinese.
    assert (
        card.one("actions")
        .text()
        .startswith("将结算金额从 0 提高到 8,110,000（仅此一项即可达到 V2）")
    )
    assert page.one("logout").text() == "退出登录"
    # The language sticks (cookie) and the switch keeps the page.
    assert "集星" in browser.get("/directory").text
    assert page.one("lang-en").attrs["href"] == "/partners/B/dashboard?lang=en"
    browser.close()


def test_a_partner_sees_only_its_own_dashboard(browser: Browser) -> None:
    page_of(browser("agency-a"), "/partners/B/dashboard", 404)
    page_of(browser("agency-a"), "/partners/nobody/dashboard", 404)
    page_of(browser("seller-s0"), "/partners/A/dashboard", 403)
    page_of(browser("creator-c0"), "/partners/A/dashboard", 403)
    # An operator sees any partner's.
    assert page_of(browser("op"), "/partners/B/dashboard").one("card-buyin-mcn").has("level")


# -- the directory --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "query", "rows"),
    [
        ("seller-s0", "", ["A", "B", "T"]),
        # 百应 levels (A V3, B V1) are shown to no seller: filtering by them finds no one.
        ("seller-s0", "?program=buyin-mcn", []),
        ("seller-s0", "?program=buyin-mcn&level=V3", []),
        ("seller-s0", "?level=V1", []),
        ("seller-s0", "?program=tts-sea-isv", []),
        ("seller-s0", "?market=TH", ["T"]),
        ("seller-s0", "?market=CN&level=V1", []),
        ("seller-s0", "?kind=tsp", ["T"]),
        ("seller-s0", "?q=agency", ["B"]),
        ("seller-s0", "?program=&level=&market=&kind=&q=", ["A", "B", "T"]),
        # An operator is shown every program's levels.
        ("op", "?program=buyin-mcn", ["A", "B"]),
        ("op", "?program=buyin-mcn&level=V3", ["A"]),
        ("op", "?level=V1", ["B"]),
        ("op", "?market=CN&level=V1", ["B"]),
        # An agency finds itself by its own 百应 level, never another agency by its.
        ("agency-a", "?program=buyin-mcn", ["A"]),
        ("agency-a", "?level=V3", ["A"]),
        ("agency-b", "?level=V1", ["B"]),
        ("agency-b", "?level=V3", []),
    ],
)
def test_the_directory_filters_by_program_level_and_market(
    browser: Browser, login: str, query: str, rows: list[str]
) -> None:
    page = page_of(browser(login), f"/directory{query}")
    assert row_ids(page, "directory-row-") == rows
    count = page.one("directory-count").text()
    assert count == (
        f"1–{len(rows)} of {len(rows)} partners" if rows else ("No partner matches these filters.")
    )


def test_the_directory_shows_levels_and_badges_but_no_scores(browser: Browser) -> None:
    # Agency A reads its own row with its 百应 level; B's is not shown to it.
    page = page_of(browser("agency-a"), "/directory")
    a = page.one("directory-row-A")
    assert a.one("level-buyin-mcn").text() == "Buyin MCN agency levels V3"
    assert not page.one("directory-row-B").has("level-buyin-mcn")
    assert "No published level yet." in page.one("directory-row-B").text()
    assert "No published level yet." in page.one("directory-row-T").text()
    public = page_of(browser("agency-a"), "/directory/A")
    level = public.one("public-level-buyin-mcn")
    assert level.one("level").text() == "V3"
    assert "Period 2024-08" in level.text()
    assert "601" not in public.text() and "score" not in public.text().lower()
    assert public.has("dashboard-link")
    # A seller is shown A, but no 百应 level of it, and has no way in.
    seller = page_of(browser("seller-s0"), "/directory/A")
    assert not seller.has("public-level-buyin-mcn") and not seller.has("dashboard-link")
    assert (
        not page_of(browser("seller-s0"), "/directory")
        .one("directory-row-A")
        .has("level-buyin-mcn")
    )
    page_of(browser("seller-s0"), "/directory/nobody", 404)


def test_the_directory_pages(browser: Browser) -> None:
    page = page_of(browser("seller-s0"), "/directory?limit=1&page=2")
    assert row_ids(page, "directory-row-") == ["B"]
    assert page.one("directory-count").text() == "2–2 of 3 partners"
    assert page.one("page-of").text() == "Page 2 of 3"
    assert page.one("page-prev").attrs["href"] == "/directory?limit=1&page=1"
    assert page.one("page-next").attrs["href"] == "/directory?limit=1&page=3"
    last = page_of(browser("seller-s0"), "/directory?limit=1&page=3")
    assert row_ids(last, "directory-row-") == ["T"] and not last.has("page-next")
    page_of(browser("seller-s0"), "/directory?page=0", 422)


def test_htmx_asks_for_the_results_fragment_only(browser: Browser) -> None:
    client = browser("op")
    reply = client.get("/directory?program=buyin-mcn&level=V1", headers={"HX-Request": "true"})
    assert reply.status_code == 200
    assert reply.headers["vary"] == "HX-Request"
    text = reply.text.strip()
    assert text.startswith('<section id="directory-results"') and text.endswith("</section>")
    assert "<html" not in text and "<form" not in text and "<header" not in text
    assert row_ids(parse(text), "directory-row-") == ["B"]
    # The form asks for it in place and pushes the address; without JS it is a GET form.
    form = page_of(client, "/directory").one("directory-filter")
    assert (form.attrs["method"], form.attrs["action"]) == ("get", "/directory")
    assert form.attrs["hx-get"] == "/directory"
    assert form.attrs["hx-target"] == "#directory-results"
    assert form.attrs["hx-push-url"] == "true"
    # A history restore wants the whole page back.
    whole = client.get(
        "/directory?level=V1",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in whole.text and 'data-testid="directory-filter"' in whole.text


# -- creators --------------------------------------------------------------------------------------


LEVELS_L = ["L1", "L2", "L3", "L4", "L5"]


def test_a_creator_sees_its_agency_and_the_agencies_it_may_choose(browser: Browser) -> None:
    creator = browser("creator-c0")
    page = page_of(creator, "/creator")
    # Bound to A; A's 百应 level (V3) is on A's own workbench only, never a creator's.
    assert row_ids(page, "creator-row-") == ["A"]
    assert not page.one("creator-row-A").has("level-buyin-mcn")
    # 集星 shows its levels to creators: every CN agency it grades (A, B) may be chosen
    # by level, bound or not (nothing of 集星 is published in this world yet).
    choose = page.one("choose-agencies")
    assert row_ids(choose, "choose-row-") == ["A", "B"]
    assert choose.one("choose-count").text() == "Agencies found: 2"
    # Its filter offers 集星 and 集星's levels only.
    assert choose.one("choose-program").text() == "Douyin Jixing MCN agency levels"
    assert choose.one("choose-level").text().split() == ["All", "levels", *LEVELS_L]
    assert row_ids(page_of(creator, "/creator?level=L1"), "choose-row-") == []
    assert row_ids(page_of(creator, "/directory"), "directory-row-") == ["A", "B"]
    assert row_ids(page_of(creator, "/directory?level=V1"), "directory-row-") == []
    page_of(creator, "/directory/B")
    page_of(creator, "/directory/T", 404)
    page_of(browser("seller-s0"), "/creator", 403)


# -- operators ---------------------------------------------------------------------------------


def test_the_operator_pages_answer_for_operators_only(browser: Browser) -> None:
    pages = [
        "/operator",
        "/operator/programs/buyin-mcn",
        "/operator/decisions",
        "/operator/registrations",
        "/operator/reviews",
        "/operator/facts",
        "/operator/excellence",
        "/operator/appeals",
        "/operator/audit",
        "/operator/outbox",
    ]
    for url in pages:
        page_of(browser("op"), url)
        page_of(browser("agency-a"), url, 403)
    page_of(browser("op"), "/operator/programs/nope", 404)
    page_of(browser("op"), "/operator/runs/run-nope", 404)


def test_the_programs_and_a_programs_periods(browser: Browser, portal_setup: PortalSetup) -> None:
    home = page_of(browser("op"), "/operator")
    buyin = home.one("program-row-buyin-mcn")
    assert buyin.one("latest-published").text() == "2024-08"
    assert buyin.one("previews").text() == "1"
    assert home.one("program-row-tts-sea-isv").one("latest-published").text() == (
        "nothing published"
    )
    page = page_of(browser("op"), "/operator/programs/buyin-mcn")
    assert page.one("preview-form").attrs["action"] == "/operator/programs/buyin-mcn/preview"
    assert page.one("distribution-chart").tag == "canvas"
    chart = json.loads(page.by_id("distribution-data").raw())
    # 2024-08 as published: B at V1, A at V3.
    assert chart["labels"] == ["V1", "V2", "V3", "V4", "V5", "No level"]
    assert chart["datasets"] == [{"label": "Partners in 2024-08", "data": [1, 0, 1, 0, 0, 0]}]
    assert "not published" in page.one("period-2024-09").text()
    assert page.has(f"run-row-{portal_setup.preview_run}")


def test_a_preview_run_shows_its_diff_against_what_is_published(
    browser: Browser, portal_setup: PortalSetup
) -> None:
    page = page_of(browser("op"), f"/operator/runs/{portal_setup.preview_run}")
    assert page.one("run-status").text() == "preview"
    assert page.one("gate").text().startswith("complete")
    assert page.one("publish-form").attrs["action"] == (
        f"/operator/runs/{portal_setup.preview_run}/publish"
    )
    # A goes from V3 (published for 2024-08) straight down to V1; B stays at V1.
    assert row_ids(page, "move-") == ["A"]
    assert page.one("move-A").text() == "A A V3 V1 down"
    assert page.one("diff-summary").text() == "up: 0 down: 1 new: 0 lost: 0"
    chart = json.loads(page.by_id("distribution-data").raw())
    assert chart["datasets"] == [
        {"label": "Shown now (2024-08)", "data": [1, 0, 1, 0, 0, 0]},
        {"label": "This run", "data": [2, 0, 0, 0, 0, 0]},
    ]
    assert page.one("near-threshold").text() == "No partner is within 5% of a threshold."


def test_the_audit_log_verifies_and_the_outbox_filters(browser: Browser) -> None:
    audit = page_of(browser("op"), "/operator/audit")
    verify = audit.one("audit-verify")
    assert verify.attrs["data-ok"] == "true"
    assert verify.text().startswith("Chain verified")
    actions = [n.text().split(" ")[4] for n in audit.all(lambda t: t.startswith("audit-row-"))]
    assert actions[-4:] == ["publish", "run", "publish", "run"]  # oldest last
    outbox = page_of(browser("op"), "/operator/outbox")
    assert outbox.one("outbox-count").text() == "Messages: 3"
    assert "您在巨量百应MCN机构等级中2024-08的等级为V3" in outbox.one("outbox").text()
    sent = page_of(browser("op"), "/operator/outbox?status=sent")
    assert sent.one("outbox-count").text() == "Messages: 0" and not sent.has("outbox")
    mine = page_of(browser("op"), "/operator/outbox?status=pending&partner_id=B")
    assert mine.one("outbox-count").text() == "Messages: 1"
    page_of(browser("op"), "/operator/outbox?status=lost", 422)


def test_a_form_without_the_csrf_token_is_refused(
    browser: Browser, portal_setup: PortalSetup
) -> None:
    op = browser("op")
    for url, form in [
        ("/operator/programs/buyin-mcn/preview", {"period": "2024-09"}),
        (f"/operator/runs/{portal_setup.preview_run}/publish", {"reason": "go"}),
        ("/operator/decisions", {"program_id": "buyin-mcn"}),
        ("/operator/appeals", {"program_id": "buyin-mcn", "reason": "r"}),
    ]:
        reply = op.post(url, data=form, follow_redirects=False)
        assert reply.status_code == 403, url
        assert "CSRF" in reply.text
        wrong = op.post(url, data={**form, "csrf_token": "forged"}, follow_redirects=False)
        assert wrong.status_code == 403, url
    assert page_of(op, f"/operator/runs/{portal_setup.preview_run}").one("run-status").text() == (
        "preview"
    )


def test_a_bad_period_shows_the_form_again_with_the_reason(browser: Browser) -> None:
    op = browser("op")
    token = hidden(op.get("/operator/programs/buyin-mcn").text, "csrf_token")
    for period, message in [
        ("2024-13", "'2024-13' is not a period"),
        ("2024Q3", "buyin-mcn runs by month, not quarter"),
    ]:
        reply = op.post(
            "/operator/programs/buyin-mcn/preview",
            data={"period": period, "csrf_token": token},
            follow_redirects=False,
        )
        assert reply.status_code == 422
        page = parse(reply.text)
        assert message in page.one("form-error").text()
        assert page.one("preview-period").attrs["value"] == period
        # The language links lead to the program page, not to the form's address.
        assert page.one("lang-zh").attrs["href"] == "/operator/programs/buyin-mcn?lang=zh"


# -- the flow that changes what partners see -----------------------------------------------


def test_preview_then_publish_changes_the_partner_dashboard(
    fresh_portal: PortalSetup, as_: Callable[[FastAPI, str], TestClient]
) -> None:
    app = make_app(fresh_portal)
    try:
        op, agency = as_(app, "op"), as_(app, "agency-a")
        card = page_of(agency, "/partners/A/dashboard").one("card-buyin-mcn")
        assert (card.one("level").text(), card.one("score").text()) == ("V3", "601")

        program = op.get("/operator/programs/buyin-mcn").text
        previewed = op.post(
            "/operator/programs/buyin-mcn/preview",
            data={"period": "2024-09", "csrf_token": hidden(program, "csrf_token")},
            follow_redirects=False,
        )
        assert previewed.status_code == 303
        run_url = previewed.headers["location"].removesuffix("?flash=previewed")
        assert run_url.startswith("/operator/runs/run-buyin-mcn-2024-09-")
        run = op.get(previewed.headers["location"])
        page = parse(run.text)
        assert page.one("flash").text() == ("The period was evaluated and stored as a preview run.")
        assert page.one("move-A").text() == "A A V3 V1 down"
        token = hidden(run.text, "csrf_token")

        # A reason is required; nothing is published without one.
        refused = op.post(f"{run_url}/publish", data={"reason": " ", "csrf_token": token})
        assert refused.status_code == 422
        assert "say why this run is published" in parse(refused.text).one("form-error").text()

        published = op.post(
            f"{run_url}/publish",
            data={"reason": "September results", "csrf_token": token},
            follow_redirects=False,
        )
        assert (published.status_code, published.headers["location"]) == (
            303,
            f"{run_url}?flash=published",
        )
        page = page_of(op, published.headers["location"])
        assert page.one("flash").text() == "Published: partners now see this run's levels."
        assert page.one("run-status").text() == "published"
        assert page.has("already-published") and not page.has("publish-form")
        # Published, it is compared with the period published before it.
        assert page.one("move-A").text() == "A A V3 V1 down"

        # Publishing it again is refused, and said so on the page.
        again = op.post(f"{run_url}/publish", data={"reason": "again", "csrf_token": token})
        assert again.status_code == 409
        assert "is already published" in parse(again.text).one("form-error").text()

        # A sees September now: straight down to V1 with 160, the gap to V2 and its actions.
        card = page_of(agency, "/partners/A/dashboard").one("card-buyin-mcn")
        assert card.one("period").text() == "Period 2024-09"
        assert (card.one("level").text(), card.one("score").text()) == ("V1", "160")
        assert card.one("change").text() == "down · was V3"
        assert card.one("next-level-id").text() == "V2"
        assert "raise settled_gmv" in card.one("actions").text()
        chart = json.loads(card.by_id("history-data-buyin-mcn-score").raw())
        assert (chart["labels"], chart["values"], chart["rank"]) == (
            ["2024-07", "2024-08", "2024-09"],
            [310.0, 601.0, 160.0],
            [1, 2, 0],
        )
        # The directory follows: for an operator both agencies are V1 now, for agency A
        # only itself (B's 百应 level is on B's own workbench only), for a seller none.
        found = page_of(op, "/directory?level=V1")
        assert row_ids(found, "directory-row-") == ["A", "B"]
        assert row_ids(page_of(agency, "/directory?level=V1"), "directory-row-") == ["A"]
        seller = as_(app, "seller-s0")
        assert row_ids(page_of(seller, "/directory?level=V1"), "directory-row-") == []
        # And the audit log.
        audit = page_of(op, "/operator/audit")
        assert audit.one("audit-verify").attrs["data-ok"] == "true"
        assert "publish" in audit.all(lambda t: t.startswith("audit-row-"))[0].text()
        assert "September results" in audit.text()
    finally:
        app.state.portal.close()


def test_decisions_and_appeals_are_recorded_or_refused_on_the_page(
    fresh_portal: PortalSetup, as_: Callable[[FastAPI, str], TestClient]
) -> None:
    app = make_app(fresh_portal)
    try:
        op = as_(app, "op")
        token = hidden(op.get("/operator/decisions").text, "csrf_token")
        base = {"csrf_token": token, "program_id": "buyin-mcn", "kind": "override"}
        # The program's policy refuses it: the page says why, the form keeps its values.
        refused = op.post(
            "/operator/decisions",
            data={
                **base,
                "program_id": "tts-sea-isv",
                "kind": "invite",
                "partner_id": "A",
                "reason": "no class yet",
                "level": "S",
            },
        )
        assert refused.status_code == 409
        page = parse(refused.text)
        assert "no class to change" in page.one("form-error").text()
        assert page.one("decision-partner").attrs["value"] == "A"
        # An unknown partner, and a missing reason.
        unknown = op.post("/operator/decisions", data={**base, "partner_id": "Z", "reason": "r"})
        assert unknown.status_code == 404
        assert "no partner 'Z'" in parse(unknown.text).one("form-error").text()
        missing = op.post("/operator/decisions", data={**base, "partner_id": "B"})
        assert missing.status_code == 422
        assert "reason" in parse(missing.text).one("form-error").text()
        assert not parse(missing.text).has("decisions")

        made = op.post(
            "/operator/decisions",
            data={
                **base,
                "partner_id": "B",
                "reason": "key account",
                "level": "V2",
                "mode": "floor",
                "until": "2099-12-31",
                "continues": "",
            },
            follow_redirects=False,
        )
        assert (made.status_code, made.headers["location"]) == (
            303,
            "/operator/decisions?flash=decided",
        )
        page = page_of(op, made.headers["location"])
        assert page.one("flash").text() == "The decision was recorded."
        (row,) = page.all(lambda t: t.startswith("decision-row-"))
        assert row.text().startswith(
            "1 buyin-mcn B override · at least this level V2 until 2099-12-31 key account "
        )
        today = app.state.portal.today().isoformat()
        assert row.text().endswith(f"key account {today} {today} op")  # decided, effective, by

        # Appeals: no published period's data changed since, so nothing is restated.
        no_reason = op.post(
            "/operator/appeals", data={"csrf_token": token, "program_id": "buyin-mcn"}
        )
        assert no_reason.status_code == 422
        assert "reason" in parse(no_reason.text).one("form-error").text()
        applied = parse(
            op.post(
                "/operator/appeals",
                data={"csrf_token": token, "program_id": "buyin-mcn", "reason": "appeal #7"},
            ).text
        )
        assert applied.one("appeals-result").has("nothing-restated")
    finally:
        app.state.portal.close()


# -- words and the page's hygiene ------------------------------------------------------------------

#: Keys the templates build (`t('status_' ~ status)`), with every value they can take.
DYNAMIC = {
    "status_": ["assessed", "novice", "observation", "ineligible"],
    "change_": ["up", "down", "new", "lost", "unchanged"],
    "kind_": ["mcn", "tsp", "isv"],
    "role_": ["operator", "partner", "creator", "seller"],
    "period_kind_": ["month", "quarter", "half", "year"],
    "run_status_": ["preview", "published", "superseded"],
    "run_kind_": ["run", "restatement", "whatif", "scores"],
    "sanction_": ["exclude", "forfeit"],
    "trace_": ["total", "rounding", "rank", "level"],
    "move_": ["up", "down", "new", "lost"],
    "decision_": ["invite", "downgrade", "remove", "continue_invitation", "override"],
    "mode_": ["floor", "fixed"],
    "review_": ["invitation_review", "promotion_proposal", "downgrade_proposal"],
    "outbox_": ["pending", "sent"],
    "delivery_": ["pending", "sending", "sent", "failed"],
    "channel_": ["email", "webhook", "none"],
    "badge_kind_": ["level", "award"],
    "projected_change_": ["up", "down", "new", "lost", "unchanged"],
    "badge_standing_": ["superseded", "restated", "expired", "not_yet_valid", "withdrawn"],
    "warning_status_": ["observation", "ineligible", "novice"],
    "action_": ["to_at_least", "to_above", "to_below", "to_at_most", "gain_points", "gain_score"],
    "risk_": ["to_at_least", "to_above", "to_below", "to_at_most", "loses_level", "keeps_level"],
    "compass_range_": ["yesterday", "last_7_days", "last_28_days", "custom"],
    "compass_tab_": ["authorized", "requested", "unauthorized"],
    "compass_via_": ["page", "api", "export", "cli"],
    # the module pages (lives, videos, products): figures, orders, traffic, profiles
    "compass_total_": [
        "buyers",
        "duration_s",
        "gmv",
        "items_sold",
        "livestreams",
        "new_followers",
        "orders",
        "revenue",
        "videos",
        "views",
    ],
    "compass_sort_": ["views", "new_followers", "revenue", "rpm"],
    # the live screen's comparison rows (`live.figures.MINUTE_FIGURES`)
    "compass_live_fig_": list(MINUTE_FIGURES),
    "compass_source_": ["following", "for_you", "live_square", "other", "search", "shop"],
    "compass_stage_": ["viewer", "clicker", "buyer", "follower"],
    "compass_dimension_": ["age", "country", "gender"],
    "compass_": ["likes", "comments", "shares"],
    "compass_fig_": [
        "gmv",
        "settlement_gmv",
        "refunds",
        "orders",
        "items_sold",
        "authorized_creators",
        "active_rate",
        "sales_rate",
        "livestreams",
        "avg_gmv_per_livestream",
        "live_avg_ctr",
        "videos",
        "video_avg_ctr",
        "new_followers",
    ],
}


def test_every_word_of_the_pages_is_in_english_and_chinese() -> None:
    assert set(MESSAGES["en"]) == set(MESSAGES["zh"])
    pages = Path(__file__).parents[2] / "src" / "tierwise" / "web" / "pages"
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'", template.read_text()))
    for module in pages.glob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z0-9_]+)"', module.read_text()))
        used |= set(re.findall(r'"(flash_[a-z]+)"', module.read_text()))
    used |= {prefix + value for prefix, values in DYNAMIC.items() for value in values}
    used -= set(DYNAMIC)
    missing = sorted(used - set(MESSAGES["en"]))
    assert missing == []
    for key in used:
        assert MESSAGES["zh"][key].count("{") == MESSAGES["en"][key].count("{"), key


def test_pages_load_nothing_from_elsewhere_and_run_no_inline_code() -> None:
    for path in [
        *TEMPLATES.glob("*.html"),
        STATIC / "app.js",
        STATIC / "live.js",
        STATIC / "app.css",
    ]:
        text = path.read_text()
        assert not re.search(r"https?://|//cdn|@import", text), path.name
        assert not re.search(r"\sstyle=|<style|\son[a-z]+=", text), path.name
        for script in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in script or 'type="application/json"' in script, script
    base = (TEMPLATES / "base.html").read_text()
    assert '"allowEval": false' in base and '"includeIndicatorStyles": false' in base
    for vendored in ("vendor/htmx.min.js", "app.js"):
        assert f"static_url('{vendored}')" in base


def test_sanctions_are_recorded_or_refused_on_the_registrations_page(
    fresh_portal: PortalSetup, as_: Callable[[FastAPI, str], TestClient]
) -> None:
    """T registered for 2024Q3 is listed; forfeiting an award T never got is refused with
    the reason, the form keeping its values; excluding T from 2024Q4 is recorded, listed
    with its reason, and shown on T's dashboard (as an operator reads it)."""
    from datetime import date

    from tierwise.core.periods import Period
    from tierwise.db.engine import StateStore
    from tierwise.definitions.registry import load_program
    from tierwise.registrations.repository import Registrations

    with StateStore.open(fresh_portal.state_url) as store, store.session() as session:
        shop = load_program("tts-th-tsp-shop")
        Registrations(session).register(shop, "T", Period.parse("2024Q3"), date(2024, 7, 1), "T")
    app = make_app(fresh_portal)
    try:
        op = as_(app, "op")
        page = page_of(op, "/operator/registrations")
        assert page.has("registration-tts-th-tsp-shop-2024Q3-T")
        assert page.has("no-sanctions")
        token = hidden(op.get("/operator/registrations").text, "csrf_token")
        base = {"csrf_token": token, "program_id": "tts-th-tsp-shop", "partner_id": "T"}
        refused = op.post(
            "/operator/registrations",
            data={**base, "kind": "forfeit", "period": "2024Q3", "reason": "false"},
        )
        assert refused.status_code == 409
        assert "no award was given for 2024Q3" in parse(refused.text).one("form-error").text()
        made = op.post(
            "/operator/registrations",
            data={**base, "kind": "exclude", "period": "2024Q4", "reason": "no binding record"},
            follow_redirects=False,
        )
        assert (made.status_code, made.headers["location"]) == (
            303,
            "/operator/registrations?flash=sanctioned",
        )
        page = page_of(op, made.headers["location"])
        assert page.one("flash").text() == "Recorded; the partner is told the reason."
        row = page.one("sanction-exclude-T-2024Q4").text()
        assert "no binding record" in row and "Exclude from this quarter on" in row
        dashboard = op.get("/partners/T/dashboard").text
        assert "no binding record" in dashboard
    finally:
        app.state.portal.close()
