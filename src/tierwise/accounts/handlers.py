"""What the API and the pages do alike with accounts: sign in (a token or a session),
change one's password, and an operator's one-time reset link — each a unit of work of its
own, audited where it changes a password, refusals as problems."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request

from tierwise.accounts import AccountError, Accounts, BadCredentials, Principal, Throttled
from tierwise.web.guard import PortalDep
from tierwise.web.problems import Problem

_BEARER = {"WWW-Authenticate": 'Bearer realm="tierwise"'}


def sign_in(portal: PortalDep, login: str, password: str, kind: str) -> tuple[Principal, str]:
    """Check the password in a unit of work of its own, so a failure is recorded for the
    throttle even though the request then fails."""
    if "\x00" in login:  # no login has one, and PostgreSQL text cannot hold it: no such user
        raise Problem(401, "wrong login or password", headers=_BEARER)
    with portal.state.session() as session:
        try:
            return Accounts(session).sign_in(
                login, password, "token" if kind == "token" else "session"
            )
        except Throttled as exc:
            failure: Problem = Problem(429, str(exc), headers={"Retry-After": str(exc.retry_after)})
        except BadCredentials as exc:
            failure = Problem(401, str(exc), headers=_BEARER)
    raise failure


def change_password(portal: PortalDep, principal: Principal, current: str, new: str) -> None:
    """The signed-in user's own change. A wrong current password is a failed sign-in
    (recorded, throttled: 403 or 429); every session and token of the user ends."""
    with portal.state.session() as session:
        try:
            Accounts(session).change_password(principal.login, current, new)
            return
        except Throttled as exc:
            failure = Problem(429, str(exc), headers={"Retry-After": str(exc.retry_after)})
        except BadCredentials:
            failure = Problem(403, "the current password is wrong")
        except AccountError as exc:  # too short, unchanged: nothing is stored
            raise Problem(422, str(exc)) from None
    raise failure


def issue_reset(portal: PortalDep, operator: Principal, login: str) -> tuple[str, datetime]:
    """An operator's one-time reset link secret for `login` and when it stops working."""
    with portal.state.session() as session:
        try:
            _, token, expires = Accounts(session).issue_reset(login, operator.login)
        except AccountError as exc:
            raise Problem(404, str(exc)) from None
    return token, expires


def redeem_reset(portal: PortalDep, token: str, password: str) -> str:
    """Set a password through a reset link (once); the login it belonged to."""
    with portal.state.session() as session:
        try:
            return Accounts(session).redeem_reset(token, password).login
        except AccountError as exc:
            raise Problem(422, str(exc)) from None


def reset_url(request: Request, token: str) -> str:
    """The link as the user reaches this server (behind a proxy: its forwarded host)."""
    return str(request.base_url).rstrip("/") + f"/reset/{token}"


def reset_login(portal: PortalDep, token: str) -> str | None:
    """Whose live reset link this is (None: it does not work)."""
    with portal.state.reading() as session:
        user = Accounts(session).reset_holder(token)
        return None if user is None else user.login
