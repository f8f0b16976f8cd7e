"""The consent workflow and the access log through the REST API and the CLI, on both state
engines: every route × partner, other partner, creator, other creator, operator, seller
and anonymous; other partners' and creators' requests answer 404; refusals are problem
documents naming the reason.

The world: partner A (TH) bound since 2024-01-01 to c0, c1 (TH) and u0 (US); partner B
(CN) bound to b0. The clock starts at 2024-09-02 00:00Z (07:00 in Bangkok)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tierwise.accounts import Accounts, NewUser
from tierwise.compass import service
from tierwise.compass.days import DayRange, VisibleDays
from tierwise.compass.service import record_access
from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore
from tierwise.partners.catalog import Catalog
from tierwise.server.app import create_app
from tierwise.store import EventStore
from tierwise.testing.scenarios import export
from tierwise.testing.world import World
from tierwise.web.context import Portal

PASSWORD = "correct horse battery"
T0 = datetime(2024, 9, 2, tzinfo=UTC)
PERIOD = {"period_from": "2024-08-01", "period_to": "2024-08-31"}
USERS = {
    "partner": NewUser("agency-a", "A user", "partner", partner_id="A"),
    "other_partner": NewUser("agency-b", "B user", "partner", partner_id="B"),
    "creator": NewUser("creator-c0", "c0", "creator", creator_id="c0"),
    "other_creator": NewUser("creator-c1", "c1", "creator", creator_id="c1"),
    "operator": NewUser("op", "Olga", "operator"),
    "seller": NewUser("seller-s0", "S0", "seller", seller_id="S0"),
}


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def events_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("consent-world")
    w = World()
    w.partner("A", kind="tsp", market="TH", joined_on=date(2024, 1, 1))
    w.partner("B", market="CN", joined_on=date(2024, 1, 1))
    w.seller("S0")
    for creator, region, partner in (("c0", "TH", "A"), ("c1", "TH", "A"), ("u0", "US", "A")):
        w.creator(creator, region=region)
        w.bind(partner, creator, started_on=date(2024, 1, 1))
    w.creator("b0")
    w.bind("B", "b0", started_on=date(2024, 1, 1))
    db = folder / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(export(w, folder / "data"))
    return db


@dataclass
class Api:
    client: TestClient
    clock: Clock
    state: StateStore
    db: Path
    state_url: str
    tokens: dict[str, dict[str, str]]

    def call(self, who: str, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        reply = self.client.request(
            method, f"/api/v1/compass{path}", headers=self.tokens.get(who, {}), **kw
        )
        return reply.status_code, reply.json()

    def ask(self, who: str = "partner", creator: str = "c0") -> tuple[int, Any]:
        return self.call(who, "POST", "/requests", json={"creator_id": creator, **PERIOD})


@pytest.fixture
def api(state_url: str, events_db: Path) -> Iterator[Api]:
    clock = Clock(T0)
    state = StateStore.open(state_url, clock=clock)
    with state.session() as session:
        accounts = Accounts(session)
        for user in USERS.values():
            accounts.add(user, PASSWORD)
    portal = Portal(state, Catalog.from_file(events_db), {}, events_db)
    with TestClient(create_app(portal), follow_redirects=False) as client:
        tokens = {}
        for role, user in USERS.items():
            reply = client.post("/api/v1/tokens", json={"login": user.login, "password": PASSWORD})
            assert reply.status_code == 201, reply.text
            tokens[role] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        yield Api(client, clock, state, events_db, state_url, tokens)
    state.close()


def detail(body: object) -> str:
    assert isinstance(body, dict)
    return str(body["detail"])


def test_the_whole_workflow_through_the_api(api: Api) -> None:
    status, made = api.ask()
    assert status == 201, made
    assert isinstance(made, dict)
    request_id = made["request_id"]
    assert (made["status"], made["partner_id"], made["creator_id"]) == ("pending", "A", "c0")
    assert made["expires_at"] == "2024-09-09T00:00:00+00:00"
    # Only the creator of the request may answer; another creator is told it does not exist.
    assert api.call("other_creator", "POST", f"/requests/{request_id}/approve")[0] == 404
    assert api.call("other_partner", "GET", f"/requests/{request_id}")[0] == 404
    api.clock.at = T0 + timedelta(hours=1)
    status, answered = api.call("creator", "POST", f"/requests/{request_id}/approve")
    assert status == 200 and isinstance(answered, dict) and answered["status"] == "approved"
    assert answered["responded_at"] == "2024-09-02T01:00:00+00:00"
    status, again = api.call("creator", "POST", f"/requests/{request_id}/decline")
    assert status == 409 and "is approved" in detail(again)
    api.clock.at = T0 + timedelta(days=3)
    status, revoked = api.call("creator", "POST", f"/requests/{request_id}/revoke")
    assert status == 200 and isinstance(revoked, dict)
    assert (revoked["status"], revoked["revoked_by"]) == ("revoked", "creator")
    status, refused = api.call("partner", "POST", f"/requests/{request_id}/withdraw")
    assert status == 409 and "only an approval can be withdrawn" in detail(refused)
    with api.state.session() as session:
        actions = [e.action for e in AuditLog(session).entries()]
        assert actions == ["compass_request", "compass_approve", "compass_revoke"]
        assert AuditLog(session).verify().ok


def test_refusals_name_the_reason(api: Api) -> None:
    status, body = api.ask(creator="u0")
    assert status == 409 and "region US" in detail(body)
    # B's creator, or nobody's: the same 404 for partner A.
    for creator in ("b0", "nobody"):
        status, body = api.ask(creator=creator)
        assert status == 404 and detail(body) == f"no creator {creator!r}"
    status, body = api.call(
        "partner",
        "POST",
        "/requests",
        json={"creator_id": "c0", "period_from": "2024-08-31", "period_to": "2024-08-01"},
    )
    assert status == 422 and "ends before it starts" in detail(body)
    assert api.ask()[0] == 201
    status, body = api.ask()
    assert status == 409 and "still pending" in detail(body)


def test_an_answer_at_168_hours_is_a_conflict(api: Api) -> None:
    _, made = api.ask()
    assert isinstance(made, dict)
    api.clock.at = T0 + timedelta(hours=168)
    status, body = api.call("creator", "POST", f"/requests/{made['request_id']}/approve")
    assert status == 409 and "expired at 2024-09-09 00:00:00 UTC" in detail(body)
    status, listed = api.call("partner", "GET", "/requests?status=expired")
    assert status == 200 and [r["request_id"] for r in listed] == [made["request_id"]]


ROLE_STATUS = {
    # route: (method, path, {caller: status}); callers not named get the default.
    "create": ("POST", "/requests", {"partner": 201, "other_partner": 404}, 403),
    "list": (
        "GET",
        "/requests",
        {
            "partner": 200,
            "other_partner": 200,
            "creator": 200,
            "other_creator": 200,
            "operator": 200,
        },
        403,
    ),
    "get": (
        "GET",
        "/requests/{id}",
        {
            "partner": 200,
            "other_partner": 404,
            "creator": 200,
            "other_creator": 404,
            "operator": 200,
        },
        403,
    ),
    "approve": ("POST", "/requests/{id}/approve", {"creator": 200, "other_creator": 404}, 403),
    "withdraw": ("POST", "/requests/{id}/withdraw", {"partner": 409, "other_partner": 404}, 403),
    "access-log": (
        "GET",
        "/access-log",
        {"creator": 200, "other_creator": 200, "operator": 200},
        403,
    ),
}
CALLERS = (*USERS, "anonymous")


def test_routes_by_caller(api: Api) -> None:
    for route, (method, path, allowed, default) in ROLE_STATUS.items():
        for caller in CALLERS:
            # A fresh pending request of A to c0 for each caller: the one before is declined.
            for old in service.requests(api.state, creator_id="c0", statuses=("pending",)):
                service.move(
                    api.state,
                    old["request_id"],
                    "decline",
                    actor="c0",
                    markets={},
                    creator_id="c0",
                )
            made: object = {"request_id": "-"}
            if route != "create":
                status, made = api.ask()
                assert status == 201, made
            assert isinstance(made, dict)
            want = 401 if caller == "anonymous" else allowed.get(caller, default)
            body = {"json": {"creator_id": "c0", **PERIOD}} if route == "create" else {}
            status, reply = api.call(caller, method, path.format(id=made["request_id"]), **body)
            assert status == want, (route, caller, reply)
            if status >= 400:
                assert isinstance(reply, dict) and reply["status"] == status


def test_lists_hold_the_callers_own_requests_only(api: Api) -> None:
    _, mine = api.ask()
    _, theirs = api.ask("other_partner", "b0")
    _, other = api.ask(creator="c1")
    assert isinstance(mine, dict) and isinstance(theirs, dict) and isinstance(other, dict)

    def ids(who: str, query: str = "") -> set[str]:
        status, listed = api.call(who, "GET", f"/requests{query}")
        assert status == 200, listed
        assert isinstance(listed, list)
        return {r["request_id"] for r in listed}

    assert ids("partner") == {mine["request_id"], other["request_id"]}
    assert ids("other_partner") == {theirs["request_id"]}
    assert ids("creator") == {mine["request_id"]}
    assert ids("other_creator") == {other["request_id"]}
    assert ids("operator") == {mine["request_id"], theirs["request_id"], other["request_id"]}
    assert ids("operator", "?partner_id=B") == {theirs["request_id"]}
    assert api.call("seller", "GET", "/requests")[0] == 403
    assert api.call("partner", "GET", "/requests?partner_id=B")[0] == 404
    assert api.call("creator", "GET", "/requests?creator_id=c1")[0] == 404


def test_the_access_log_a_creator_sees_and_an_operator_queries(api: Api) -> None:
    days = VisibleDays((DayRange(date(2024, 8, 1), date(2024, 8, 10)),))
    api.clock.at = datetime(2024, 9, 3, 5, tzinfo=UTC)
    entry = record_access(
        api.state,
        login="agency-a",
        role="partner",
        partner_id="A",
        creator_id="c0",
        days=days,
        via="api",
        what="overview",
    )
    assert entry is not None
    nothing = record_access(
        api.state,
        login="agency-a",
        role="partner",
        partner_id="A",
        creator_id="c1",
        days=VisibleDays(),
        via="page",
        what="overview",
    )
    assert nothing is None  # no visible day read, no number read
    status, page = api.call("creator", "GET", "/access-log")
    assert status == 200 and isinstance(page, dict) and page["total"] == 1
    (item,) = page["items"]
    assert (item["login"], item["partner_id"], item["first_day"], item["last_day"]) == (
        "agency-a",
        "A",
        "2024-08-01",
        "2024-08-10",
    )
    assert (item["days"], item["via"], item["at"]) == (10, "api", "2024-09-03T05:00:00+00:00")
    assert api.call("other_creator", "GET", "/access-log")[1]["total"] == 0
    assert api.call("other_creator", "GET", "/access-log?creator_id=c0")[0] == 404
    assert api.call("operator", "GET", "/access-log?partner_id=A")[1]["total"] == 1
    later = "/access-log?since=2024-09-03T05:00:01"
    assert api.call("operator", "GET", later)[1]["total"] == 0
    assert api.call("partner", "GET", "/access-log")[0] == 403


# -- the CLI ---------------------------------------------------------------------------------


def test_the_cli_workflow_and_its_refusals(api: Api) -> None:
    from tierwise.cli import _COMMAND_MODULES, app

    for name in _COMMAND_MODULES:
        __import__(name)
    runner = CliRunner()
    where = ["--db", str(api.db), "--state", api.state_url]

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, ["compass", *args])
        return result.exit_code, result.stdout, result.stderr

    code, out, err = run(
        "request",
        "--partner",
        "A",
        "--creator",
        "c0",
        "--from",
        "2024-08-01",
        "--to",
        "2024-08-31",
        "--format",
        "json",
        *where,
    )
    assert code == 0, err
    import json

    (made,) = json.loads(out)
    assert made["status"] == "pending"
    code, out, err = run(
        "request",
        "--partner",
        "A",
        "--creator",
        "c0",
        "--from",
        "2024-08-01",
        "--to",
        "2024-08-31",
        *where,
    )
    assert (code, out) == (1, "") and "still pending" in err
    code, out, err = run("approve", made["request_id"], "--creator", "c1", *where)
    assert (code, out) == (1, "") and f"no request '{made['request_id']}'" in err
    code, out, err = run(
        "approve", made["request_id"], "--creator", "c0", "--format", "json", *where
    )
    assert code == 0, err
    assert json.loads(out)[0]["status"] == "approved"
    code, out, err = run(
        "withdraw", made["request_id"], "--partner", "A", "--format", "json", *where
    )
    assert code == 0, err
    assert json.loads(out)[0]["status"] == "withdrawn"
    code, out, err = run(
        "requests", "--creator", "c0", "--format", "json", "--state", api.state_url
    )
    assert code == 0 and [r["status"] for r in json.loads(out)] == ["withdrawn"]
    code, out, err = run(
        "access-log", "--creator", "c0", "--format", "json", "--state", api.state_url
    )
    assert (code, json.loads(out)) == (0, [])
    code, out, err = run("requests", "--status", "lost", "--state", api.state_url)
    assert (code, out) == (1, "") and "--status 'lost'" in err
