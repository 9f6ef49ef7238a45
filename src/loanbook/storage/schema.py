"""The book's tables (SQLAlchemy 2 declarative models).

Every table is append-only: rows are inserted, never updated or deleted (the migration adds
triggers that refuse UPDATE and DELETE). A correction is a new event; a changed posting is a
reversal posting plus a new one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from loanbook.storage.types import DecimalText, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Tables that refuse UPDATE and DELETE.
APPEND_ONLY = ("documents", "fixings", "events", "postings", "entries", "closes")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DocumentRow(Base):
    """A term file as recorded: its exact text, so the book folder can be rebuilt."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(500))  # file name within the book folder
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    record_date: Mapped[dt.date] = mapped_column(Date)  # the document's record time (its own)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # when this book learned of it
    model_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # parsed, if exact


class FixingRow(Base):
    """One rate index fixing from a fixings file (``index,date,rate_percent``)."""

    __tablename__ = "fixings"
    __table_args__ = (UniqueConstraint("index_name", "date", name="index_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    index_name: Mapped[str] = mapped_column(String(100))
    date: Mapped[dt.date] = mapped_column(Date)
    rate_percent: Mapped[Decimal] = mapped_column(DecimalText)
    source: Mapped[str] = mapped_column(String(500))  # file:line
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class EventRow(Base):
    """The event log: one row per event, in the order the book learned of them."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # the idempotency key
    loan: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date] = mapped_column(Date)  # valid time: when it takes effect
    amount: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    reference: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of [name, value]
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)  # record time
    source: Mapped[str] = mapped_column(String(500), default="")  # cli | file:row


class PostingRow(Base):
    """One posting derived by close of business: a balanced journal entry, cited.

    ``posted_on`` is the business day whose close posted it; ``date`` is its value date (a
    correction of an earlier day keeps that day's date). A reversal names the posting it
    reverses by ``(reverses_on, reverses_seq)``.
    """

    __tablename__ = "postings"

    loan: Mapped[str] = mapped_column(String(200), primary_key=True)
    posted_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(30))
    event: Mapped[str] = mapped_column(String(300))
    term: Mapped[str] = mapped_column(String(300))
    cite: Mapped[str] = mapped_column(String(300))
    component: Mapped[str] = mapped_column(String(30), default="")
    memo: Mapped[str] = mapped_column(Text, default="")
    reverses_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    reverses_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class EntryRow(Base):
    """One leg of a posting: an amount (in cents) debited or credited to an account."""

    __tablename__ = "entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["loan", "posted_on", "seq"], ["postings.loan", "postings.posted_on", "postings.seq"]
        ),
        CheckConstraint("side IN ('debit', 'credit')", name="side"),
        CheckConstraint("amount_cents > 0", name="positive"),
    )

    loan: Mapped[str] = mapped_column(String(200), primary_key=True)
    posted_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    leg: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(6))
    account: Mapped[str] = mapped_column(String(40))
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class CloseRow(Base):
    """A loan-day closed, and what the book knew when it closed it: the last event id read
    (``events_upto``), and the count and last id of each input the loan's ledger depends on
    (its events, fixings recorded as events or any correction, documents, fixing files).
    A later run compares these to decide whether earlier days need corrections; ``check``
    replays exactly this knowledge."""

    __tablename__ = "closes"
    __table_args__ = (
        # A day is closed again only with new knowledge: two runs cannot both close it.
        UniqueConstraint(
            "loan", "day", "events_upto", "documents_max", "fixings_max", name="loan_day"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan: Mapped[str] = mapped_column(String(200))
    day: Mapped[dt.date] = mapped_column(Date)
    events_upto: Mapped[int] = mapped_column(Integer)
    loan_events: Mapped[int] = mapped_column(Integer)
    loan_events_max: Mapped[int] = mapped_column(Integer)
    market_events: Mapped[int] = mapped_column(Integer)
    market_events_max: Mapped[int] = mapped_column(Integer)
    documents: Mapped[int] = mapped_column(Integer)
    documents_max: Mapped[int] = mapped_column(Integer)
    fixings: Mapped[int] = mapped_column(Integer)
    fixings_max: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
