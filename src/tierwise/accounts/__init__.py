"""Who signs in: users with one role each, argon2id password hashes, browser sessions and
API tokens stored only as hashes, and a login throttle that slows guessing without ever
locking an account for good.

    accounts = Accounts(session)
    user = accounts.add(NewUser(login="ops", name="Ops", role="operator"), password)
    principal, token = accounts.sign_in("ops", password, kind="token")   # or "session"
    accounts.principal(token, kind="token")                               # -> Principal | None
    accounts.sign_out(token)
    accounts.change_password("ops", password, new_password)   # every credential ends
    user, secret, expires = accounts.issue_reset("ops")       # a one-time link's secret
    accounts.redeem_reset(secret, new_password)
"""

from tierwise.accounts.principal import ROLES, Principal, Role
from tierwise.accounts.service import (
    MIN_PASSWORD,
    RESET_TTL,
    SESSION_TTL,
    TOKEN_TTL,
    Accounts,
    BadCredentials,
    NewUser,
    Throttled,
    prepare_sign_ins,
    throttle_delay,
)
from tierwise.core.errors import AccountError

__all__ = [
    "MIN_PASSWORD",
    "RESET_TTL",
    "ROLES",
    "SESSION_TTL",
    "TOKEN_TTL",
    "AccountError",
    "Accounts",
    "BadCredentials",
    "NewUser",
    "Principal",
    "Role",
    "Throttled",
    "prepare_sign_ins",
    "throttle_delay",
]
