"""Users, tokens and sessions: who is calling, with which role, for which party.

A token is shown once when it is made and only its SHA-256 is stored (tokens are 256-bit
random, so a plain hash cannot be brute-forced); revoking it also ends its browser sessions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from loanbook.errors import Issue, ValidationError
from loanbook.storage.access_tables import SessionRow, TokenRow, UserRow
from loanbook.storage.store import Store, now

TOKEN_PREFIX = "lbk_"
SESSION_HOURS = 12
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


class Role(StrEnum):
    LENDER = "lender"  # loan operations of one lender: reads and records its facilities
    BORROWER = "borrower"  # a borrower's treasurer: reads its own loans, across lenders
    AUDITOR = "auditor"  # reads the loans of its party (as lender or borrower), as known on
    ADMIN = "admin"  # a lender's administrator: records, approves, reads its party's loans


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    party: str
    token_id: int | None = None  # the token this request came with


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _user(row: Any, token_id: int | None = None) -> User:
    return User(row.id, row.name, Role(row.role), row.party, token_id)


_WHO = (UserRow.id, UserRow.name, UserRow.role, UserRow.party, TokenRow.id.label("token_id"))


def parse_role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValidationError(Issue("users", "role", f"unknown role {text!r} ({known})")) from None


def add_user(store: Store, name: str, role: Role, party: str) -> tuple[User, str]:
    """A new user and its first token (returned in clear, once)."""
    issues = []
    if not _NAME.match(name):
        issues.append(Issue("users", "name", f"{name!r}: letters, digits, . _ @ - (1-100)"))
    if not _NAME.match(party):
        issues.append(Issue("users", "party", f"{party!r} is not a party id (e.g. cit, lpc)"))
    if issues:
        raise ValidationError(issues)
    stamp = now()
    try:
        with store.write() as conn:
            user_id = conn.execute(
                insert(UserRow)
                .values(name=name, role=role.value, party=party, created_at=stamp)
                .returning(UserRow.id)
            ).scalar_one()
            token = _new_token(conn, user_id, stamp)
    except IntegrityError:
        raise ValidationError(Issue("users", "name", f"user {name!r} already exists")) from None
    return User(user_id, name, role, party), token


def _new_token(conn: Connection, user_id: int, stamp: datetime) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        insert(TokenRow).values(user_id=user_id, token_sha256=sha256(token), created_at=stamp)
    )
    return token


def new_token(store: Store, name: str) -> str:
    """Another token for an existing user (e.g. after revoking a lost one)."""
    with store.write() as conn:
        row = conn.execute(select(UserRow).where(UserRow.name == name)).first()
        if row is None:
            raise ValidationError(Issue("users", "name", f"no user {name!r}"))
        return _new_token(conn, row.id, now())


def revoke(store: Store, name: str) -> int:
    """Revoke every live token of ``name`` and end their sessions; how many were revoked."""
    with store.write() as conn:
        row = conn.execute(select(UserRow).where(UserRow.name == name)).first()
        if row is None:
            raise ValidationError(Issue("users", "name", f"no user {name!r}"))
        live = select(TokenRow.id).where(TokenRow.user_id == row.id, TokenRow.revoked_at.is_(None))
        ids = list(conn.execute(live).scalars())
        if ids:
            conn.execute(update(TokenRow).where(TokenRow.id.in_(ids)).values(revoked_at=now()))
            conn.execute(delete(SessionRow).where(SessionRow.token_id.in_(ids)))
    return len(ids)


def users(store: Store) -> list[tuple[User, int]]:
    """Every user and how many live tokens it has."""
    with store.read() as conn:
        rows = conn.execute(select(UserRow).order_by(UserRow.name)).all()
        live = conn.execute(select(TokenRow.user_id).where(TokenRow.revoked_at.is_(None))).all()
    counts: dict[int, int] = {}
    for (uid,) in live:
        counts[uid] = counts.get(uid, 0) + 1
    return [(_user(r), counts.get(r.id, 0)) for r in rows]


def authenticate(store: Store, token: str) -> User | None:
    """The user of a live token (None: unknown or revoked)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with store.read() as conn:
        row = conn.execute(
            select(*_WHO)
            .join(TokenRow, TokenRow.user_id == UserRow.id)
            .where(TokenRow.token_sha256 == sha256(token), TokenRow.revoked_at.is_(None))
        ).first()
    return None if row is None else _user(row, row.token_id)


def open_session(store: Store, user: User) -> str:
    """A browser session for a user signed in with a token; the secret goes in the cookie."""
    assert user.token_id is not None
    secret = secrets.token_urlsafe(32)
    stamp = now()
    with store.write() as conn:
        conn.execute(
            insert(SessionRow).values(
                session_sha256=sha256(secret),
                token_id=user.token_id,
                created_at=stamp,
                expires_at=stamp + timedelta(hours=SESSION_HOURS),
            )
        )
    return secret


def session_user(store: Store, secret: str) -> User | None:
    with store.read() as conn:
        row = conn.execute(
            select(*_WHO)
            .join(TokenRow, TokenRow.user_id == UserRow.id)
            .join(SessionRow, SessionRow.token_id == TokenRow.id)
            .where(
                SessionRow.session_sha256 == sha256(secret),
                SessionRow.expires_at > now(),
                TokenRow.revoked_at.is_(None),
            )
        ).first()
    return None if row is None else _user(row, row.token_id)


def close_session(store: Store, secret: str) -> None:
    with store.write() as conn:
        conn.execute(delete(SessionRow).where(SessionRow.session_sha256 == sha256(secret)))
