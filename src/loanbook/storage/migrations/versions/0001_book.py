"""The book: documents, fixings, the event log, postings with their entries, closes.

Revision ID: 0001
Revises:
Create Date: 2026-05-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from loanbook.storage.types import DecimalText, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("documents", "fixings", "events", "postings", "entries", "closes")


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("record_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("model_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("doc_id", name="uq_documents_doc_id"),
    )
    op.create_table(
        "fixings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("index_name", sa.String(100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rate_percent", DecimalText(), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fixings"),
        sa.UniqueConstraint("index_name", "date", name="uq_fixings_index_date"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("loan", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", DecimalText(), nullable=True),
        sa.Column("reference", sa.String(500), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("key", name="uq_events_key"),
    )
    op.create_index("ix_events_loan", "events", ["loan"])
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])
    op.create_table(
        "postings",
        sa.Column("loan", sa.String(200), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("event", sa.String(300), nullable=False),
        sa.Column("term", sa.String(300), nullable=False),
        sa.Column("cite", sa.String(300), nullable=False),
        sa.Column("component", sa.String(30), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("reverses_on", sa.Date(), nullable=True),
        sa.Column("reverses_seq", sa.Integer(), nullable=True),
        sa.Column("posted_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("loan", "posted_on", "seq", name="pk_postings"),
    )
    op.create_table(
        "entries",
        sa.Column("loan", sa.String(200), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("leg", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(6), nullable=False),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("loan", "posted_on", "seq", "leg", name="pk_entries"),
        sa.ForeignKeyConstraint(
            ["loan", "posted_on", "seq"],
            ["postings.loan", "postings.posted_on", "postings.seq"],
            name="fk_entries_loan_postings",
        ),
        sa.CheckConstraint("side IN ('debit', 'credit')", name="ck_entries_side"),
        sa.CheckConstraint("amount_cents > 0", name="ck_entries_positive"),
    )
    op.create_table(
        "closes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan", sa.String(200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events_upto", sa.Integer(), nullable=False),
        sa.Column("loan_events", sa.Integer(), nullable=False),
        sa.Column("loan_events_max", sa.Integer(), nullable=False),
        sa.Column("market_events", sa.Integer(), nullable=False),
        sa.Column("market_events_max", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("documents_max", sa.Integer(), nullable=False),
        sa.Column("fixings", sa.Integer(), nullable=False),
        sa.Column("fixings_max", sa.Integer(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_closes"),
        sa.UniqueConstraint(
            "loan",
            "day",
            "events_upto",
            "documents_max",
            "fixings_max",
            name="uq_closes_loan_day",
        ),
    )
    _append_only()


def _append_only() -> None:
    """Triggers refusing UPDATE and DELETE: the book only grows."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION loanbook_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'loanbook: % is append-only (% refused)', "
            "TG_TABLE_NAME, TG_OP; END; $$ LANGUAGE plpgsql"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION loanbook_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'loanbook: {table} is append-only "
                f"({action} refused)'); END"
            )


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS loanbook_append_only()")
