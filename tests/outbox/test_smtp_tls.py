"""E-mail over STARTTLS and implicit TLS with credentials, to a real aiosmtpd server with a
certificate made here (openssl) and trusted through `TIERWISE_SMTP_CA_FILE`; a server whose
certificate is not trusted, or that refuses the credentials, is retried, never sent in the
clear."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.outbox.conftest import T0, Mailbox, free_port, write_channels
from tierwise.outbox.channels import SmtpSettings, load_channels
from tierwise.outbox.transport import Letter, send_email

LETTER = Letter(
    id=7,
    recipient="P1",
    program_id="buyin-mcn",
    period="2026-11",
    kind="level_changed",
    language="zh",
    subject="百应MCN：您2026-11的等级为V3",
    body="您在百应MCN中2026-11的等级为V3。",
    created_at=T0,
    notice={},
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"ops", b"pw")
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(
    request: pytest.FixtureRequest, certificate: tuple[Path, Path]
) -> Iterator[tuple[str, Mailbox, int]]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box, port = Mailbox(), free_port()
    options: dict[str, Any] = {"authenticator": _authenticate}
    if request.param == "starttls":
        options.update(tls_context=context, require_starttls=True, auth_require_tls=True)
    else:  # the whole connection is TLS (aiosmtpd's flag means STARTTLS done)
        options.update(ssl_context=context, auth_require_tls=False)
    controller = Controller(box, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield request.param, box, port
    finally:
        controller.stop()


def _smtp(folder: Path, security: str, port: int, password: str, ca: Path | None) -> SmtpSettings:
    """The settings a deployment's environment gives (`ca`: the certificate to trust)."""
    env = {
        "TIERWISE_SMTP_HOST": "127.0.0.1",
        "TIERWISE_SMTP_PORT": str(port),
        "TIERWISE_SMTP_SECURITY": security,
        "TIERWISE_SMTP_USER": "ops",
        "TIERWISE_SMTP_PASSWORD": password,
        "TIERWISE_SMTP_FROM": "levels@platform.example",
        "TIERWISE_SMTP_TIMEOUT": "5",
        **({"TIERWISE_SMTP_CA_FILE": str(ca)} if ca is not None else {}),
    }
    path = write_channels(folder / "c.yaml", "recipients:\n  P1: {email: [ops@agency.example]}\n")
    smtp = load_channels(path, env).smtp
    assert smtp is not None
    return smtp


def test_tls_with_credentials_delivers_utf8_mail(
    tls_server: tuple[str, Mailbox, int], certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    security, box, port = tls_server
    smtp = _smtp(tmp_path, security, port, "pw", certificate[0])
    outcome = send_email(smtp, ("ops@agency.example",), LETTER)
    assert outcome.verdict == "delivered", outcome.detail
    ((to, raw),) = box.mails
    mail = message_from_bytes(raw.as_bytes(), policy=policy.default)
    assert to == ["ops@agency.example"]
    assert mail["Subject"] == "百应MCN：您2026-11的等级为V3"
    assert mail["Message-ID"] == "<tierwise-outbox-7@platform.example>"
    body = mail.get_body()
    assert body is not None and body.get_content().strip() == "您在百应MCN中2026-11的等级为V3。"


def test_refused_credentials_and_an_untrusted_certificate_are_retried(
    tls_server: tuple[str, Mailbox, int], certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    security, box, port = tls_server
    wrong = _smtp(tmp_path, security, port, "nope", certificate[0])
    outcome = send_email(wrong, ("ops@agency.example",), LETTER)
    assert (outcome.verdict, outcome.detail) == ("retry", "smtp: credentials refused (535)")
    untrusted = _smtp(tmp_path, security, port, "pw", None)  # the system's store: unknown
    outcome = send_email(untrusted, ("ops@agency.example",), LETTER)
    assert outcome.verdict == "retry"
    assert "CERTIFICATE_VERIFY_FAILED" in outcome.detail
    assert box.mails == []
