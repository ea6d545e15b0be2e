"""Accounts: creating users, signing in (with throttling), invitations, password resets, roles.

Plain values and the acting user in; users out. Knows nothing of HTTP: the views turn tokens into links
and decide where to send people.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from archive.db import db
from archive.errors import AccessDenied, InvalidInput, NotFound, TooManyAttempts, WrongCredentials
from archive.models import Agent, Invitation, LoginFailure, User
from archive.vocabulary import ACCOUNT_ROLES

# scrypt with N=2**15, r=8: 32 MiB of memory per hash, so guessing is costly on any hardware.
PASSWORD_METHOD = "scrypt:32768:8:1"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # hashing a megabyte "password" is a cheap way to load the server
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
INVITING_ROLES = {"curator", "admin"}
# A hash of a random password, checked when the account does not exist, so that the answer takes as long.
_ABSENT_ACCOUNT_HASH = generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


@dataclass(frozen=True)
class ThrottlePolicy:
    """At most ``max_failures`` failed sign-ins for one account within ``window``; then wait."""

    max_failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes for timezone-aware columns; everything stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _roles(user: Any) -> set[str]:
    return set(getattr(user, "roles", None) or [])


def _check_email(email: str) -> str:
    email = normalize_email(email)
    if not EMAIL_PATTERN.match(email) or len(email) > 320:
        raise InvalidInput(f"{email!r} is not an e-mail address.", details=["email: not an e-mail address"])
    return email


def _check_password(password: str, email: str) -> None:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"password: at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip().lower() == email:
        problems.append("password: must not be the e-mail address")
    if problems:
        raise InvalidInput("This password cannot be used.", details=problems)


def check_roles(roles: list[str]) -> list[str]:
    unknown = [role for role in roles if role not in ACCOUNT_ROLES]
    if unknown:
        raise InvalidInput(f"Unknown role {unknown[0]!r}.", details=[f"roles: one of {', '.join(ACCOUNT_ROLES)}"])
    return [role for role in ACCOUNT_ROLES if role in roles]


def _communities(slugs: list[str]) -> list[Agent]:
    found = {a.slug: a for a in db.session.scalars(select(Agent).where(Agent.slug.in_(slugs), Agent.kind == "community"))}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise InvalidInput(f"No community {missing[0]!r}.", details=[f"communities: unknown community {missing[0]!r}"])
    return [found[slug] for slug in slugs]


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(email: str, display_name: str, password: str, *, roles: list[str] | None = None,
                communities: list[str] | None = None) -> User:
    """Create an account. Raises InvalidInput for a bad address, name, password, role or community, or when
    the address has an account already."""
    user = new_user(email, display_name, password, roles=roles, communities=communities)
    db.session.commit()
    return user


def new_user(email: str, display_name: str, password: str, *, roles: list[str] | None = None,
             communities: list[str] | None = None) -> User:
    """The account ``create_user`` makes, added to the session but not committed (for a caller that writes
    more in the same transaction). Raises as ``create_user``."""
    email = _check_email(email)
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 200:
        raise InvalidInput("A name of 1 to 200 characters is needed.", details=["display_name: 1 to 200 characters"])
    _check_password(password, email)
    if user_by_email(email) is not None:
        raise InvalidInput("An account with this e-mail address exists already.", details=["email: already registered"])
    user = User(email=email, display_name=display_name, roles=check_roles(roles or []),
                password_hash=generate_password_hash(password, method=PASSWORD_METHOD))
    user.communities = _communities(communities or [])
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, *, policy: ThrottlePolicy = ThrottlePolicy()) -> User:
    """The active account with this address and password. Raises TooManyAttempts when the account had too many
    failures lately (checked before the password, so guessing stops), and WrongCredentials otherwise; the message
    never says which of address or password was wrong."""
    email = normalize_email(email)[:320]
    since = _now() - policy.window
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    failures = db.session.scalar(select(func.count()).select_from(LoginFailure)
                                 .where(LoginFailure.email == email, LoginFailure.at >= since))
    if failures >= policy.max_failures:
        db.session.commit()
        minutes = int(policy.window.total_seconds() // 60)
        raise TooManyAttempts(f"Too many failed sign-ins for this account: try again in {minutes} minutes, "
                              "or reset the password.")
    user = user_by_email(email)
    password = (password or "")[:MAX_PASSWORD_LENGTH]
    valid = check_password_hash(user.password_hash if user and user.password_hash else _ABSENT_ACCOUNT_HASH, password)
    if not (valid and user is not None and user.active and user.password_hash):
        db.session.add(LoginFailure(email=email, at=_now()))
        db.session.commit()
        raise WrongCredentials("Wrong e-mail address or password.")
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    user.last_login_at = _now()
    db.session.commit()
    return user


def load_session_user(session_id: str) -> User | None:
    """The user a session or remember cookie names (``id:generation``), if that session is still valid."""
    user_id, _, generation = (session_id or "").partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def sign_out_everywhere(user: User) -> User:
    """End every session of ``user`` on every device (their cookies no longer match)."""
    user.session_generation += 1
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> User:
    """Set a new password after checking the current one; other sessions are signed out."""
    if not (user.password_hash and check_password_hash(user.password_hash, (current_password or "")[:MAX_PASSWORD_LENGTH])):
        raise InvalidInput("The current password is wrong.", details=["current_password: wrong password"])
    _check_password(new_password, user.email)
    user.password_hash = generate_password_hash(new_password, method=PASSWORD_METHOD)
    return sign_out_everywhere(user)


# ------------------------------------------------------------------------------------------ password reset

def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="twiza-password-reset")


def _password_fingerprint(user: User) -> str:
    # Part of the token: once the password changes (the token was used), the token stops working.
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def password_reset_token(email: str, secret_key: str) -> tuple[User, str] | None:
    """A signed token that lets the owner of ``email`` choose a new password, or None when there is no such
    active account (the caller must answer the same either way)."""
    user = user_by_email(email)
    if user is None or not user.active:
        return None
    token = _reset_serializer(secret_key).dumps({"user": user.id, "password": _password_fingerprint(user)})
    return user, token


def _user_for_reset(token: str, secret_key: str, max_age: dt.timedelta) -> User:
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise InvalidInput("This password reset link has expired: ask for a new one.") from None
    except BadSignature:
        raise NotFound("This password reset link is not valid.") from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) and isinstance(data.get("user"), int) else None
    if user is None or not user.active or data.get("password") != _password_fingerprint(user):
        raise InvalidInput("This password reset link was used already or is no longer valid: ask for a new one.")
    return user


def check_password_reset(token: str, secret_key: str, max_age: dt.timedelta) -> User:
    """The user a reset token is for. Raises NotFound (forged) or InvalidInput (expired or used)."""
    return _user_for_reset(token, secret_key, max_age)


def reset_password(token: str, new_password: str, secret_key: str, max_age: dt.timedelta) -> User:
    """Set the password a valid reset token allows; the token then stops working, every session is signed
    out, and pending sign-in failures are forgotten."""
    user = _user_for_reset(token, secret_key, max_age)
    _check_password(new_password, user.email)
    user.password_hash = generate_password_hash(new_password, method=PASSWORD_METHOD)
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
    return sign_out_everywhere(user)


# ------------------------------------------------------------------------------------------ invitations

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(acting: User | None, email: str, roles: list[str], *, communities: list[str] | None = None,
           lifetime: dt.timedelta = dt.timedelta(days=7)) -> tuple[Invitation, str]:
    """Invite someone to an account with ``roles``. Only curators and admins invite; only admins give the
    admin or curator role; nobody is invited as a reviewer (reviewers are certified workers). Returns the
    invitation and its secret token (only its hash is stored)."""
    acting_roles = _roles(acting)
    if not acting_roles & INVITING_ROLES:
        raise AccessDenied("Only curators and admins invite people.")
    roles = check_roles(roles)
    if {"admin", "curator"} & set(roles) and "admin" not in acting_roles:
        raise AccessDenied("Only an admin can give the curator or admin role.")
    if "reviewer" in roles:
        # Reviewers are certified workers, and a certification is granted from work done: invite a data
        # worker, certify them, then give them the reviewer role.
        raise InvalidInput("Only certified workers become reviewers: invite a data worker and certify them first.",
                           details=["roles: the reviewer role needs a certification"])
    email = _check_email(email)
    if user_by_email(email) is not None:
        raise InvalidInput("This person has an account already.", details=["email: already registered"])
    community_agents = _communities(communities or [])
    token = secrets.token_urlsafe(32)
    invitation = Invitation(email=email, roles=roles, community_ids=[a.id for a in community_agents],
                            token_hash=_token_hash(token), invited_by_id=acting.id if acting else None,
                            expires_at=_now() + lifetime)
    db.session.add(invitation)
    db.session.commit()
    return invitation, token


def open_invitation(token: str) -> Invitation:
    """The invitation a link's token opens. Raises NotFound (unknown or revoked) or InvalidInput (expired or
    used)."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token or "")))
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise InvalidInput("This invitation was used already: sign in instead.")
    if _aware(invitation.expires_at) < _now():
        raise InvalidInput("This invitation has expired: ask the curator who invited you for a new one.")
    return invitation


def accept_invitation(token: str, display_name: str, password: str) -> User:
    """Create the invited account; the invitation is then used up."""
    invitation = open_invitation(token)
    communities = db.session.scalars(select(Agent.slug).where(Agent.id.in_(invitation.community_ids or []))).all()
    user = create_user(invitation.email, display_name, password, roles=invitation.roles, communities=list(communities))
    invitation.accepted_at = _now()
    invitation.user_id = user.id
    db.session.commit()
    return user


def revoke_invitation(acting: User | None, invitation_id: int) -> Invitation:
    if not _roles(acting) & INVITING_ROLES:
        raise AccessDenied("Only curators and admins manage invitations.")
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound("No such invitation.")
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = _now()
        db.session.commit()
    return invitation


def pending_invitations(acting: User | None) -> list[Invitation]:
    if not _roles(acting) & INVITING_ROLES:
        raise AccessDenied("Only curators and admins manage invitations.")
    return list(db.session.scalars(
        select(Invitation).where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                                 Invitation.expires_at >= _now()).order_by(Invitation.created_at.desc())))
