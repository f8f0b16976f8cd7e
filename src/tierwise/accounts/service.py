"""Accounts over the state store: users, credentials and the login throttle."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal, Protocol, cast

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from tierwise.accounts.principal import ROLES, Principal, Role
from tierwise.core.errors import AccountError
from tierwise.db.audit import AuditLog
from tierwise.db.engine import hold_until_commit, now
from tierwise.db.models import Credential, LoginFailure, User

CredentialKind = Literal["session", "token"]

SESSION_TTL = timedelta(hours=12)
TOKEN_TTL = timedelta(days=30)
#: How long an operator's password-reset link works (once).
RESET_TTL = timedelta(hours=24)
#: Failures counted by the throttle, and how many are free before it slows sign-ins down.
THROTTLE_WINDOW = timedelta(minutes=15)
FREE_FAILURES = 5
MAX_DELAY = timedelta(minutes=5)
LANGUAGES = ("en", "zh")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the login is unknown, so a wrong login costs what a wrong
    password costs (no timing oracle for which logins exist). Made on first use, not at
    import: hashing takes tens of milliseconds every command importing this would pay."""
    return _hasher.hash("tierwise-no-such-user")


def prepare_sign_ins() -> None:
    """Make the dummy hash now (a server does at start), so that the first sign-in of an
    unknown login is not the one slower answer."""
    _dummy_hash()


class BadCredentials(AccountError):
    """Unknown login, wrong password or inactive user: one message for all three."""


class Throttled(AccountError):
    """Too many failed sign-ins for this login: try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class NewUser:
    login: str
    name: str
    role: Role
    partner_id: str | None = None
    creator_id: str | None = None
    seller_id: str | None = None
    language: str = "en"

    def check(self) -> None:
        if not self.login or len(self.login) > 128 or self.login != self.login.strip():
            raise AccountError(f"login {self.login!r}: 1–128 characters without edge spaces")
        if self.role not in ROLES:
            raise AccountError(f"role {self.role!r}: use one of {', '.join(ROLES)}")
        if self.language not in LANGUAGES:
            raise AccountError(f"language {self.language!r}: use one of {', '.join(LANGUAGES)}")
        subjects = {
            "partner": self.partner_id,
            "creator": self.creator_id,
            "seller": self.seller_id,
        }
        for role, subject in subjects.items():
            if role == self.role and not subject:
                raise AccountError(f"a {role} user needs --{role} (the {role} id it belongs to)")
            if role != self.role and subject:
                raise AccountError(f"a {self.role} user has no {role} id (got {subject!r})")


def throttle_delay(failures: int) -> timedelta:
    """How long after the last failure the next attempt waits: nothing for the first few,
    then doubling from one second, capped — slow for a guesser, never a lockout."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_FAILURES)), MAX_DELAY)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password may have at most {MAX_PASSWORD} characters")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class _Holder(Protocol):
    """A user as its row or its entity: what a principal is made of."""

    id: int
    login: str
    name: str
    role: str
    language: str
    partner_id: str | None
    creator_id: str | None
    seller_id: str | None


def _principal(user: _Holder, csrf_token: str | None) -> Principal:
    return Principal(
        user_id=user.id,
        login=user.login,
        name=user.name,
        role=cast(Role, user.role),
        language=user.language,
        partner_id=user.partner_id,
        creator_id=user.creator_id,
        seller_id=user.seller_id,
        csrf_token=csrf_token,
    )


#: The holder of a live credential. The guard asks on every request, so the statement is
#: built once and selects columns (no entity to load into the session).
_HOLDER = (
    sa.select(
        User.id,
        User.login,
        User.name,
        User.role,
        User.language,
        User.partner_id,
        User.creator_id,
        User.seller_id,
        Credential.csrf_token,
    )
    .join(Credential, Credential.user_id == User.id)
    .where(
        Credential.token_hash == sa.bindparam("token_hash"),
        Credential.kind == sa.bindparam("kind"),
        Credential.revoked_at.is_(None),
        Credential.expires_at > sa.bindparam("at"),
        User.active.is_(True),
    )
)


