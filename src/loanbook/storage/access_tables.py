"""Tables of who may use the book and how: users, API tokens, browser sessions, idempotent
requests and four-eyes approvals (migration 0002).

These are operational records, not the book: the event log stays the only source of figures.
Users and approvals are never deleted (a token is revoked, a decision is written once);
sessions and unfinished idempotent requests may be removed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loanbook.storage.schema import Base
from loanbook.storage.types import UTCDateTime


class UserRow(Base):
    """A person or system using the book, with one role scoped to one party."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # lender | borrower | auditor | admin
    party: Mapped[str] = mapped_column(String(100))  # a party id of the terms (cit, lpc, ...)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TokenRow(Base):
    """An API token: only its SHA-256 is stored; revoked once, never deleted."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SessionRow(Base):
    """A browser session opened with a token (the cookie holds a secret; we keep its hash)."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class IdempotentRequestRow(Base):
    """A POST made with an ``Idempotency-Key``: claimed when it starts, its response kept
    when it ends, so that a retry gets the first answer."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("user_id", "key", name="user_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    body_sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ApprovalRow(Base):
    """A write held for a second pair of eyes: what the maker asked, and the decision."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lender: Mapped[str] = mapped_column(String(100), index=True)  # whose checkers decide
    loan: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))  # event kind, or "document"
    summary: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(200))  # why it needs approval
    payload: Mapped[str] = mapped_column(Text)  # JSON: the event or document as submitted
    maker: Mapped[str] = mapped_column(String(100))
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)  # approved|rejected
    checker: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")  # the checker's note, or the result
