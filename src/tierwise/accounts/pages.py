"""Signing in and out of the portal, the landing page of each role, changing one's
password, the operator's users with their reset links, and the reset form those open."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import RedirectResponse

from tierwise.accounts import MIN_PASSWORD, SESSION_TTL, Accounts, Principal
from tierwise.accounts.handlers import (
    change_password,
    issue_reset,
    redeem_reset,
    reset_login,
    reset_url,
    sign_in,
)
from tierwise.web.context import Portal
from tierwise.web.forms import ShortText, flash_of, form_error
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
    _hold_session(reply, portal, token)
    reply.delete_cookie(
        LOGIN_CSRF_COOKIE, path="/login", secure=portal.secure_cookies, httponly=True
    )
    return reply


def _hold_session(reply: Response, portal: Portal, token: str) -> None:
    reply.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=portal.secure_cookies,
        path="/",
    )


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


PasswordField = Annotated[str, Form(max_length=1024)]
#: A page that shows or carries a reset link's secret: never cached, never sent onwards.
_SECRET_PAGE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _password_form(request: Request, problem: Problem | None = None) -> Response:
    page = render(
        request,
        "account_password.html",
        {
            "flash": flash_of(request),
            "form_error": form_error(problem) if problem else None,
            "min_password": MIN_PASSWORD,
        },
        status_code=problem.status if problem else 200,
    )
    if problem is not None:
        page.headers.update(problem.headers)
    return page


@router.get("/account/password", name="page.account.password")
def password_page(request: Request, principal: PageUser) -> Response:
    return _password_form(request)


@router.post("/account/password", name="page.account.password.submit")
def password_submit(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    current_password: PasswordField,
    new_password: PasswordField,
    confirm_password: PasswordField,
) -> Response:
    """Change one's password: every session of the user ends (other browsers, API tokens);
    this browser gets a new session so the user stays signed in here."""
    try:
        if new_password != confirm_password:
            raise Problem(422, "the new password and its confirmation differ")
        change_password(portal, principal, current_password, new_password)
    except Problem as problem:
        return _password_form(request, problem)
    _, token = sign_in(portal, principal.login, new_password, "session")
    reply = RedirectResponse("/account/password?flash=password_changed", status_code=303)
    _hold_session(reply, portal, token)
    return reply


def _users_page(
    request: Request,
    portal: Portal,
    reset: dict[str, object] | None = None,
    problem: Problem | None = None,
) -> Response:
    with portal.state.reading() as session:
        users = [
            {
                "login": u.login,
                "name": u.name,
                "role": u.role,
                "subject": u.partner_id or u.creator_id or u.seller_id or "",
                "active": u.active,
            }
            for u in Accounts(session).list()
        ]
    page = render(
        request,
        "operator_users.html",
        {"users": users, "reset": reset, "form_error": form_error(problem) if problem else None},
        status_code=problem.status if problem else 200,
    )
    if reset is not None:
        page.headers.update(_SECRET_PAGE)
    return page


@router.get("/operator/users", name="page.operator.users")
def operator_users(request: Request, portal: PortalDep, principal: PageUser) -> Response:
    """Who can sign in, and a one-time reset link for anyone who lost a password."""
    return _users_page(request, portal)


@router.post("/operator/users/reset", name="page.operator.users.reset")
def operator_reset(
    request: Request, portal: PortalDep, principal: PageUser, login: ShortText
) -> Response:
    """Make a reset link and show it once (audited; only its hash is stored)."""
    try:
        token, expires = issue_reset(portal, principal, login.strip())
    except Problem as problem:
        return _users_page(request, portal, problem=problem)
    reset = {"login": login.strip(), "url": reset_url(request, token), "expires_at": expires}
    return _users_page(request, portal, reset=reset)


ResetToken = Annotated[str, Path(min_length=1, max_length=200)]


def _reset_form(
    request: Request, token: str, login: str | None, problem: Problem | None = None
) -> Response:
    status = problem.status if problem else (200 if login else 404)
    page = render(
        request,
        "reset.html",
        {
            "token": token,
            "reset_login": login,
            "min_password": MIN_PASSWORD,
            "form_error": form_error(problem) if problem else None,
        },
        status_code=status,
    )
    page.headers.update(_SECRET_PAGE)
    return page


@router.get("/reset/{token}", name="page.reset")
def reset_page(request: Request, portal: PortalDep, token: ResetToken) -> Response:
    """The form an operator's link opens (404 when the link is unknown, used or expired)."""
    return _reset_form(request, token, reset_login(portal, token))


@router.post("/reset/{token}", name="page.reset.submit")
def reset_submit(
    request: Request,
    portal: PortalDep,
    token: ResetToken,
    new_password: PasswordField,
    confirm_password: PasswordField,
) -> Response:
    """Set the new password (the link then stops working) and go to the sign-in form."""
    login = reset_login(portal, token)
    try:
        if login is None:
            raise Problem(404, "this reset link is unknown, used or expired: ask an operator")
        if new_password != confirm_password:
            raise Problem(422, "the new password and its confirmation differ")
        redeem_reset(portal, token, new_password)
    except Problem as problem:
        return _reset_form(request, token, login, problem)
    reply = RedirectResponse("/login?reset=1", status_code=303)
    reply.headers.update(_SECRET_PAGE)
    return reply
