"""Schemathesis against the API's own OpenAPI document, as every role and anonymously.

A real server: uvicorn on a loopback port (`LiveServer`) over a world of this module's own
with its state in PostgreSQL (the production engine: what it refuses, SQLite would let
through) — schemathesis posts runs, decisions, appeals and publications, so the shared
world is not used. For each role, every operation gets positive and negative examples,
plus positive examples with real path ids (A, B, buyin-mcn, real runs) so that generated
requests also get past the 404s. Hypothesis is derandomized and has no example database:
the same requests on every run.

Checks: no server error, every status documented, the documented content type, and the
body valid against the documented schema."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import pg_create_database, pg_drop_database
from tests.web.conftest import LiveServer, make_app
from tierwise.accounts import Accounts
from tierwise.testing.portal import PortalSetup, build_portal
from tierwise.web.context import Portal

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROLES = ["anonymous", "operator", "partner", "creator", "seller"]
#: Examples per operation and role: generated from the schema (positive), violating it
#: (negative), and positive with real ids in the path.
POSITIVE, NEGATIVE, WITH_IDS = 20, 10, 10
#: At least this many requests per role (each operation × the passes above, less what
#: cannot be generated: an operation without parameters has no negative example); five
#: roles: at least 3,000 requests in all.
MIN_REQUESTS = 600
#: Operations that stream (Server-Sent Events, open as long as the client reads): not a
#: request and an answer, so not exercised here (tests/web/test_live_screen.py covers them).
STREAMING = frozenset({"GET /api/v1/compass/live/stream"})


@dataclass
class Served:
    server: LiveServer
    setup: PortalSetup
    portal: Portal
    schema: Any
    ids: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def token(self, role: str) -> str:
        """A fresh bearer token of the role's user, issued by the accounts service."""
        with self.portal.state.session() as session:
            accounts = Accounts(session)
            user = accounts.by_login(self.setup.logins[role])
            assert user is not None
            return accounts.issue(user, "token")[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = pg_create_database()
    try:
        setup = build_portal(tmp_path_factory.mktemp("schema"), url)
        app = make_app(setup)
        with LiveServer(app) as server:
            schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
            served = Served(server, setup, app.state.portal, schema)
            published = requests.get(
                f"{server.url}/api/v1/runs?status=published",
                headers={"Authorization": f"Bearer {served.token('operator')}"},
                timeout=10,
            ).json()["items"][0]["id"]
            served.ids["path"] = [
                {"partner_id": "A", "program_id": "buyin-mcn", "run_id": published},
                {"partner_id": "B", "program_id": "buyin-mcn", "run_id": setup.preview_run},
            ]
            yield served
        app.state.portal.close()
    finally:
        pg_drop_database(url)


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    per_operation: Counter[str] = field(default_factory=Counter)
    failures: dict[str, list[str]] = field(default_factory=dict)
    unsatisfiable: list[str] = field(default_factory=list)


def path_names(path: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", path))


@dataclass
class Caller:
    served: Served
    role: str
    session: requests.Session
    token: str | None

    def headers(self, fresh: bool) -> dict[str, str]:
        if self.token is None:
            return {}
        return {"Authorization": f"Bearer {self.served.token(self.role) if fresh else self.token}"}


def run_pass(
    caller: Caller,
    operation: Any,
    mode: GenerationMode,
    fixed: dict[str, str] | None,
    examples: int,
    tally: Tally,
) -> None:
    """One hypothesis run of `examples` cases of `operation`, every answer checked."""
    label = operation.label
    where = f"{label} ({mode.value}{', real ids' if fixed else ''})"
    # Signing out revokes the token: that operation gets one of its own each time.
    fresh = label == "DELETE /api/v1/tokens/current"

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def call(case: Any) -> None:
        headers = caller.headers(fresh)
        response = case.call(session=caller.session, headers=headers, timeout=30)
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        tally.per_operation[label] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as failure:
            found = tally.failures.setdefault(where, [])
            if len(found) < 3:
                found.append(str(failure)[:1500])

    try:
        call()
    except Unsatisfiable:  # nothing to violate (no parameters, or strings only)
        tally.unsatisfiable.append(where)


def exercise(served: Served, role: str, tally: Tally) -> None:
    with requests.Session() as session:
        token = None if role == "anonymous" else served.token(role)
        caller = Caller(served, role, session, token)
        operations = [result.ok() for result in served.schema.get_all_operations()]
        operations = [o for o in operations if o.label not in STREAMING]
        assert len(operations) >= 25
        for operation in operations:
            run_pass(caller, operation, GenerationMode.POSITIVE, None, POSITIVE, tally)
            run_pass(caller, operation, GenerationMode.NEGATIVE, None, NEGATIVE, tally)
            names = path_names(operation.path)
            if not names:
                continue
            share = max(1, WITH_IDS // len(served.ids["path"]))
            for ids in served.ids["path"]:
                fixed = {k: v for k, v in ids.items() if k in names}
                run_pass(caller, operation, GenerationMode.POSITIVE, fixed, share, tally)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_its_schema(served: Served, role: str) -> None:
    tally = Tally()
    started = time.perf_counter()
    exercise(served, role, tally)
    seconds = time.perf_counter() - started
    summary = (
        f"{role}: {tally.requests} requests in {seconds:.1f} s, "
        f"statuses {dict(sorted(tally.statuses.items()))}, "
        f"{len(tally.per_operation)} operations; no negative example for "
        f"{len(tally.unsatisfiable)} operation passes"
    )
    print(summary)
    assert not tally.failures, (
        "\n\n".join(f"{where}:\n{texts[0]}" for where, texts in tally.failures.items())
        + f"\n{summary}"
    )
    assert tally.requests >= MIN_REQUESTS, summary
    every = len(list(served.schema.get_all_operations()))
    assert len(tally.per_operation) == every - len(STREAMING), summary
    # Every role got past the front door somewhere, and was refused somewhere.
    if role == "anonymous":
        assert tally.statuses[401] > 0 and not set(tally.statuses) & {403, 409}, summary
    else:
        assert tally.statuses[200] > 0 and tally.statuses[404] > 0, summary
    if role in ("partner", "creator", "seller"):
        assert tally.statuses[403] > 0, summary


def test_nul_characters_are_refused_not_a_server_error(served: Served) -> None:
    """What schemathesis found on PostgreSQL (text cannot hold NUL: a 500 before the fix):
    a NUL in a path, query or body value is a 422 naming it; on the login form it is just a
    wrong login."""
    base = served.server.url
    operator = {"Authorization": f"Bearer {served.token('operator')}"}
    refused = {
        ("GET", "/api/v1/runs?program_id=a%00b", None): "query.program_id",
        ("GET", "/api/v1/decisions?program_id=%00", None): "query.program_id",
        ("GET", "/api/v1/outbox?partner_id=A%00", None): "query.partner_id",
        ("GET", "/api/v1/programs/buyin-mcn/distribution?period=2024%0008", None): "query.period",
        ("GET", "/api/v1/runs/run%00x", None): "path.run_id",
        ("GET", f"/api/v1/runs/{served.setup.preview_run}/diff?against=%00", None): "query.against",
        ("POST", "/api/v1/decisions", "reason"): "body.reason",
        ("POST", "/api/v1/appeals", "reason"): "body.reason",
        ("POST", "/api/v1/tokens", "login"): "body.login",
    }
    bodies = {
        "/api/v1/decisions": {
            "program_id": "buyin-mcn",
            "kind": "override",
            "partner_id": "B",
            "level": "V2",
            "mode": "floor",
        },
        "/api/v1/appeals": {"program_id": "buyin-mcn"},
        "/api/v1/tokens": {"password": served.setup.password},
    }
    with requests.Session() as session:
        for (method, path, nul_field), where in refused.items():
            body = None
            if nul_field is not None:
                body = {**bodies[path], nul_field: "op\x00"}
            reply = session.request(method, base + path, json=body, headers=operator, timeout=10)
            assert reply.status_code == 422, (path, reply.status_code, reply.text)
            assert reply.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in reply.json()["errors"]] == [where], reply.text
        form = session.get(f"{base}/login", timeout=10)
        found = re.search(r'name="login_csrf" value="([^"]*)"', form.text)
        assert found
        data = {"login": "op\x00", "password": "x", "login_csrf": found.group(1)}
        reply = session.post(f"{base}/login", data=data, allow_redirects=False, timeout=10)
        assert reply.status_code == 401 and "Wrong login or password" in reply.text
