"""Where messages go: the channels file (`$TIERWISE_OUTBOX_CHANNELS`, YAML) names each
recipient's e-mail addresses and webhook, the webhooks (URL, the environment variable
holding the signing secret, timeout) and the retry policy; the SMTP server comes from the
environment (`TIERWISE_SMTP_*`). Secrets are never in the file, only the names of the
variables that hold them.

    webhooks:
      agency-hub:
        url: https://hooks.agency.example/tierwise
        secret_env: TIERWISE_WEBHOOK_SECRET_AGENCY_HUB
        timeout_seconds: 10
    recipients:
      P001: {email: [ops@agency.example], webhook: agency-hub}
      "creator:C42": {email: [c42@example.com]}
      "*": {webhook: agency-hub}          # anyone not listed (optional)
    retry: {base_seconds: 60, cap_seconds: 3600, max_attempts: 8}

A recipient is an outbox row's `partner_id`: a partner's id, or `creator:<id>` for a
creator (`compass/messages.py`). Bad files are refused whole, naming the file, the entry
and the value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from tierwise.core.errors import TierwiseError

CHANNELS_ENV = "TIERWISE_OUTBOX_CHANNELS"
Channel = Literal["email", "webhook"]
Security = Literal["starttls", "ssl", "none"]
DEFAULT_PORTS: Mapping[Security, int] = {"starttls": 587, "ssl": 465, "none": 25}


class ChannelsError(TierwiseError):
    """The channels file or the SMTP settings cannot be used."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: attempt n failing waits `base × 2^(n-1)`, at most `cap`; after
    `max_attempts` the delivery is `failed` until an operator retries it."""

    base: timedelta = timedelta(seconds=60)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 8

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th attempt failed."""
        seconds = self.base.total_seconds() * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(self.cap.total_seconds(), seconds))


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str
    secret: bytes = field(repr=False)
    timeout: float = 10.0


@dataclass(frozen=True)
class Route:
    """One recipient's channels."""

    emails: tuple[str, ...] = ()
    webhook: Webhook | None = None

    @property
    def channels(self) -> tuple[Channel, ...]:
        named: list[Channel] = []
        if self.emails:
            named.append("email")
        if self.webhook is not None:
            named.append("webhook")
        return tuple(named)


@dataclass(frozen=True)
class SmtpSettings:
    """The SMTP server, from `TIERWISE_SMTP_HOST`, `_PORT`, `_SECURITY` (starttls, ssl,
    none), `_USER`, `_PASSWORD`, `_FROM`, `_TIMEOUT`, and `_CA_FILE` (certificates to trust
    instead of the system's, for a relay with a private CA)."""

    host: str
    port: int
    security: Security
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: str | None = None

    @property
    def domain(self) -> str:
        """The domain of Message-IDs: the sender's."""
        return parseaddr(self.sender)[1].rpartition("@")[2] or "tierwise.invalid"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings:
        host = env.get("TIERWISE_SMTP_HOST", "").strip()
        if not host:
            raise ChannelsError("e-mail is configured but TIERWISE_SMTP_HOST is not set")
        security = env.get("TIERWISE_SMTP_SECURITY", "starttls").strip().lower()
        if security not in DEFAULT_PORTS:
            raise ChannelsError(f"TIERWISE_SMTP_SECURITY={security!r}: use starttls, ssl or none")
        chosen: Security = security  # type: ignore[assignment]
        sender = env.get("TIERWISE_SMTP_FROM", "").strip()
        if "@" not in parseaddr(sender)[1]:
            raise ChannelsError(f"TIERWISE_SMTP_FROM={sender!r}: not an e-mail address")
        return cls(
            host=host,
            port=_number(env, "TIERWISE_SMTP_PORT", DEFAULT_PORTS[chosen]),
            security=chosen,
            sender=sender,
            user=env.get("TIERWISE_SMTP_USER") or None,
            password=env.get("TIERWISE_SMTP_PASSWORD") or None,
            timeout=float(_number(env, "TIERWISE_SMTP_TIMEOUT", 30)),
            ca_file=_readable(env, "TIERWISE_SMTP_CA_FILE"),
        )


