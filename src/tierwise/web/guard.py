"""The authorization choke point. Every route of the API and of the pages depends on one
of the two guards below (set on their routers, so no route can forget it): the route's
name is looked up in `tierwise.access.ACCESS`, a route without an entry is refused, the
caller is identified (bearer token for the API, session cookie for pages), its role is
checked, and a `{partner_id}` in the path is checked against what the caller may see —
another partner's object answers 404, the same as one that does not exist."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated, Literal

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tierwise.access import ACCESS, Rule, partner_visible
from tierwise.accounts import Accounts, Principal
from tierwise.web.context import Portal
from tierwise.web.problems import Problem

SESSION_COOKIE = "tierwise_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotSignedIn(Problem):
    """No valid credential: the API answers 401; pages answer 401 with the login form."""

    def __init__(self, kind: Literal["session", "token"]) -> None:
        headers = {"WWW-Authenticate": 'Bearer realm="tierwise"'} if kind == "token" else {}
        super().__init__(401, "sign in first", headers=headers)


def _portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


async def portal_of(request: Request) -> Portal:
    """The portal, as a dependency (async: no I/O, so no hop to the thread pool)."""
    return _portal(request)


async def read_session(request: Request) -> AsyncIterator[Session]:
    """The request's read-only unit of work. Made in the event loop (it connects on its
    first query, in the guard's thread) and closed in the thread pool: one hop, not two."""
    session = _portal(request).state.read_session()
    try:
        yield session
    finally:
        await anyio.to_thread.run_sync(session.close)


ReadSession = Annotated[Session, Depends(read_session)]


def rule_of(request: Request) -> Rule:
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    rule = ACCESS.get(name) if isinstance(name, str) else None
    if rule is None:
        # Deny by default: a route nobody listed is nobody's.
        raise Problem(403, "this route has no authorization rule")
    return rule


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def refuse_nul(request: Request) -> None:
    """A path or query value with a NUL character is refused (422, naming it) before it
    reaches a query: PostgreSQL text cannot hold one, and no id or filter contains one."""
    for where, items in (
        ("path", list(request.path_params.items())),
        ("query", request.query_params.multi_items()),
    ):
        for name, value in items:
            if isinstance(value, str) and "\x00" in value:
                raise Problem.field(f"{where}.{name}", "must not contain NUL characters")


def _authorize(
    request: Request, session: Session, rule: Rule, principal: Principal | None, kind: str
) -> Principal | None:
    if rule.public:
        refuse_nul(request)
        request.state.principal = principal
        return principal
    if principal is None:
        raise NotSignedIn("token" if kind == "token" else "session")
    # Known before any refusal, so an error page still shows who is signed in.
    request.state.principal = principal
    refuse_nul(request)
    if not rule.allows(principal.role):
        raise Problem(403, f"a {principal.role} user cannot do this")
    if rule.partner is not None:
        partner_id = request.path_params.get("partner_id", "")
        portal = _portal(request)
        if not partner_visible(
            principal, partner_id, rule.partner, portal.catalog, portal.programs.values()
        ):
            raise Problem(404, f"no partner {partner_id!r}")
    request.state.principal = principal
    return principal


def api_guard(request: Request, session: ReadSession) -> Principal | None:
    """The API's guard: bearer tokens only (a browser never sends one on its own, so the
    API needs no CSRF defence)."""
    rule = rule_of(request)
    token = bearer_token(request)
    principal = Accounts(session).principal(token, "token") if token else None
    return _authorize(request, session, rule, principal, "token")


def page_guard(request: Request, session: ReadSession) -> Principal | None:
    """The pages' guard: the session cookie."""
    rule = rule_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    principal = Accounts(session).principal(token, "session") if token else None
    return _authorize(request, session, rule, principal, "session")


async def csrf_guard(
    request: Request, principal: Annotated[Principal | None, Depends(page_guard)]
) -> None:
    """Forms posted with a session must carry the session's synchronizer token."""
    if request.method not in UNSAFE or principal is None or principal.csrf_token is None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, principal.csrf_token):
        raise Problem(403, "the form's CSRF token is missing or stale: reload the page")


def signed_in(principal: Principal | None) -> Principal:
    if principal is None:  # a public route asked for a principal: a programming error
        raise Problem(401, "sign in first")
    return principal


async def api_principal(principal: Annotated[Principal | None, Depends(api_guard)]) -> Principal:
    return signed_in(principal)


async def page_principal(principal: Annotated[Principal | None, Depends(page_guard)]) -> Principal:
    return signed_in(principal)


ApiUser = Annotated[Principal, Depends(api_principal)]
PageUser = Annotated[Principal, Depends(page_principal)]
PortalDep = Annotated[Portal, Depends(portal_of)]
