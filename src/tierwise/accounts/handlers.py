"""Signing in for the REST API (a token) and the login form (a session) alike, throttled."""

from __future__ import annotations

from tierwise.accounts import Accounts, BadCredentials, Principal, Throttled
from tierwise.web.guard import PortalDep
from tierwise.web.problems import Problem


def sign_in(portal: PortalDep, login: str, password: str, kind: str) -> tuple[Principal, str]:
    """Check the password in a unit of work of its own, so a failure is recorded for the
    throttle even though the request then fails."""
    if "\x00" in login:  # no login has one, and PostgreSQL text cannot hold it: no such user
        raise Problem(
            401, "wrong login or password", headers={"WWW-Authenticate": 'Bearer realm="tierwise"'}
        )
    with portal.state.session() as session:
        try:
            return Accounts(session).sign_in(
                login, password, "token" if kind == "token" else "session"
            )
        except Throttled as exc:
            failure: Problem = Problem(429, str(exc), headers={"Retry-After": str(exc.retry_after)})
        except BadCredentials as exc:
            failure = Problem(
                401, str(exc), headers={"WWW-Authenticate": 'Bearer realm="tierwise"'}
            )
    raise failure
