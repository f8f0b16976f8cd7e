"""A partner's numbers through the REST API (`/api/v1/compass/creators|overview|analytics`)
and the CLI with a state store: compass.md §3's shape, the consent workflow's approvals
counting like imported ones, refusals as 422 problem documents naming the parameter, only a
partner's own users, and the access log written for every creator whose numbers an answer
holds — none when it holds none.

The world (all money in USD, both partners in TH, Bangkok UTC+7), as of 2024-03-31:
  A's creators: a — imported approval R1 for 03-01..03-31; b — bound, never asked;
  us — approved (R3) but in the excluded region US; w — approved through the workflow (a
  row in the state store) for 03-18..03-20 only.
  B's creator z — approved (R9) for all of March.
Orders (paid at noon Bangkok): a 03-05 100; a 03-12 1000 (refund 200); a 03-14 50;
  b 03-12 7777; us 03-12 5555; w 03-12 3333 (outside its period); w 03-19 20; z 03-12 99999.
The query is 03-11..03-20, so the previous period is 03-01..03-10.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import tierwise.cli.compass_analytics
import tierwise.cli.compass_modules  # noqa: F401
from tierwise.accounts import Accounts, NewUser
from tierwise.cli.app import app as cli
from tierwise.compass.repository import AccessLog, AccessQuery
from tierwise.db.engine import StateStore
from tierwise.db.models import CompassRequest
from tierwise.partners.catalog import Catalog
from tierwise.server.app import create_app
from tierwise.store import EventStore
from tierwise.testing.scenarios import export
from tierwise.testing.world import World
from tierwise.web.context import Portal

BK = ZoneInfo("Asia/Bangkok")
TODAY = date(2024, 3, 31)
PASSWORD = "correct horse battery"
RANGE = "from=2024-03-11&to=2024-03-20"
USERS = {
    "partner": NewUser("agency-a", "A user", "partner", partner_id="A"),
    "other_partner": NewUser("agency-b", "B user", "partner", partner_id="B"),
    "creator": NewUser("creator-a", "a", "creator", creator_id="a"),
    "operator": NewUser("op", "Olga", "operator"),
    "seller": NewUser("seller-s0", "S0", "seller", seller_id="S0"),
}


def noon(day: int) -> datetime:
    return datetime(2024, 3, day, 12, tzinfo=BK)


def approval(partner: str, creator: str, request_id: str, first: int, last: int) -> dict[str, Any]:
    return dict(
        request_id=request_id,
        partner_id=partner,
        creator_id=creator,
        requested_at=datetime(2024, 2, 1, tzinfo=UTC),
        period_from=date(2024, 3, first),
        period_to=date(2024, 3, last),
        responded_at=datetime(2024, 2, 2, tzinfo=UTC),
        response="approved",
        revoked_at=None,
        revoked_by=None,
    )


@pytest.fixture(scope="module")
def events_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("numbers-world")
    w = World()
    w.partner("A", kind="tsp", market="TH")
    w.partner("B", kind="tsp", market="TH")
    w.seller("S0", market="TH")
    for creator, region, partner in (
        ("a", "TH", "A"),
        ("b", "TH", "A"),
        ("us", "US", "A"),
        ("w", "TH", "A"),
        ("z", "TH", "B"),
    ):
        w.creator(creator, region=region)
        w.bind(partner, creator, "content", date(2020, 1, 1), None, "creator")
    w.add("authorizations", **approval("A", "a", "R1", 1, 31))
    w.add("authorizations", **approval("A", "us", "R3", 1, 31))
    w.add("authorizations", **approval("B", "z", "R9", 1, 31))
    for creator, day, amount, refund in (
        ("a", 5, "100", "0"),
        ("a", 12, "1000", "200"),
        ("a", 14, "50", "0"),
        ("b", 12, "7777", "0"),
        ("us", 12, "5555", "0"),
        ("w", 12, "3333", "0"),
        ("w", 19, "20", "0"),
        ("z", 12, "99999", "0"),
    ):
        w.order(noon(day), amount, creator_id=creator, currency="USD", refund=refund)
    db = folder / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(export(w, folder / "data"))
    return db


def add_workflow_approval(state: StateStore) -> None:
    """w's approval through the consent workflow, as the workflow stores it."""
    row = approval("A", "w", "wf-w1", 18, 20)
    with state.session() as session:
        session.add(CompassRequest(**row))


