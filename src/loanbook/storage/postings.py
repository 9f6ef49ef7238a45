"""Postings as stored: a ``LedgerLine`` becomes a posting with a debit and a credit entry.

Amounts are stored as integer cents (exact, and summable in SQL on any database); a line
with a fraction of a cent cannot be posted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from loanbook.errors import Issue, LoanbookError
from loanbook.ledger.lines import Account, LedgerLine, LineKind
from loanbook.money import CENT
from loanbook.parse import MAX_AMOUNT
from loanbook.storage.schema import EntryRow, PostingRow


@dataclass(frozen=True)
class StoredPosting:
    """A posting as the ledger holds it: where it sits (loan, posted_on, seq), its line
    (accounts as posted: a reversal has them swapped), and what it reverses."""

    loan: str
    posted_on: date
    seq: int
    line: LedgerLine
    reverses: tuple[date, int] | None
    posted_at: datetime

    @property
    def ref(self) -> tuple[date, int]:
        return (self.posted_on, self.seq)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "posted_on": self.posted_on.isoformat(),
            "seq": self.seq,
            **self.line.as_dict(),
            "reverses": None,
            "posted_at": self.posted_at.isoformat(),
        }
        if self.reverses is not None:
            out["reverses"] = {"posted_on": self.reverses[0].isoformat(), "seq": self.reverses[1]}
        return out


def cents(amount: Decimal, where: str = "ledger") -> int:
    """Integer cents of a positive amount in whole cents, at most ``MAX_AMOUNT`` (checked
    before any arithmetic, so no amount can raise a decimal error or overflow the column)."""
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise LoanbookError(
            Issue(where, "amount", f"{amount} is not a positive amount of at most {MAX_AMOUNT:,}")
        )
    if amount != amount.quantize(CENT):
        raise LoanbookError(Issue(where, "amount", f"{amount} is not an amount in whole cents"))
    return int(amount * 100)


def reversal(line: LedgerLine) -> LedgerLine:
    """The line that undoes ``line``: the same amount, debit and credit swapped."""
    return LedgerLine(
        line.date,
        line.loan,
        line.kind,
        line.amount,
        line.credit,
        line.debit,
        line.event,
        line.term,
        line.cite,
        line.component,
        line.memo,
    )


def load_postings(
    conn: Connection,
    loans: Iterable[str] | None = None,
    posted_through: date | None = None,
    posted_before: datetime | None = None,
) -> list[StoredPosting]:
    """Postings in ledger order (loan, posted_on, seq), optionally of some loans, posted on
    business days up to ``posted_through``, stored up to ``posted_before``. A posting without
    both a debit and a credit entry cannot be read as a line and is left out."""
    query = select(PostingRow).order_by(PostingRow.loan, PostingRow.posted_on, PostingRow.seq)
    entries = select(EntryRow)
    if loans is not None:
        names = sorted(set(loans))
        query = query.where(PostingRow.loan.in_(names))
        entries = entries.where(EntryRow.loan.in_(names))
    if posted_through is not None:
        query = query.where(PostingRow.posted_on <= posted_through)
        entries = entries.where(EntryRow.posted_on <= posted_through)
    if posted_before is not None:
        query = query.where(PostingRow.posted_at <= posted_before)
    legs: dict[tuple[str, date, int], dict[str, tuple[str, int]]] = {}
    for e in conn.execute(entries):
        legs.setdefault((e.loan, e.posted_on, e.seq), {})[e.side] = (e.account, e.amount_cents)
    out: list[StoredPosting] = []
    for p in conn.execute(query):
        leg = legs.get((p.loan, p.posted_on, p.seq), {})
        if "debit" not in leg or "credit" not in leg:
            continue  # a damaged posting: ``check`` reports it as unbalanced
        debit, amount = leg["debit"]
        credit, _ = leg["credit"]
        line = LedgerLine(
            p.date,
            p.loan,
            LineKind(p.kind),
            Decimal(amount).scaleb(-2),
            Account(debit),
            Account(credit),
            p.event,
            p.term,
            p.cite,
            p.component,
            p.memo,
        )
        reverses = (p.reverses_on, p.reverses_seq) if p.reverses_on is not None else None
        out.append(StoredPosting(p.loan, p.posted_on, p.seq, line, reverses, p.posted_at))
    return out


def active(postings: Iterable[StoredPosting]) -> list[StoredPosting]:
    """The postings in force: neither reversals nor reversed (in ledger order)."""
    items = list(postings)
    reversed_refs = {p.reverses for p in items if p.reverses is not None}
    return [p for p in items if p.reverses is None and p.ref not in reversed_refs]


def same_lines(stored: Iterable[LedgerLine], replayed: Iterable[LedgerLine]) -> bool:
    """Equal as multisets (corrections change the order in which lines were posted)."""
    return Counter(stored) == Counter(replayed)
