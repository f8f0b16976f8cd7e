"""`tierwise users`: accounts for the portal and the API."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from tierwise.accounts import ROLES, AccountError, Accounts, NewUser
from tierwise.cli.app import app
from tierwise.cli.source import DbOption, default_db, fail
from tierwise.cli.state import StateOption, open_state
from tierwise.store import queries

users_app = typer.Typer(help="Accounts for the portal and the API.", no_args_is_help=True)
app.add_typer(users_app, name="users")
console = Console()

PASSWORD_ENV = "TIERWISE_PASSWORD"


def _password(from_stdin: bool) -> str:
    """From standard input, `$TIERWISE_PASSWORD` or a hidden prompt — never an argument,
    which would land in the shell history and the process list."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def add_command(
    login: Annotated[str, typer.Argument(help="The sign-in name.")],
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.")],
    name: Annotated[str | None, typer.Option("--name", help="Shown in the portal.")] = None,
    partner: Annotated[str | None, typer.Option("--partner", help="partner users")] = None,
    creator: Annotated[str | None, typer.Option("--creator", help="creator users")] = None,
    seller: Annotated[str | None, typer.Option("--seller", help="seller users")] = None,
    language: Annotated[str, typer.Option("--language", help="en or zh.")] = "en",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    state: StateOption = None,
) -> None:
    """Add a user (the password is hashed with argon2id; only the hash is stored)."""
    new = NewUser(
        login=login,
        name=name or login,
        role=role,  # type: ignore[arg-type]
        partner_id=partner,
        creator_id=creator,
        seller_id=seller,
        language=language,
    )
    try:
        new.check()
        password = _password(password_stdin)
        with open_state(state) as st, st.session() as session:
            user = Accounts(session).add(new, password)
            console.print(f"added {user.login} ({user.role})")
    except AccountError as exc:
        fail(str(exc))


@users_app.command("list")
def list_command(state: StateOption = None) -> None:
    """Users and their roles (never a password or its hash)."""
    table = Table("login", "name", "role", "subject", "language", "active")
    with open_state(state) as st, st.session() as session:
        for u in Accounts(session).list():
            subject = u.partner_id or u.creator_id or u.seller_id or ""
            table.add_row(u.login, u.name, u.role, subject, u.language, str(u.active))
    console.print(table)


@users_app.command("passwd")
def passwd_command(
    login: Annotated[str, typer.Argument(help="The user.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    actor: Annotated[str, typer.Option("--actor", help="Who sets it (the audit log).")] = "cli",
    state: StateOption = None,
) -> None:
    """Set a new password; every session and token of the user ends."""
    try:
        password = _password(password_stdin)
        with open_state(state) as st, st.session() as session:
            Accounts(session).set_password(login, password, actor=actor)
    except AccountError as exc:
        fail(str(exc))
    console.print(f"password of {login} changed; its sessions and tokens ended")


@users_app.command("reset")
def reset_command(
    login: Annotated[str, typer.Argument(help="The user who lost a password.")],
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the portal is served, as users reach it.")
    ] = "http://127.0.0.1:8000",
    actor: Annotated[str, typer.Option("--actor", help="Who asks (the audit log).")] = "cli",
    state: StateOption = None,
) -> None:
    """Print a one-time link (valid 24 h) for the user to set a new password; an earlier
    link stops working, and the user's sessions and tokens end when this one is used."""
    try:
        with open_state(state) as st, st.session() as session:
            _, token, expires = Accounts(session).issue_reset(login, actor)
    except AccountError as exc:
        fail(str(exc))
    typer.echo(f"{base_url.rstrip('/')}/reset/{token}")
    typer.echo(f"valid once, until {expires.isoformat(timespec='minutes')}", err=True)


def _demo_subjects(con: duckdb.DuckDBPyConnection) -> list[NewUser]:
    """One user of every role over subjects of the demo data: agencies with a gap to close,
    a certified TSP, a creator bound to an agency, a seller."""
    subjects = queries.demo_subjects(con)
    mcn, tsp, creator, seller = subjects.mcn, subjects.tsp, subjects.creator, subjects.seller
    users = [NewUser("operator", "Operations", "operator")]
    if mcn:
        users.append(NewUser("agency", f"Agency {mcn}", "partner", partner_id=mcn, language="zh"))
    if tsp:
        users.append(NewUser("tsp", f"Service partner {tsp}", "partner", partner_id=tsp))
    if creator:
        users.append(NewUser("creator", f"Creator {creator}", "creator", creator_id=creator))
    if seller:
        users.append(NewUser("seller", f"Seller {seller}", "seller", seller_id=seller))
    return users


@users_app.command("demo")
def demo_command(db: DbOption = None, state: StateOption = None) -> None:
    """Create one demo user of every role with a random password and print the logins —
    once: the passwords are not stored anywhere but as hashes."""
    path: Path = db or default_db()
    if not path.exists():
        fail(f"{path}: no such store (load data first)")
    con = duckdb.connect(str(path), read_only=True)
    try:
        wanted = _demo_subjects(con)
    finally:
        con.close()
    table = Table("role", "login", "password", "sees", title="Demo logins (shown once)")
    with open_state(state) as st, st.session() as session:
        accounts = Accounts(session)
        for new in wanted:
            if accounts.taken(new.login):
                table.add_row(new.role, new.login, "(exists)", new.name)
                continue
            password = secrets.token_urlsafe(9)
            accounts.add(new, password)
            table.add_row(
                new.role,
                new.login,
                password,
                new.partner_id or new.creator_id or new.seller_id or "",
            )
    console.print(table)
