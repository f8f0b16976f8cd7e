"""What the API and the pages do alike with badges: list a partner's with their links,
and check a link (a forged one is a 404, the same as one that never existed)."""

from __future__ import annotations

from fastapi import Request

from tierwise.badges.claims import NotGenuine
from tierwise.badges.service import Badge, Verification, partner_badges, verify_badge
from tierwise.web.context import Portal
from tierwise.web.problems import Problem


def badges_of(portal: Portal, partner_id: str) -> list[Badge]:
    return partner_badges(portal.state, portal.programs, partner_id, portal.today())


def check(portal: Portal, link_id: str) -> Verification:
    names = {pid: p.name for pid, p in portal.catalog.partners.items()}
    try:
        return verify_badge(portal.state, portal.programs, names, link_id, portal.today())
    except NotGenuine as exc:
        raise Problem(404, str(exc)) from None


def verify_url(request: Request, link_id: str, *, api: bool = False) -> str:
    base = str(request.base_url).rstrip("/")
    return f"{base}/api/v1/verify/{link_id}" if api else f"{base}/verify/{link_id}"