@dataclass
class Api:
    client: TestClient
    state: StateStore
    tokens: dict[str, dict[str, str]]

    def get(self, who: str, path: str) -> tuple[int, Any]:
        reply = self.client.get(f"/api/v1/compass{path}", headers=self.tokens.get(who, {}))
        return reply.status_code, reply.json()

    def log(self) -> list[tuple[str, str, str, str, str, int, str, str]]:
        with self.state.reading() as session:
            return sorted(
                (
                    e.login,
                    e.role,
                    e.partner_id or "",
                    e.creator_id,
                    e.via,
                    e.days,
                    f"{e.first_day}..{e.last_day}",
                    e.what,
                )
                for e in AccessLog(session).list(AccessQuery())
            )


@pytest.fixture
def api(state_url: str, events_db: Path) -> Iterator[Api]:
    state = StateStore.open(state_url)
    add_workflow_approval(state)
    with state.session() as session:
        accounts = Accounts(session)
        for user in USERS.values():
            accounts.add(user, PASSWORD)
    portal = Portal(state, Catalog.from_file(events_db), {}, events_db, today=lambda: TODAY)
    with TestClient(create_app(portal), follow_redirects=False) as client:
        tokens = {}
        for role, user in USERS.items():
            reply = client.post("/api/v1/tokens", json={"login": user.login, "password": PASSWORD})
            assert reply.status_code == 201, reply.text
            tokens[role] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        yield Api(client, state, tokens)
    state.close()


#: compass.md §3 for A, by hand: a sees 03-11..03-20 (10 days): 1000 + 50, refund 200, two
#: orders; w sees 03-18..03-20 (3 days): the 20 of 03-19 (its 3333 on 03-12 is outside its
#: period); b was never asked and us is in the excluded region: no number of either.
CREATORS_OF_A = {
    "partner_id": "A",
    "from": "2024-03-11",
    "to": "2024-03-20",
    "as_of": "2024-03-31",
    "creators": [
        {"creator_id": "a", "handle": "a", "authorized": True, "visible_days": 10,
         "metrics": {"gmv": 1050.0, "refunds": 200.0, "orders": 2, "livestreams": 0,
                     "videos": 0}},
        {"creator_id": "b", "handle": "b", "authorized": False, "visible_days": 0,
         "metrics": None},
        {"creator_id": "us", "handle": "us", "authorized": False, "visible_days": 0,
         "metrics": None},
        {"creator_id": "w", "handle": "w", "authorized": True, "visible_days": 3,
         "metrics": {"gmv": 20.0, "refunds": 0.0, "orders": 1, "livestreams": 0,
                     "videos": 0}},
    ],
}  # fmt: skip


def test_the_creator_list_has_the_shape_of_compass_md_and_logs_each_creator_read(
    api: Api,
) -> None:
    status, body = api.get("partner", f"/creators?{RANGE}")
    assert status == 200, body
    assert body == CREATORS_OF_A
    what = "creators 2024-03-11..2024-03-20"
    assert api.log() == [
        ("agency-a", "partner", "A", "a", "api", 10, "2024-03-11..2024-03-20", what),
        ("agency-a", "partner", "A", "w", "api", 3, "2024-03-18..2024-03-20", what),
    ]
    # B sees its own creator z only; A's creators are nowhere in its answer.
    status, body = api.get("other_partner", f"/creators?{RANGE}")
    assert status == 200
    assert [(c["creator_id"], c["metrics"]["gmv"]) for c in body["creators"]] == [("z", 99999.0)]


