"""Sending one message on one channel: an e-mail over SMTP, or a signed POST to a webhook.

Each carries the message id as its idempotency key — the e-mail's `Message-ID`
(`<tierwise-outbox-ID@DOMAIN>`) and the webhook's `Idempotency-Key` header and `id` field —
and the same bytes on every attempt, so a receiver that sees a message twice (a sender
killed between the send and its record) can tell it is the same one.

The webhook's signature: `Tierwise-Signature: v1=HEX`, HEX the HMAC-SHA256 of
`TIMESTAMP + "." + BODY` with the webhook's secret, TIMESTAMP the `Tierwise-Timestamp`
header (Unix seconds), so a receiver can refuse a replay older than it allows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Literal

from tierwise.outbox.channels import SmtpSettings, Webhook

Verdict = Literal["delivered", "retry", "failed"]
#: 4xx answers that mean "later", not "never".
RETRIED_4XX = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Letter:
    """What a channel sends: the outbox row's fields."""

    id: int
    recipient: str
    program_id: str
    period: str
    kind: str
    language: str
    subject: str
    body: str
    created_at: datetime
    notice: Any

    @property
    def key(self) -> str:
        return f"tierwise-outbox-{self.id}"


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    detail: str = ""


def webhook_body(letter: Letter) -> bytes:
    """The JSON POSTed: the same bytes for the same message, on every attempt."""
    doc = {
        "id": letter.id,
        "idempotency_key": letter.key,
        "recipient": letter.recipient,
        "program_id": letter.program_id,
        "period": letter.period,
        "kind": letter.kind,
        "language": letter.language,
        "subject": letter.subject,
        "body": letter.body,
        "created_at": letter.created_at.isoformat(),
        "notice": letter.notice,
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """`v1=` and the hex HMAC-SHA256 of `timestamp.body`."""
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook answers itself: a redirect would resend the POST somewhere unsigned-for."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_webhook(hook: Webhook, letter: Letter, at: datetime, attempt: int) -> Outcome:
    """POST the message; 2xx delivered, 408/425/429/5xx/timeouts retried, other answers
    (4xx, 3xx) failed for good."""
    body = webhook_body(letter)
    timestamp = str(int(at.timestamp()))
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "tierwise-outbox",
            "Idempotency-Key": letter.key,
            "Tierwise-Timestamp": timestamp,
            "Tierwise-Signature": signature(hook.secret, timestamp, body),
            "Tierwise-Attempt": str(attempt),
        },
    )
    try:
        with _OPENER.open(request, timeout=hook.timeout) as answer:
            status = int(answer.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:  # refused, reset, timeout, bad TLS
        return Outcome("retry", f"webhook {hook.name}: {type(exc).__name__}: {exc}")
    if 200 <= status < 300:
        return Outcome("delivered", f"webhook {hook.name}: HTTP {status}")
    verdict: Verdict = "retry" if status >= 500 or status in RETRIED_4XX else "failed"
    return Outcome(verdict, f"webhook {hook.name}: HTTP {status}")


def email_of(smtp: SmtpSettings, to: tuple[str, ...], letter: Letter) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = ", ".join(to)
    mail["Subject"] = letter.subject
    mail["Date"] = format_datetime(letter.created_at)
    mail["Message-ID"] = f"<{letter.key}@{smtp.domain}>"
    mail["X-Tierwise-Outbox-Id"] = str(letter.id)
    mail.set_content(letter.body, charset="utf-8")
    return mail


def send_email(smtp: SmtpSettings, to: tuple[str, ...], letter: Letter) -> Outcome:
    """Send over SMTP; a 5xx refusal of the message or every recipient fails for good,
    anything else (4xx, a dropped connection, a timeout, refused credentials) is retried."""
    mail = email_of(smtp, to, letter)
    context = ssl.create_default_context(cafile=smtp.ca_file)
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.user is not None:
                client.login(smtp.user, smtp.password or "")
            refused = client.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        return _refusal(exc.recipients)
    except smtplib.SMTPAuthenticationError as exc:
        return Outcome("retry", f"smtp: credentials refused ({exc.smtp_code})")
    except smtplib.SMTPResponseException as exc:
        verdict: Verdict = "failed" if exc.smtp_code >= 500 else "retry"
        return Outcome(verdict, f"smtp: {exc.smtp_code} {exc.smtp_error!r}")
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome("retry", f"smtp: {type(exc).__name__}: {exc}")
    if refused:
        return Outcome("delivered", f"smtp: some recipients refused {sorted(refused)}")
    return Outcome("delivered", "smtp: accepted")


def _refusal(recipients: dict[str, tuple[int, bytes]]) -> Outcome:
    detail = "; ".join(f"{who}: {code}" for who, (code, _) in sorted(recipients.items()))
    permanent = all(code >= 500 for code, _ in recipients.values())
    return Outcome("failed" if permanent else "retry", f"smtp: recipients refused ({detail})")
