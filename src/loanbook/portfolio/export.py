"""Loans of a book (a folder or a persistent book) in the portfolio form.

Every term loan whose terms the portfolio engine covers becomes a row, with its events and
the book's fixings; the others (revolving accounts, versioned terms, features beyond the
kernel) are listed with the reason and stay with the exact engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa

from loanbook.book import Book
from loanbook.errors import LoanbookError
from loanbook.portfolio import form


@dataclass(frozen=True)
class Exported:
    loans: pa.Table
    events: pa.Table
    fixings: pa.Table
    refused: tuple[tuple[str, str], ...]  # (loan, reason)


def export_book(book: Book) -> Exported:
    rows: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    refused: list[tuple[str, str]] = []
    for loan in book.loan_ids():
        if book.revolver_of(loan) is not None:
            refused.append((loan, "a revolving loan account"))
            continue
        try:
            terms = form.check_history(book.history(loan))
            row = form.row_of(terms)
            evs = form.event_rows(loan, book.events_for(loan))
        except (form.Refusal, LoanbookError, ValueError) as exc:
            refused.append((loan, str(exc)))
            continue
        rows.append(row)
        events.extend(evs)
    fixings: list[dict[str, object]] = []
    for name, index in sorted(book.market_with_fixings().indexes.items()):
        for fx in index.fixings:
            scaled = fx.rate * Decimal(1_000_000_000)
            if scaled != scaled.to_integral_value():
                continue  # finer than a billionth: loans on it get the exact engine's refusal
            fixings.append({"index": name, "date": fx.date, "rate_e9": int(scaled)})
    return Exported(
        form.table_of(rows, form.LOAN_SCHEMA),
        form.table_of(events, form.EVENT_SCHEMA),
        form.table_of(fixings, form.FIXING_SCHEMA),
        tuple(refused),
    )
