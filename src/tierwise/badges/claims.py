"""A badge's claim and its signature: what a verification link says and the proof that
tierwise said it. Pure: the key is handed in, nothing is read or written.

A link is `b1.<claim>.<signature>`: the claim as canonical JSON in base64url, and an
HMAC-SHA256 of the version and the claim under the store's badge key, in base64url. The
same claim always gives the same link; changing one character of either part fails."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Literal

from tierwise.core.errors import TierwiseError

VERSION = "b1"
#: Longer than any link tierwise makes; a path longer than this is refused unread.
MAX_LINK = 600

ClaimKind = Literal["level", "award"]


class NotGenuine(TierwiseError):
    """The link was not signed by this service (forged, altered or truncated)."""


@dataclass(frozen=True)
class Claim:
    """`partner_id` holds `value` (a level or an award) of `program_id` for `period`: the
    published period of a level, the period an award was earned for."""

    kind: ClaimKind
    program_id: str
    partner_id: str
    period: str
    value: str

    def to_json(self) -> str:
        body = {
            "k": self.kind,
            "p": self.program_id,
            "id": self.partner_id,
            "t": self.period,
            "v": self.value,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, claim_part: str) -> bytes:
    return hmac.new(key, f"{VERSION}.{claim_part}".encode(), hashlib.sha256).digest()


def sign(claim: Claim, key: bytes) -> str:
    """The link's id for `claim`."""
    part = _b64(claim.to_json().encode())
    return f"{VERSION}.{part}.{_b64(_mac(key, part))}"


def verify(link: str, key: bytes) -> Claim:
    """The claim a genuine link makes; `NotGenuine` for anything else. The signature is
    checked (in constant time) before the claim is read."""
    parts = link.split(".")
    if len(link) > MAX_LINK or len(parts) != 3 or parts[0] != VERSION:
        raise NotGenuine("not a tierwise badge link")
    _, part, signature = parts
    try:
        sent = _unb64(signature)
    except (binascii.Error, ValueError):
        raise NotGenuine("not a tierwise badge link") from None
    # Only the one spelling of the signature (base64's spare bits could give others).
    if _b64(sent) != signature or not hmac.compare_digest(sent, _mac(key, part)):
        raise NotGenuine("the badge's signature does not match: it was not issued here")
    body = json.loads(_unb64(part))
    return Claim(
        kind=body["k"],
        program_id=body["p"],
        partner_id=body["id"],
        period=body["t"],
        value=body["v"],
    )