class Accounts:
    """Users and credentials, in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, new: NewUser, password: str) -> User:
        """A new user; `AccountError` when the login is taken, also by a session adding
        it at the same moment (the second waits for the first and finds it)."""
        new.check()
        _check_password(password)
        if self.taken(new.login):
            raise AccountError(f"login {new.login!r} is taken")
        user = User(
            login=new.login,
            name=new.name,
            role=new.role,
            partner_id=new.partner_id,
            creator_id=new.creator_id,
            seller_id=new.seller_id,
            language=new.language,
            password_hash=_hasher.hash(password),
            active=True,
            created_at=now(self.session),
        )
        self.session.add(user)
        self.session.flush()
        return user

    def taken(self, login: str) -> bool:
        """Whether a user has `login`; the answer holds until the transaction ends (the
        login's lock is held), so an `add` after it cannot be raced."""
        self._one_attempt_at_a_time(login)
        return self.by_login(login) is not None

    def by_login(self, login: str) -> User | None:
        return self.session.scalars(sa.select(User).where(User.login == login)).first()

    def list(self) -> list[User]:
        return list(self.session.scalars(sa.select(User).order_by(User.login)))

    def set_password(
        self, login: str, password: str, *, actor: str, action: str = "password_set"
    ) -> User:
        """A new password: every session, token and reset link of the user ends with the
        old one (whoever knew it, or stole a cookie, is out). Audited as `action`."""
        user = self.by_login(login)
        if user is None:
            raise AccountError(f"no user {login!r}")
        _check_password(password)
        user.password_hash = _hasher.hash(password)
        self._revoke_all(user.id)
        AuditLog(self.session).append(actor, action, f"user/{user.login}")
        return user

    def change_password(self, login: str, current: str, new: str) -> User:
        """The user's own change: the current password is asked again (a session left open
        on a shared screen must not be enough) and checked like a sign-in, throttle and
        all (`Throttled` / `BadCredentials`: commit the recorded failure), then as
        `set_password`."""
        self.authenticate(login, current)
        if current == new:
            raise AccountError("the new password must differ from the current one")
        return self.set_password(login, new, actor=login, action="password_changed")

    def issue_reset(self, login: str, actor: str) -> tuple[User, str, datetime]:
        """A one-time link's secret for `login`, valid `RESET_TTL`, asked for by `actor`
        (audited); an earlier link of the user stops working. The user's sessions go on
        until the link is used."""
        user = self.by_login(login)
        if user is None or not user.active:
            raise AccountError(f"no active user {login!r}")
        at = now(self.session)
        self.session.execute(
            sa.update(Credential)
            .where(
                Credential.user_id == user.id,
                Credential.kind == "reset",
                Credential.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        token = secrets.token_urlsafe(32)
        expires = at + RESET_TTL
        self.session.add(
            Credential(
                token_hash=_digest(token),
                kind="reset",
                user_id=user.id,
                created_at=at,
                expires_at=expires,
            )
        )
        AuditLog(self.session).append(
            actor,
            "password_reset_issued",
            f"user/{user.login}",
            after={"expires_at": expires.isoformat()},
        )
        return user, token, expires

    def reset_holder(self, token: str) -> User | None:
        """Whose live reset link `token` is (None: unknown, used, replaced or expired)."""
        return self.session.scalars(
            sa.select(User)
            .join(Credential, Credential.user_id == User.id)
            .where(
                Credential.token_hash == _digest(token),
                Credential.kind == "reset",
                Credential.revoked_at.is_(None),
                Credential.expires_at > now(self.session),
                User.active.is_(True),
            )
        ).first()

    def redeem_reset(self, token: str, password: str) -> User:
        """Set the password through a reset link, once: the link ends with the user's
        sessions and tokens."""
        user = self.reset_holder(token)
        if user is None:
            raise AccountError("this reset link is unknown, used or expired: ask an operator")
        return self.set_password(user.login, password, actor=user.login, action="password_reset")

    def retry_after(self, login: str, at: datetime | None = None) -> int:
        """Seconds until `login` may try again (0: now)."""
        at = at or now(self.session)
        failures = self.session.execute(
            sa.select(sa.func.count(), sa.func.max(LoginFailure.at)).where(
                LoginFailure.login == login, LoginFailure.at > at - THROTTLE_WINDOW
            )
        ).one()
        count, last = failures
        if not count or last is None:
            return 0
        if last.tzinfo is None:
            last = last.replace(tzinfo=at.tzinfo)
        wait = last + throttle_delay(count) - at
        return max(0, int(wait.total_seconds() + 0.999))

    def authenticate(self, login: str, password: str) -> User:
        """The user, or `Throttled` / `BadCredentials` (the failure is recorded: commit it).

        Counting the failures, checking the password and recording the outcome are one step
        per login: parallel attempts queue on a lock for the login and each sees the ones
        before it, so no more than `FREE_FAILURES` passwords are ever checked at once."""
        self._one_attempt_at_a_time(login)
        wait = self.retry_after(login)
        if wait:
            raise Throttled(wait)
        user = self.by_login(login)
        try:
            _hasher.verify(user.password_hash if user else _dummy_hash(), password)
            ok = user is not None and user.active
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None:
            self.session.add(LoginFailure(login=login, at=now(self.session)))
            raise BadCredentials("wrong login or password")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        self.session.execute(sa.delete(LoginFailure).where(LoginFailure.login == login))
        return user

    def _one_attempt_at_a_time(self, login: str) -> None:
        """Hold the login's lock until the transaction ends (`hold_until_commit`: there
        may be no row to lock — unknown logins are throttled too, new logins are added)."""
        hold_until_commit(self.session, "login", login)

    def issue(self, user: User, kind: CredentialKind) -> tuple[Principal, str]:
        """A new credential for `user`: the principal and the secret to hand out once."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32) if kind == "session" else None
        at = now(self.session)
        self.session.add(
            Credential(
                token_hash=_digest(token),
                kind=kind,
                user_id=user.id,
                csrf_token=csrf,
                created_at=at,
                expires_at=at + (SESSION_TTL if kind == "session" else TOKEN_TTL),
            )
        )
        return _principal(user, csrf), token

    def sign_in(self, login: str, password: str, kind: CredentialKind) -> tuple[Principal, str]:
        return self.issue(self.authenticate(login, password), kind)

    def principal(self, token: str, kind: CredentialKind) -> Principal | None:
        """Who holds `token` (None: unknown, expired, revoked or of the other kind)."""
        row = self.session.execute(
            _HOLDER, {"token_hash": _digest(token), "kind": kind, "at": now(self.session)}
        ).first()
        return None if row is None else _principal(row, row.csrf_token)

    def sign_out(self, token: str) -> bool:
        """Revoke one credential; True when it was live."""
        result = self.session.execute(
            sa.update(Credential)
            .where(Credential.token_hash == _digest(token), Credential.revoked_at.is_(None))
            .values(revoked_at=now(self.session))
        )
        return bool(getattr(result, "rowcount", 0))

    def _revoke_all(self, user_id: int) -> None:
        self.session.execute(
            sa.update(Credential)
            .where(Credential.user_id == user_id, Credential.revoked_at.is_(None))
            .values(revoked_at=now(self.session))
        )