def test_the_overview_reads_both_periods_and_logs_the_days_of_both(api: Api) -> None:
    status, body = api.get("partner", f"/overview?{RANGE}")
    assert status == 200, body
    now, then = body["current"], body["previous_figures"]
    # now: a 1050 + w 20 = 1070 over three orders, refunds 200; two authorized creators of
    # four bound. before (03-01..03-10): a's 100 alone.
    assert (now["gmv"], now["orders"], now["refunds"], now["settlement_gmv"]) == (
        1070.0,
        3,
        200.0,
        870.0,
    )
    assert (now["authorized_creators"], now["bound_creators"], now["sales_rate"]) == (2, 4, 1.0)
    assert (then["gmv"], then["orders"], then["authorized_creators"]) == (100.0, 1, 1)
    assert body["previous"] == {"from": "2024-03-01", "to": "2024-03-10"}
    assert body["changes"]["gmv"] == pytest.approx(9.7)  # (1070 − 100) / 100
    what = "overview 2024-03-11..2024-03-20"
    assert api.log() == [
        ("agency-a", "partner", "A", "a", "api", 20, "2024-03-01..2024-03-20", what),
        ("agency-a", "partner", "A", "w", "api", 3, "2024-03-18..2024-03-20", what),
    ]


def test_creator_analytics_of_all_and_of_one_creator(api: Api) -> None:
    status, body = api.get("partner", f"/analytics?{RANGE}")
    assert status == 200, body
    rows = {c["creator_id"]: c for c in body["creators"]}
    assert sorted(rows) == ["a", "w"]
    assert (rows["a"]["current"]["gmv"], rows["a"]["previous"]["gmv"]) == (1050.0, 100.0)
    assert rows["a"]["gmv_change"] == pytest.approx(9.5)  # (1050 − 100) / 100
    assert (rows["w"]["current"]["visible_days"], rows["w"]["previous"]) == (3, None)
    status, body = api.get("partner", f"/analytics?{RANGE}&creator_id=w")
    assert status == 200
    assert [c["creator_id"] for c in body["creators"]] == ["w"]
    # b is A's (its public part is in the creator list) but has no visible day: no row,
    # and nothing logged for it.
    status, body = api.get("partner", f"/analytics?{RANGE}&creator_id=b")
    assert (status, body["creators"]) == (200, [])
    assert {entry[3] for entry in api.log()} == {"a", "w"}
    assert ("agency-a", "partner", "A", "w", "api", 3, "2024-03-18..2024-03-20",
            "analytics of w 2024-03-11..2024-03-20") in api.log()  # fmt: skip


def test_another_partners_creator_reads_as_one_that_does_not_exist(api: Api) -> None:
    before = api.log()
    foreign = api.get("partner", f"/analytics?{RANGE}&creator_id=z")
    missing = api.get("partner", f"/analytics?{RANGE}&creator_id=zz")
    assert foreign[0] == missing[0] == 404
    assert foreign[1]["detail"] == "no creator 'z'"
    assert missing[1]["detail"] == "no creator 'zz'"
    assert "99999" not in json.dumps(foreign[1])
    assert api.log() == before == []


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ("from=2024-03-01&to=2024-03-31", "query.to", "spans 31 days"),
        ("from=2024-03-20&to=2024-03-11", "query.to", "ends (2024-03-11) before it starts"),
        ("from=2023-09-01&to=2023-09-10", "query.from", "reaches before 2023-09-30"),
        ("from=2024-03-xx&to=2024-03-10", "query.from", "date"),
        ("to=2024-03-10", "query.from", "Field required"),
    ],
)
def test_a_refused_range_is_a_422_naming_the_parameter_and_reads_nothing(
    api: Api, query: str, field: str, reason: str
) -> None:
    for route in ("/creators", "/overview", "/analytics"):
        status, body = api.get("partner", f"{route}?{query}")
        assert status == 422, body
        assert body["errors"][0]["field"] == field
        assert reason in body["errors"][0]["message"]
    assert api.log() == []


@pytest.mark.parametrize(
    ("who", "status"),
    [("operator", 403), ("creator", 403), ("seller", 403), ("anonymous", 401)],
)
def test_only_partner_users_read_numbers(api: Api, who: str, status: int) -> None:
    for route in ("/creators", "/overview", "/analytics"):
        answer, body = api.get(who, f"{route}?{RANGE}")
        assert answer == status, body
        assert "1050" not in json.dumps(body)
    assert api.log() == []


