"""Signing in and out of the portal, and the landing page of each role."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from tierwise.accounts import SESSION_TTL, Principal
from tierwise.accounts.handlers import sign_in
from tierwise.web.guard import SESSION_COOKIE, PageUser, PortalDep
from tierwise.web.problems import Problem
from tierwise.web.render import render

#: The login form's own CSRF defence (there is no session yet): a random value in a cookie
#: and in the form, which must match (double submit).
LOGIN_CSRF_COOKIE = "tierwise_login_csrf"


router = APIRouter()


def home_of(principal: Principal) -> str:
    if principal.role == "operator":
        return "/operator"
    if principal.role == "partner":
        return f"/partners/{principal.partner_id}/dashboard"
    if principal.role == "creator":
        return "/creator"
    return "/directory"


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def login_form(
    request: Request,
    status_code: int = 200,
    message_key: str | None = None,
    message_params: dict[str, object] | None = None,
    login: str = "",
) -> Response:
    token = secrets.token_urlsafe(24)
    target = request.query_params.get("next")
    if target is None and request.url.path not in ("/login", "/logout"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    page = render(
        request,
        "login.html",
        {
            "login_csrf": token,
            "next": _safe_next(target) or "",
            "message_key": message_key,
            "message_params": message_params or {},
            "login_value": login,
        },
        status_code=status_code,
    )
    # Secure like the session cookie: a login form's token sent over plain HTTP could be
    # read and replayed by whoever sits on the path.
    secure = request.app.state.portal.secure_cookies
    page.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/login"
    )
    return page


@router.get("/login", name="page.login")
def login_page(request: Request) -> Response:
    return login_form(request)


@router.post("/login", name="page.login.submit")
def login_submit(
    request: Request,
    portal: PortalDep,
    login: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    login_csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, login_csrf):
        return login_form(request, 403, "please_sign_in", login=login)
    try:
        principal, token = sign_in(portal, login, password, "session")
    except Problem as exc:
        if exc.status == 429:
            seconds = exc.headers.get("Retry-After", "60")
            page = login_form(request, 429, "throttled", {"seconds": seconds}, login)
            page.headers["Retry-After"] = seconds
            return page
        return login_form(request, 401, "wrong_login", login=login)
    reply = RedirectResponse(_safe_next(next) or home_of(principal), status_code=303)
    reply.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=portal.secure_cookies,
        path="/",
    )
    reply.delete_cookie(
        LOGIN_CSRF_COOKIE, path="/login", secure=portal.secure_cookies, httponly=True
    )
    return reply


@router.post("/logout", name="page.logout")
def logout(request: Request, portal: PortalDep, principal: PageUser) -> Response:
    """End the session: the cookie's token is revoked in the store, not just forgotten."""
    from tierwise.accounts import Accounts

    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with portal.state.session() as session:
            Accounts(session).sign_out(token)
    reply = RedirectResponse("/login?bye=1", status_code=303)
    reply.delete_cookie(SESSION_COOKIE, path="/")
    return reply


@router.get("/", name="page.home")
def home(principal: PageUser) -> Response:
    return RedirectResponse(home_of(principal), status_code=303)
