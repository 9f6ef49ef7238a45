"""A book split loan by loan, so that a book of 10,000 notes runs in linear time.

A loan's terms depend only on the assertions about that loan (``loans.<id>...``), so each
loan runs on a small ``Book`` holding just those assertions (in the whole book's order), the
market (fixing files plus fixings recorded as events) and its own events. The results are the
same as on the whole book; only the cost differs (resolving terms scans every assertion).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from loanbook.book import FAR_FUTURE, Book, FixingsSeen, TermDocument
from loanbook.engine.events import EventKind, LoanEvent
from loanbook.engine.result import LoanResult
from loanbook.errors import Issue
from loanbook.rates import Market
from loanbook.terms.build import start_of
from loanbook.terms.versioning import Assertion, assertions_of


@dataclass(frozen=True)
class LoanBook(Book):
    """A ``Book`` restricted to the assertions about one loan."""

    loan_assertions: tuple[Assertion, ...] = ()

    @cached_property
    def assertions(self) -> tuple[Assertion, ...]:
        return self.loan_assertions

    def with_events(self, events: tuple[LoanEvent, ...]) -> Book:
        return LoanBook(self.documents, self.market, self.events + events, self.loan_assertions)


def applying_notes(events: tuple[LoanEvent, ...], accounts: tuple[str, ...]) -> tuple[str, ...]:
    """The notes whose proceeds applications pay a balance to one of ``accounts``: the
    accounts' run derives that balance from the note's payoff, so it needs the note's
    events (an application is recorded once, on its note)."""
    return tuple(
        sorted(
            {
                e.loan
                for e in events
                if e.kind is EventKind.APPLICATION and e.get("account") in accounts
            }
        )
    )


class BookView:
    """The book as known on ``known_on``, with a per-loan projection."""

    def __init__(
        self,
        documents: tuple[TermDocument, ...],
        market: Market,
        fixing_events: tuple[LoanEvent, ...],
        events: tuple[LoanEvent, ...],
        known_on: date | None = None,
    ) -> None:
        self.documents = documents
        self.positions: tuple[int, ...] | None = None  # the documents' places in the book
        self._only: frozenset[str] = frozenset()  # with ``positions``: the loans it runs
        self.known_on = known_on
        self.base_market = market
        self.fixing_events = fixing_events
        self.market = Book((), market, fixing_events).market_with_fixings()
        self.events = events
        self._by_loan: dict[str, list[LoanEvent]] = defaultdict(list)
        for ev in events:
            if ev.kind is not EventKind.FIXING:
                self._by_loan[ev.loan].append(ev)
        self._projections: dict[str, Book] = {}
        self._facility_books: dict[tuple[str, ...], Book] = {}

    def for_documents(
        self,
        documents: tuple[TermDocument, ...],
        positions: tuple[int, ...],
        loans: Iterable[str],
    ) -> BookView:
        """This view (its market and events) of ``loans`` only, from ``documents`` (all their
        terms are in, at ``positions`` in the whole book): a batch of loans' view
        (``storage.bookindex``), whose loans run on the same small books as in the whole
        book's view."""
        view = BookView.__new__(BookView)
        for name in ("known_on", "base_market", "fixing_events", "market", "events", "_by_loan"):
            setattr(view, name, getattr(self, name))
        view.documents, view.positions = documents, positions
        view._only = frozenset(loans)
        view._projections, view._facility_books = {}, {}
        return view

    @cached_property
    def book(self) -> Book:
        """The whole book as one ``Book`` (fixings as events, as the core expects)."""
        return Book(self.documents, self.base_market, self.fixing_events + self._loan_events())

    def fixings_seen(self) -> FixingsSeen:
        """The book's fixings by index and date (its fixings files and fixing events), for
        checking a batch of events in turn (``record.check_events``); no term is read."""
        return Book((), self.base_market, self.fixing_events).fixings_seen()

    def _loan_events(self) -> tuple[LoanEvent, ...]:
        return tuple(e for e in self.events if e.kind is not EventKind.FIXING)

    @cached_property
    def _assertions_by_loan(self) -> dict[str, tuple[Assertion, ...]]:
        out: dict[str, list[Assertion]] = defaultdict(list)
        # As the conditions precedent allow them (as known on ``known_on``): the small book
        # holds no conditions, so it could not hold back a document's terms itself.
        for a in self._terms_book.in_effect(self.known_on):
            if len(a.path) >= 2 and a.path[0] == "loans":
                out[a.path[1]].append(a)
        return {loan: tuple(found) for loan, found in out.items()}

    @cached_property
    def _position(self) -> dict[str, int]:
        return {d.id: n for n, d in enumerate(self.documents)}

    def _documents_of(self, assertions: tuple[Assertion, ...]) -> tuple[TermDocument, ...]:
        found = sorted(
            {self._position[a.document] for a in assertions if a.document in self._position}
        )
        return tuple(self.documents[n] for n in found)

    @cached_property
    def loans(self) -> tuple[str, ...]:
        """Every loan the terms define (as known on ``known_on``). A batch's view keeps its
        terms book (and the terms it resolved): its loans are run next."""
        book = self._placed() if self.positions is None else self._terms_book
        return book.loan_ids(FAR_FUTURE, self.known_on)

    @cached_property
    def _loan_set(self) -> frozenset[str]:
        return frozenset(self.loans)

    def defines(self, loan: str) -> bool:
        """Whether the terms define ``loan``: ``loan in loans``, by a set (checking the events
        of 100,000 loans against the tuple was quadratic: minutes at 30,000)."""
        return loan in self._loan_set

    @cached_property
    def _terms_book(self) -> Book:
        return self._placed()

    def _placed(self) -> Book:
        """The documents' terms. A view of some loans only keeps their terms and the
        conditions precedent (all a loan depends on; the other terms its documents state or
        change may live in documents the view does not hold), each ordered by its
        document's place in the whole book."""
        if self.positions is None:
            return Book(self.documents)
        placed = tuple(
            a
            for doc, n in zip(self.documents, self.positions, strict=True)
            for a in assertions_of(doc.model, doc.source, n)
            if (a.path[0] == "loans" and a.path[1] in self._only)
            or a.path[:2] == ("compliance", "conditions")
        )
        return LoanBook(self.documents, loan_assertions=placed)

    def revolving_accounts(self, loan: str) -> tuple[str, ...]:
        """Every account of the revolving facility ``loan`` belongs to (empty for a note)."""
        if loan in self._assertions_by_loan:
            return ()
        facility = self._terms_book.revolver_of(loan, self.known_on)
        if facility is None:
            return ()
        terms = self._terms_book.revolver_terms(facility, FAR_FUTURE, self.known_on)
        return tuple(sorted(terms.accounts.values()))

    def loan_book(self, loan: str, extra: tuple[LoanEvent, ...] = ()) -> Book:
        """The small book that runs ``loan`` (plus ``extra`` events, e.g. ones being checked).
        A revolving account runs on the whole book with its facility's events."""
        if not extra and loan in self._projections:
            return self._projections[loan]
        accounts = self.revolving_accounts(loan)
        if accounts:
            if not extra:  # one book for every account: one facility run serves them all
                whole = self._facility_books.get(accounts)
                if whole is None:
                    whole = self._facility_books[accounts] = self._facility_book(accounts)
                self._projections[loan] = whole
                return whole
            return self._facility_book(accounts, extra)
        found = self._assertions_by_loan.get(loan, ())
        events = tuple(self._by_loan.get(loan, ())) + extra
        book = LoanBook(self._documents_of(found), self.market, events, found)
        if not extra:
            self._projections[loan] = book
        return book

    def _facility_book(self, accounts: tuple[str, ...], extra: tuple[LoanEvent, ...] = ()) -> Book:
        own = tuple(e for a in accounts for e in self._by_loan.get(a, ()))
        notes = applying_notes(self.events, accounts)
        own += tuple(e for n in notes for e in self._by_loan.get(n, ()))
        return Book(self.documents, self.market, own + extra)

    def facility_book(self, facility: str) -> Book:
        """The book that runs the revolving facility's accounts (shared with ``loan_book`` of
        each account, so availability and the accounts' statements share one run)."""
        accounts = self._terms_book.revolver_terms(facility, FAR_FUTURE, self.known_on).accounts
        found = sorted(accounts.values())
        return self.loan_book(found[0]) if found else self._terms_book

    def release(self, loan: str) -> None:
        """Forget ``loan``'s small book (and the terms it resolved): close of business runs
        each loan once, and a book of 100,000 loans need not keep 100,000 of them."""
        self._projections.pop(loan, None)

    def events_of(self, loan: str) -> tuple[LoanEvent, ...]:
        return tuple(self._by_loan.get(loan, ()))

    def start_of(self, loan: str) -> date:
        """The day the loan starts (as its latest terms say)."""
        book = self.loan_book(loan)
        if self.revolving_accounts(loan):
            return book.start_of(loan, self.known_on)
        raw = book.state(FAR_FUTURE, self.known_on)["loans"].get(loan)
        day = start_of(raw) if raw is not None else None
        return day if day is not None else book.loan_terms(loan, FAR_FUTURE, self.known_on).start

    def run(self, loan: str, until: date, daily: bool = False) -> LoanResult:
        return self.loan_book(loan).run(loan, until, self.known_on, daily=daily)

    def validate(self, loans: tuple[str, ...] | None = None) -> list[Issue]:
        """The core's checks of every loan's terms (or of ``loans``), loan by loan."""
        issues: list[Issue] = []
        for loan in self.loans if loans is None else loans:
            found = self._assertions_by_loan.get(loan, ())
            issues.extend(
                LoanBook(self._documents_of(found), self.market, (), found).validate(whole=False)
            )
        return list(dict.fromkeys(issues))  # a document naming several loans reports once