def test_the_openapi_document_names_the_routes_and_the_from_parameter(api: Api) -> None:
    doc = api.client.get("/api/v1/openapi.json").json()
    for route in ("creators", "overview", "analytics"):
        params = {p["name"] for p in doc["paths"][f"/api/v1/compass/{route}"]["get"]["parameters"]}
        assert {"from", "to"} <= params
    assert "from" in doc["components"]["schemas"]["CreatorListOut"]["properties"]


# -- the command line -----------------------------------------------------------------------


def _creators(events_db: Path, *extra: str) -> Any:
    args = ["compass", "creators", "--partner", "A", "--from", "2024-03-11", "--to"]
    args += ["2024-03-20", "--as-of", "2024-03-31", "--db", str(events_db), "--format", "json"]
    result = CliRunner().invoke(cli, [*args, *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_cli_with_a_state_store_counts_the_workflow_and_logs_its_reads(
    state_url: str, events_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIERWISE_STATE_URL", raising=False)
    with StateStore.open(state_url) as state:
        add_workflow_approval(state)
    # No state store: only the imported rows count (w is not authorized), nothing logged.
    alone = _creators(events_db)
    assert [c["authorized"] for c in alone["creators"]] == [True, False, False, False]
    # --state: the workflow's approval of w counts, and both reads are logged via cli.
    assert _creators(events_db, "--state", state_url, "--actor", "alice") == CREATORS_OF_A
    # $TIERWISE_STATE_URL works the same.
    monkeypatch.setenv("TIERWISE_STATE_URL", state_url)
    assert _creators(events_db, "--actor", "bob") == CREATORS_OF_A
    with StateStore.open(state_url) as state, state.reading() as session:
        entries = sorted(
            (e.login, e.role, e.creator_id, e.via, e.days)
            for e in AccessLog(session).list(AccessQuery())
        )
    assert entries == [
        ("alice", "operator", "a", "cli", 10),
        ("alice", "operator", "w", "cli", 3),
        ("bob", "operator", "a", "cli", 10),
        ("bob", "operator", "w", "cli", 3),
    ]


def test_the_module_commands_with_a_state_store_count_the_workflow_and_log(
    state_url: str, events_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIERWISE_STATE_URL", raising=False)
    with StateStore.open(state_url) as state:
        add_workflow_approval(state)
    where = ["--partner", "A", "--from", "2024-03-11", "--to", "2024-03-20"]
    where += ["--as-of", "2024-03-31", "--db", str(events_db)]
    logged = ["--state", state_url, "--actor", "carol"]
    # The creators export without a state store: w's workflow approval does not count.
    alone = CliRunner().invoke(cli, ["compass", "export", "creators", *where])
    assert alone.exit_code == 0, alone.output
    rows = {r.split(",")[0]: r.split(",") for r in alone.stdout.splitlines()}
    assert rows["w"][2:5] == ["no", "0", ""]
    # With it: w is authorized on 03-18..03-20 and its US$20.00 of 03-19 is in the file.
    done = CliRunner().invoke(cli, ["compass", "export", "creators", *where, *logged])
    assert done.exit_code == 0, done.output
    rows = {r.split(",")[0]: r.split(",") for r in done.stdout.splitlines()}
    assert rows["w"][2:7] == ["yes", "3", "20.0", "0.0", "1"]
    products = CliRunner().invoke(cli, ["compass", "products", *where, *logged, "--format=json"])
    assert products.exit_code == 0, products.output
    with StateStore.open(state_url) as state, state.reading() as session:
        entries = sorted(
            (e.login, e.creator_id, e.via, e.days, e.what)
            for e in AccessLog(session).list(AccessQuery())
        )
    # The export read the range (a: 10 days, w: 03-18..03-20); the products both periods
    # (a: 03-01..03-20, 20 days; w: 3 days, none before).
    assert entries == [
        ("carol", "a", "cli", 10, "export creators 2024-03-11..2024-03-20"),
        ("carol", "a", "cli", 20, "products 2024-03-11..2024-03-20"),
        ("carol", "w", "cli", 3, "export creators 2024-03-11..2024-03-20"),
        ("carol", "w", "cli", 3, "products 2024-03-11..2024-03-20"),
    ]
