"""Read models over the stored book: the status of every loan and a loan's ledger.

``status`` reads a term loan's position from its stored postings (account balances summed in
the database, in integer cents) when close of business has posted it through the date asked
about with everything the book knows now; otherwise (a later date, a loan the book has learned
something about since it was closed, ``known_on`` in the past, a revolving account) it runs the
engine as ``statement`` does. Both give the same figures: the postings are the engine's lines
(``check`` proves it), and a reversal keeps the value date of the line it reverses, so the
balances of lines dated up to a day are the replay's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, case, func, select

from loanbook import services
from loanbook.engine.result import Position
from loanbook.errors import Issue, LoanbookError
from loanbook.ledger.lines import Account, balances
from loanbook.money import ZERO, fmt
from loanbook.storage.bookindex import BatchViews
from loanbook.storage.close import BATCH, knowledge_now, last_closes
from loanbook.storage.postings import StoredPosting, active, load_postings
from loanbook.storage.schema import EntryRow, PostingRow
from loanbook.storage.store import KnownOn, Store, known_instant
from loanbook.storage.view import BookView


@dataclass(frozen=True)
class LoanStatus:
    """A loan's position as of a date: from its stored postings (``statement`` is None) or
    from a run of the engine (``statement`` holds it, with its lines, rates and dues)."""

    loan: str
    statement: services.Statement | None
    closed_through: date | None
    error: str = ""
    posted: Position | None = None  # read from the postings

    @property
    def position(self) -> Position | None:
        return self.statement.position if self.statement is not None else self.posted

    @property
    def source(self) -> str:
        return "postings" if self.posted is not None else "engine"

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"loan": self.loan}
        p = self.position
        if p is not None:
            out.update(
                {
                    "principal_outstanding": fmt(p.principal_outstanding),
                    "principal_due": fmt(p.principal_due),
                    "interest_accrued": fmt(p.interest_accrued),
                    "interest_due": fmt(p.interest_due),
                    "late_charges": fmt(p.late_charges),
                    "fees": fmt(p.fees),
                    "unapplied": fmt(p.unapplied),
                    "total_due": fmt(p.total_due),
                    "payoff": fmt(p.payoff),
                }
            )
        out["closed_through"] = self.closed_through.isoformat() if self.closed_through else None
        if self.error:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class BookStatus:
    as_of: date
    known_on: KnownOn
    loans: tuple[LoanStatus, ...]

    def as_json(self) -> dict[str, Any]:
        known = self.known_on.isoformat() if self.known_on is not None else None
        return {
            "as_of": self.as_of.isoformat(),
            "known_on": known,
            "loans": [s.as_json() for s in self.loans],
        }


def default_as_of(store: Store) -> date:
    """The last day closed in the book (today if nothing was run yet)."""
    with store.read() as conn:
        days = [s.day for s in last_closes(conn).values()]
    return max(days) if days else date.today()


def status(
    store: Store,
    as_of: date,
    known_on: KnownOn = None,
    loans: tuple[str, ...] | None = None,
    statements: bool = False,
) -> BookStatus:
    """Each loan's position as of ``as_of`` as the book knew it on ``known_on``: from the
    stored postings where close of business has posted it through ``as_of`` with what the
    book knows now (see the module's docstring), else replayed by the engine. With
    ``statements`` every loan is replayed (for callers that want its lines and dues).

    The book as it stands now is read as close of business reads it (``BatchViews``): the
    loans from the document index, the terms a batch of loans at a time for the loans that
    are replayed, so ``status`` over 100,000 posted loans parses no term file (it parsed
    every one: 3.7 GiB). A book with revolving facilities, a past ``known_on`` or
    ``statements`` read the whole book, as before."""
    if known_on is None and not statements:
        with store.read() as conn:
            views = BatchViews(store, conn, store.watermark(conn))
            index = views.index
            if index is not None:
                wanted = loans if loans is not None else index.loans
                posted = _posted(store, conn, index.by_loan.__contains__, _no_accounts, as_of)
                closed = {loan: s.day for loan, s in last_closes(conn).items()}
        if index is not None:
            return _by_batches(store, views, as_of, wanted, posted, closed, loans is not None)
    with store.read() as conn:
        view = store.view(conn, known_on)
        wanted = loans if loans is not None else view.loans
        posted = (
            {}
            if statements or known_on is not None
            else _posted(store, conn, view.defines, view.revolving_accounts, as_of)
        )
        closed = {loan: s.day for loan, s in last_closes(conn).items()}
    out = [_status_of(view, loan, as_of, posted, closed) for loan in wanted]
    return BookStatus(as_of, known_on, tuple(out))


def _by_batches(
    store: Store,
    views: BatchViews,
    as_of: date,
    wanted: Sequence[str],
    posted: dict[str, Position],
    closed: dict[str, date],
    asked: bool,
) -> BookStatus:
    """``status`` over an indexed book: the loans not read from the postings replayed on
    their batch's view (a loan a document names but the terms do not define is left out,
    as the whole book's list leaves it out, unless it was asked for by name)."""
    found: dict[str, LoanStatus] = {}
    rest = [loan for loan in wanted if loan not in posted]
    for start in range(0, len(rest), BATCH):
        group = rest[start : start + BATCH]
        with store.read() as conn:
            view = views.of(conn, group)
        for loan in group:
            if asked or view.defines(loan):
                found[loan] = _status_of(view, loan, as_of, posted, closed)
    out = [
        _status_of(None, loan, as_of, posted, closed) if loan in posted else found[loan]
        for loan in wanted
        if loan in posted or loan in found
    ]
    return BookStatus(as_of, None, tuple(out))


def _status_of(
    view: BookView | None,
    loan: str,
    as_of: date,
    posted: dict[str, Position],
    closed: dict[str, date],
) -> LoanStatus:
    if loan in posted:
        return LoanStatus(loan, None, closed.get(loan), posted=posted[loan])
    assert view is not None
    try:
        book = view.loan_book(loan)
        st = services.statement(book, loan, as_of, view.known_on)
        return LoanStatus(loan, st, closed.get(loan))
    except LoanbookError as exc:
        return LoanStatus(loan, None, closed.get(loan), "; ".join(map(str, exc.issues)))


def _no_accounts(loan: str) -> tuple[str, ...]:
    return ()  # an indexed book has no revolving facility (``bookindex.document_index``)


# The accounts of a term loan's position; a loan with a balance elsewhere (the ACTUS-only
# premium/discount, indexation, trading) is left to the engine.
_POSITION_ACCOUNTS = frozenset(
    {
        Account.CASH,
        Account.PRINCIPAL_RECEIVABLE,
        Account.PRINCIPAL_DUE,
        Account.INTEREST_ACCRUED,
        Account.INTEREST_DUE,
        Account.INTEREST_INCOME,
        Account.LATE_CHARGE_RECEIVABLE,
        Account.LATE_CHARGE_INCOME,
        Account.FEE_RECEIVABLE,
        Account.FEE_INCOME,
        Account.UNAPPLIED_FUNDS,
    }
)


def _posted(
    store: Store,
    conn: Connection,
    defines: Callable[[str], bool],
    revolving_accounts: Callable[[str], tuple[str, ...]],
    as_of: date,
) -> dict[str, Position]:
    """The positions read from the postings, for the term loans closed through ``as_of``
    whose inputs (events, documents, fixings) are unchanged since their last close (so the
    terms that defined them then define them now)."""
    per_loan, base = knowledge_now(conn, store.watermark(conn))
    fresh = {
        loan
        for loan, last in last_closes(conn).items()
        if last.day >= as_of
        and last.knowledge.same_inputs(per_loan.get(loan, base))
        and defines(loan)
        and not revolving_accounts(loan)
    }
    if not fresh:
        return {}
    signed = case((EntryRow.side == "debit", EntryRow.amount_cents), else_=-EntryRow.amount_cents)
    rows = conn.execute(
        select(PostingRow.loan, EntryRow.account, func.sum(signed))
        .join(
            EntryRow,
            (EntryRow.loan == PostingRow.loan)
            & (EntryRow.posted_on == PostingRow.posted_on)
            & (EntryRow.seq == PostingRow.seq),
        )
        .where(PostingRow.date <= as_of)
        .group_by(PostingRow.loan, EntryRow.account)
    )
    cents: dict[str, dict[str, int]] = {loan: {} for loan in fresh}
    for loan, account, total in rows:
        if loan in cents:
            cents[loan][account] = int(total or 0)
    out: dict[str, Position] = {}
    for loan, by_account in cents.items():
        if any(n and Account(a) not in _POSITION_ACCOUNTS for a, n in by_account.items()):
            continue

        def bal(account: Account, table: dict[str, int] = by_account) -> Decimal:
            return Decimal(table.get(account.value, 0)).scaleb(-2) + ZERO

        out[loan] = Position(
            as_of=as_of,
            principal_not_due=bal(Account.PRINCIPAL_RECEIVABLE),
            principal_due=bal(Account.PRINCIPAL_DUE),
            interest_accrued=bal(Account.INTEREST_ACCRUED),
            interest_due=bal(Account.INTEREST_DUE),
            late_charges=bal(Account.LATE_CHARGE_RECEIVABLE),
            fees=bal(Account.FEE_RECEIVABLE),
            unapplied=ZERO - bal(Account.UNAPPLIED_FUNDS),
            dues=(),  # by due date: the engine's (``statements=True``)
        )
    return out


@dataclass(frozen=True)
class Ledger:
    loan: str
    as_of: date | None
    known_on: KnownOn
    postings: tuple[StoredPosting, ...]

    @property
    def balances(self) -> dict[Account, Decimal]:
        return balances(p.line for p in self.postings)

    @property
    def in_force(self) -> tuple[StoredPosting, ...]:
        return tuple(active(self.postings))

    def as_json(self) -> dict[str, Any]:
        return {
            "loan": self.loan,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "known_on": self.known_on.isoformat() if self.known_on is not None else None,
            "lines": [p.as_dict() for p in self.postings],
            "balances": {a.value: fmt(v) for a, v in sorted(self.balances.items()) if v},
        }


def ledger(store: Store, loan: str, as_of: date | None = None, known_on: KnownOn = None) -> Ledger:
    """Every posting of ``loan`` (reversals included) posted on business days up to
    ``as_of`` and stored by ``known_on``, in ledger order."""
    instant: datetime | None = known_instant(known_on)
    with store.read() as conn:
        found = load_postings(conn, (loan,), as_of, instant)
        if not found and loan not in store.view(conn, with_events=False).loans:
            raise LoanbookError(Issue(store.name, "loan", f"unknown loan {loan!r}"))
    return Ledger(loan, as_of, known_on, tuple(found))
