"""Failed deliveries as operators see them — the API filtered by delivery state, a
message's deliveries, the outbox page — and their retry from the API, the page and the
CLI, each recorded in the audit log; partners see none of it."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

import tierwise.cli.operate
from tests.outbox.conftest import SECRET, Receiver, queue, write_channels
from tests.web.test_pages import hidden, sign_in
from tierwise.accounts import Accounts, NewUser
from tierwise.cli.app import app as cli_app
from tierwise.db.audit import AuditLog
from tierwise.outbox.channels import load_channels
from tierwise.outbox.sender import Sender
from tierwise.server.app import create_app
from tierwise.testing.portal import PASSWORD
from tierwise.web.context import Portal

assert tierwise.cli.operate


def test_operators_see_failed_deliveries_and_retry_them(
    state_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.answer = lambda n: 404 if n == 0 else 200
    path = write_channels(
        tmp_path / "channels.yaml",
        f"webhooks:\n  crm: {{url: '{receiver.url}', secret_env: HOOK_SECRET}}\n"
        "recipients:\n  P1: {webhook: crm}\n",
    )
    channels = load_channels(path, {"HOOK_SECRET": SECRET})
    portal = Portal.open(state_url, None)
    with portal.state.session() as session:
        accounts = Accounts(session)
        accounts.add(NewUser("op", "Olga Operator", "operator"), PASSWORD)
        accounts.add(NewUser("agency-1", "Agency 1", "partner", partner_id="P1"), PASSWORD)
    refused, unrouted = queue(portal.state, ["P1", "P9"])
    sender = Sender(portal.state, channels)
    report = sender.send_due()
    assert (report.failed, report.unrouted, len(receiver.received)) == (1, 1, 1)

    application = create_app(portal, close_portal=True)
    with TestClient(application) as client:

        def token(login: str) -> dict[str, str]:
            reply = client.post("/api/v1/tokens", json={"login": login, "password": PASSWORD})
            return {"Authorization": f"Bearer {reply.json()['access_token']}"}

        op, partner = token("op"), token("agency-1")
        failed = client.get("/api/v1/outbox?delivery=failed", headers=op).json()
        assert (failed["total"], [m["id"] for m in failed["items"]]) == (2, [refused, unrouted])
        assert client.get("/api/v1/outbox?delivery=sent", headers=op).json()["total"] == 0
        rows = client.get(f"/api/v1/outbox/{refused}/deliveries", headers=op).json()
        assert rows == [
            {
                "channel": "webhook",
                "state": "failed",
                "attempts": 1,
                "last_error": "webhook crm: HTTP 404",
                "next_attempt_at": None,
                "sent_at": None,
                "target": "crm",
            }
        ]
        assert (
            client.get(f"/api/v1/outbox/{refused}/deliveries", headers=partner).status_code == 403
        )
        url = f"/api/v1/outbox/{refused}/retry"
        assert client.post(url, json={"reason": "x"}, headers=partner).status_code == 403
        assert client.post(url, json={}, headers=op).status_code == 422
        assert (
            client.post("/api/v1/outbox/999/retry", json={"reason": "r"}, headers=op).status_code
            == 404
        )
        retried = client.post(
            url, json={"reason": "endpoint fixed", "channel": "webhook"}, headers=op
        )
        assert retried.status_code == 200, retried.text
        assert [(r["state"], r["attempts"]) for r in retried.json()] == [("pending", 0)]
        again = client.post(url, json={"reason": "twice"}, headers=op)
        assert again.status_code == 409
        assert "has no failed delivery" in again.json()["detail"]

        assert sender.send_due().sent == 1
        sent = client.get("/api/v1/outbox?delivery=sent", headers=op).json()
        assert [m["id"] for m in sent["items"]] == [refused]
        assert [m["status"] for m in sent["items"]] == ["sent"]

        # The page: the unrouted message with its reason and a retry form.
        browser = sign_in(application, "op")
        page = browser.get("/operator/outbox?delivery=failed")
        assert page.status_code == 200
        assert f'data-testid="retry-{unrouted}"' in page.text
        assert f'data-testid="retry-{refused}"' not in page.text
        assert "no channel for recipient &#39;P9&#39; in the channels file" in page.text
        form = {
            "reason": "P9 added to channels.yaml",
            "csrf_token": hidden(page.text, "csrf_token"),
        }
        posted = browser.post(
            f"/operator/outbox/{unrouted}/retry", data=form, follow_redirects=False
        )
        assert posted.status_code == 303
        assert posted.headers["location"] == "/operator/outbox?delivery=failed&flash=retried"
        assert f'data-testid="retry-{unrouted}"' not in browser.get(posted.headers["location"]).text
        refused_again = browser.post(f"/operator/outbox/{unrouted}/retry", data=form)
        assert refused_again.status_code == 409

        with portal.state.session() as session:  # before the app's shutdown closes the store
            entries = AuditLog(session).entries(since=0, limit=10)
    retries = [(e.actor, e.action, e.object, e.reason) for e in entries]
    assert retries == [
        ("op", "outbox_retry", f"outbox/{refused}", "endpoint fixed"),
        ("op", "outbox_retry", f"outbox/{unrouted}", "P9 added to channels.yaml"),
    ]
    assert json.loads(entries[0].before or "null")[0]["last_error"] == "webhook crm: HTTP 404"


def test_the_cli_lists_failed_deliveries_and_retries_one(
    state_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.answer = lambda n: 410
    path = write_channels(
        tmp_path / "channels.yaml",
        f"webhooks:\n  crm: {{url: '{receiver.url}', secret_env: HOOK_SECRET}}\n"
        "recipients:\n  P1: {webhook: crm}\n",
    )
    env = {"HOOK_SECRET": SECRET}
    runner = CliRunner()
    with_state = ["--state", state_url]
    queue_url = Portal.open(state_url, None)
    (message_id,) = queue(queue_url.state, ["P1"])
    queue_url.close()
    sent = runner.invoke(
        cli_app, ["outbox", "send", "--once", "--channels", str(path), *with_state], env=env
    )
    assert sent.exit_code == 0, sent.output
    assert "0 sent, 0 to retry, 1 failed (1 new message(s) routed" in sent.output
    listed = runner.invoke(
        cli_app, ["outbox", "deliveries", "--state", "failed", "--format", "json", *with_state]
    )
    rows = json.loads(listed.output)
    assert [(r["id"], r["channel"], r["last_error"]) for r in rows] == [
        (message_id, "webhook", "webhook crm: HTTP 410")
    ]
    retry = ["outbox", "retry", str(message_id), "--reason", "receiver back", *with_state]
    retried = runner.invoke(cli_app, retry)
    assert (retried.exit_code, retried.output.split()) == (
        0,
        [str(message_id), "webhook", "pending"],
    )
    again = runner.invoke(cli_app, retry)
    assert again.exit_code == 1
    assert f"message {message_id} has no failed delivery" in again.output
    bad = runner.invoke(cli_app, ["outbox", "send", "--once", *with_state], env={})
    assert bad.exit_code == 1
    assert "no channels file" in bad.output
