"""Accounts in the REST API: sign-in, tokens, who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tierwise.web.schemas import Strict


class TokenRequest(Strict):
    login: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class ResetRequest(Strict):
    login: str = Field(min_length=1, max_length=128)


class ResetOut(BaseModel):
    """A one-time link for the user to set a new password; shown to the operator once
    (only its hash is stored)."""

    login: str
    url: str
    expires_at: datetime


class Me(BaseModel):
    login: str
    name: str
    role: Literal["operator", "partner", "creator", "seller"]
    language: str
    partner_id: str | None
    creator_id: str | None
    seller_id: str | None


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    user: Me


class Health(BaseModel):
    status: Literal["ok"]
    partners: int
    programs: int