def _readable(env: Mapping[str, str], name: str) -> str | None:
    text = env.get(name, "").strip()
    if text and not Path(text).is_file():
        raise ChannelsError(f"{name}={text!r}: no such file")
    return text or None


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) == 0:
        raise ChannelsError(f"{name}={text!r}: not a positive whole number")
    return int(text)


@dataclass(frozen=True)
class Channels:
    """Every recipient's route, the webhooks, the retry policy and the SMTP server."""

    routes: Mapping[str, Route]
    fallback: Route | None = None
    retry: RetryPolicy = RetryPolicy()
    smtp: SmtpSettings | None = None

    def route(self, recipient: str) -> Route:
        """The recipient's channels (none: an empty route)."""
        return self.routes.get(recipient) or self.fallback or Route()


# -- the file ------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _WebhookDoc(_Strict):
    url: str
    secret_env: Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url


class _RouteDoc(_Strict):
    email: list[str] = []
    webhook: str | None = None

    @field_validator("email")
    @classmethod
    def _addresses(cls, emails: list[str]) -> list[str]:
        for address in emails:
            parsed = parseaddr(address)[1]
            if parsed != address.strip() or "@" not in parsed or " " in parsed:
                raise ValueError(f"{address!r} is not an e-mail address")
        return emails


class _RetryDoc(_Strict):
    base_seconds: Annotated[float, Field(gt=0)] = 60
    cap_seconds: Annotated[float, Field(gt=0)] = 3600
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 8


class _ChannelsDoc(_Strict):
    webhooks: dict[str, _WebhookDoc] = {}
    recipients: dict[str, _RouteDoc] = {}
    retry: _RetryDoc = _RetryDoc()


def load_channels(path: Path, env: Mapping[str, str] | None = None) -> Channels:
    """Read and check the channels file; every problem names the file and the entry."""
    environ = os.environ if env is None else env
    try:
        raw = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise ChannelsError(f"{path}: cannot read the channels file ({exc})") from None
    try:
        doc = _ChannelsDoc.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ChannelsError(
            f"{path}: {where}: {first['msg']} (value {first.get('input')!r})"
        ) from None
    webhooks: dict[str, Webhook] = {}
    for name, hook in doc.webhooks.items():
        secret = environ.get(hook.secret_env, "")
        if not secret:
            raise ChannelsError(
                f"{path}: webhooks.{name}.secret_env: the environment variable "
                f"{hook.secret_env} is not set (it holds the webhook's signing secret)"
            )
        webhooks[name] = Webhook(name, hook.url, secret.encode(), hook.timeout_seconds)
    routes: dict[str, Route] = {}
    for recipient, route in doc.recipients.items():
        if route.webhook is not None and route.webhook not in webhooks:
            raise ChannelsError(
                f"{path}: recipients.{recipient}.webhook: no webhook {route.webhook!r} "
                f"(known: {', '.join(sorted(webhooks)) or 'none'})"
            )
        named = webhooks[route.webhook] if route.webhook is not None else None
        routes[recipient] = Route(tuple(route.email), named)
    fallback = routes.pop("*", None)
    needs_smtp = any(r.emails for r in [*routes.values(), *([fallback] if fallback else [])])
    retry = RetryPolicy(
        timedelta(seconds=doc.retry.base_seconds),
        timedelta(seconds=doc.retry.cap_seconds),
        doc.retry.max_attempts,
    )
    smtp = SmtpSettings.from_env(environ) if needs_smtp else None
    return Channels(routes, fallback, retry, smtp)


def channels_from_env(env: Mapping[str, str] | None = None) -> Channels | None:
    """The channels of `$TIERWISE_OUTBOX_CHANNELS` (None: delivery is not configured)."""
    environ = os.environ if env is None else env
    path = environ.get(CHANNELS_ENV, "").strip()
    return load_channels(Path(path), environ) if path else None
