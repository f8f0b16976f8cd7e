"""The signed-in person as the rest of the system sees it: a role and the one subject
(partner, creator or seller) the role is about."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal["operator", "partner", "creator", "seller"]
ROLES: tuple[Role, ...] = get_args(Role)


@dataclass(frozen=True)
class Principal:
    user_id: int
    login: str
    name: str
    role: Role
    language: str
    partner_id: str | None = None
    creator_id: str | None = None
    seller_id: str | None = None
    #: The session's CSRF token (None for API tokens: a bearer header is not sent by a
    #: browser on its own, so it needs none).
    csrf_token: str | None = None

    @property
    def subject(self) -> str | None:
        return self.partner_id or self.creator_id or self.seller_id
