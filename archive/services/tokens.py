"""Researchers' API tokens: create (the secret is shown once), list, revoke; authenticate a Bearer token and
count its requests against a rate limit shared by every worker process (the count lives in the database)."""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from archive.db import db
from archive.errors import AccessDenied, InvalidInput, NotFound, RateLimited
from archive.models import ApiToken, User

TOKEN_PREFIX = "twz_"
MAX_TOKENS = 20


@dataclass(frozen=True)
class RateLimit:
    requests: int = 120
    window: dt.timedelta = dt.timedelta(minutes=1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with its secret, which is never stored nor shown again."""
    if user is None:
        raise AccessDenied("Sign in to create a token.")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("Give the token a name of 1 to 100 characters (where you will use it).",
                           details=["name: 1 to 100 characters"])
    if len(list_tokens(user)) >= MAX_TOKENS:
        raise InvalidInput(f"At most {MAX_TOKENS} tokens: revoke one you no longer use.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_hash(secret), prefix=secret[:12])
    db.session.add(token)
    db.session.commit()
    return token, secret


def list_tokens(user: Any) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                   .order_by(ApiToken.id.desc())))


def revoke_token(user: Any, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or user is None or token.user_id != user.id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = _now()
        db.session.commit()
    return token


def authenticate_token(secret: str, limit: RateLimit = RateLimit()) -> User | None:
    """The active user a Bearer secret belongs to, counting this request. None when the token is unknown or
    revoked (or its user inactive); RateLimited (429, with the seconds to wait) when it is over its limit."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = _now()
    start = _aware(token.window_start)
    if start is None or now - start >= limit.window:
        token.window_start, token.window_count = now, 0
        start = now
    token.window_count += 1
    token.last_used_at = now
    db.session.commit()
    if token.window_count > limit.requests:
        wait = math.ceil((start + limit.window - now).total_seconds())
        raise RateLimited(f"Too many requests with this token: at most {limit.requests} per "
                          f"{int(limit.window.total_seconds())} s. Try again in {wait} s.", retry_after=max(wait, 1))
    return token.user
