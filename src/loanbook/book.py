"""The Book: every term document, rate fixing and event of one loan book (pure, immutable).

It answers the questions the CLI, the store and the API ask: which loans exist, their terms
as of a date as known on a date, and the result of running a loan to a date.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from loanbook.engine import LoanEvent, LoanResult, TermsHistory, run_loan
from loanbook.engine.events import MONEY_KINDS, EventKind
from loanbook.errors import Issue, LoanbookError
from loanbook.rates import Fixing, Market
from loanbook.revolving.account import RevolverHistory, run_facility
from loanbook.revolving.borrowing_base import Certificate, CertificateItem, check_certificate
from loanbook.revolving.terms import RevolverTerms, revolver_terms
from loanbook.terms.build import loan_terms, start_of
from loanbook.terms.model import LoanTerms
from loanbook.terms.schema import TermFileModel
from loanbook.terms.versioning import Assertion, assertions_of, resolve

FAR_FUTURE = date(9999, 12, 31)
_STATES_KEPT = 512  # resolved states kept per book (most recently used)


@dataclass(frozen=True)
class TermDocument:
    """A term file as recorded: where it came from, its text, and its parsed model."""

    source: str
    text: str
    model: TermFileModel

    @property
    def id(self) -> str:
        return self.model.document.id


@dataclass(frozen=True)
class Book:
    documents: tuple[TermDocument, ...]
    market: Market = field(default_factory=Market)
    events: tuple[LoanEvent, ...] = ()

    @cached_property
    def assertions(self) -> tuple[Assertion, ...]:
        out: list[Assertion] = []
        for order, doc in enumerate(self.documents):
            out.extend(assertions_of(doc.model, doc.source, order))
        return tuple(out)

    @cached_property
    def _states(self) -> OrderedDict[tuple[date, date | None], dict[str, Any]]:
        return OrderedDict()

    def state(self, as_of: date, known_on: date | None = None) -> dict[str, Any]:
        """The resolved terms (nested dictionaries of cited terms). Resolved once per
        (as_of, known_on) and shared: the book is immutable, so callers must not change it."""
        key = (as_of, known_on)
        found = self._states.get(key)
        if found is None:
            found = resolve(self.assertions, as_of, known_on)
            self._states[key] = found
            if len(self._states) > _STATES_KEPT:
                self._states.popitem(last=False)
        else:
            self._states.move_to_end(key)
        return found

    def loan_ids(self, as_of: date = FAR_FUTURE, known_on: date | None = None) -> tuple[str, ...]:
        """Term loans and revolving loan accounts."""
        state = self.state(as_of, known_on)
        accounts = {
            account
            for revolver in state["revolvers"].values()
            for account in revolver.get("accounts", {}).get("value", {}).values()
        }
        return tuple(sorted(set(state["loans"]) | accounts))

    # -- revolving credit ------------------------------------------------------------------
    def revolver_of(self, account: str, known_on: date | None = None) -> str | None:
        """The facility whose revolving loan account ``account`` is (None for a term loan)."""
        for facility, raw in self.state(FAR_FUTURE, known_on)["revolvers"].items():
            if account in raw.get("accounts", {}).get("value", {}).values():
                return str(facility)
        return None

    def revolver_terms(
        self, facility: str, as_of: date, known_on: date | None = None
    ) -> RevolverTerms:
        found = self.state(as_of, known_on)["revolvers"]
        if facility not in found:
            known = ", ".join(sorted(found)) or "none"
            raise LoanbookError(
                Issue(
                    "book",
                    "facility",
                    f"unknown revolving facility {facility!r} on {as_of} (known: {known})",
                )
            )
        return revolver_terms(facility, found[facility])

    def revolver_history(self, facility: str, known_on: date | None = None) -> RevolverHistory:
        start = self.revolver_terms(facility, FAR_FUTURE, known_on).start
        dates = {
            max(a.effective, start)
            for a in self.assertions
            if a.path[:2] == ("revolvers", facility)
            and (known_on is None or a.recorded <= known_on)
        }
        return RevolverHistory(
            tuple((d, self.revolver_terms(facility, d, known_on)) for d in sorted(dates))
        )

    def certificates(self, known_on: date | None = None) -> tuple[Certificate, ...]:
        """Borrowing-base certificates delivered (recorded) on or before ``known_on``."""
        out = []
        for doc in self.documents:
            cert = doc.model.certificate
            recorded = doc.model.document.recorded or doc.model.document.date
            if cert is None or (known_on is not None and recorded > known_on):
                continue
            items = tuple(
                CertificateItem(
                    i.id,
                    i.description,
                    i.collateral,
                    i.location,
                    i.value,
                    i.eligible,
                    i.borrower,
                    i.age_days,
                    i.type,
                )
                for i in cert.items
            )
            out.append(Certificate(cert.facility, cert.as_of, items, doc.source))
        return tuple(sorted(out, key=lambda c: c.as_of))

    def start_of(self, loan: str, known_on: date | None = None) -> date:
        facility = self.revolver_of(loan, known_on)
        if facility is not None:
            return self.revolver_terms(facility, FAR_FUTURE, known_on).start
        return self.loan_terms(loan, FAR_FUTURE, known_on).start

    def document(self, doc_id: str) -> TermDocument | None:
        return next((d for d in self.documents if d.id == doc_id), None)

    def loan_terms(self, loan: str, as_of: date, known_on: date | None = None) -> LoanTerms:
        loans = self.state(as_of, known_on)["loans"]
        if loan not in loans:
            known = ", ".join(sorted(loans)) or "none"
            raise LoanbookError(Issue("book", "loan", f"unknown loan {loan!r} (known: {known})"))
        return loan_terms(loan, loans[loan], self._source_of(loan))

    def _source_of(self, loan: str) -> str:
        for a in self.assertions:
            if a.path[:2] == ("loans", loan):
                return a.source
        return "book"

    def history(self, loan: str, known_on: date | None = None) -> TermsHistory:
        """Versions of the loan's terms at every date an assertion about it takes effect."""
        final = self.state(FAR_FUTURE, known_on)["loans"]
        if loan not in final:
            self.loan_terms(loan, FAR_FUTURE, known_on)  # raises the unknown-loan error
        start = start_of(final[loan]) or FAR_FUTURE
        dates = {
            max(a.effective, start)
            for a in self.assertions
            if a.path[:2] == ("loans", loan) and (known_on is None or a.recorded <= known_on)
        }
        return TermsHistory(tuple((d, self.loan_terms(loan, d, known_on)) for d in sorted(dates)))

    def events_for(self, loan: str) -> tuple[LoanEvent, ...]:
        return tuple(e for e in self.events if e.loan == loan and e.kind is not EventKind.FIXING)

    def market_with_fixings(self) -> Market:
        """The market plus fixings recorded as events (amount in percent)."""
        recorded = [
            Fixing(e.get("index"), e.date, e.amount / 100, e.event_id)
            for e in self.events
            if e.kind is EventKind.FIXING and e.amount is not None
        ]
        return self.market.merged(recorded) if recorded else self.market

    def run(
        self,
        loan: str,
        until: date,
        known_on: date | None = None,
        daily: bool = False,
        assume_paid: bool = False,
    ) -> LoanResult:
        facility = self.revolver_of(loan, known_on)
        if facility is not None:  # revolving loan accounts run daily, facility-wide
            hist = self.revolver_history(facility, known_on)
            accounts = set(hist.latest.accounts.values())
            events = tuple(e for e in self.events if e.loan in accounts)
            results = run_facility(
                hist,
                self.certificates(known_on),
                events,
                self.market_with_fixings(),
                until,
                daily,
            )
            return results[loan]
        return run_loan(
            self.history(loan, known_on),
            self.events_for(loan),
            self.market_with_fixings(),
            until,
            daily=daily,
            assume_paid=assume_paid,
        )

    def with_events(self, events: tuple[LoanEvent, ...]) -> Book:
        return Book(self.documents, self.market, self.events + events)

    def check_event(self, event: LoanEvent, source: str = "event") -> list[Issue]:
        """Why ``event`` cannot be recorded (empty when it can)."""
        issues: list[Issue] = []
        if event.kind in MONEY_KINDS and (event.amount is None or event.amount <= 0):
            issues.append(Issue(source, "amount", f"must be positive, got {event.amount}"))
        if event.kind is EventKind.FIXING:
            if not event.get("index"):
                issues.append(Issue(source, "index", "a fixing names its index"))
            return issues
        if self.revolver_of(event.loan) is not None:
            return issues or self._check_revolving(event, source)
        try:
            terms = self.loan_terms(event.loan, FAR_FUTURE)
        except LoanbookError as exc:
            return issues + [Issue(source, "loan", i.reason) for i in exc.issues]
        if event.date < terms.start:
            issues.append(
                Issue(
                    source,
                    "date",
                    f"{event.date} is before loan {event.loan} starts "
                    f"({terms.start}, {terms.cite('start')})",
                )
            )
        if event.kind is EventKind.ADVANCE and event.amount is not None:
            issues.extend(self._check_advance(event, terms, source))
        if issues:
            return issues
        try:
            self.with_events((event,)).run(event.loan, event.date)
        except LoanbookError as exc:
            issues.extend(Issue(source, i.field, i.reason) for i in exc.issues)
        return issues

    def check_events(self, events: tuple[LoanEvent, ...], source: str = "events") -> list[Issue]:
        """Why ``events`` cannot all be recorded: each checked on its own fields, then one run
        per loan (or facility) with all of them, so a book loads in linear time."""
        issues: list[Issue] = []
        for ev in events:
            where = ev.reference or ev.event_id
            if ev.kind in MONEY_KINDS and (ev.amount is None or ev.amount <= 0):
                issues.append(Issue(where, "amount", f"must be positive, got {ev.amount}"))
            elif ev.kind is not EventKind.FIXING and ev.loan not in self.loan_ids():
                known = ", ".join(self.loan_ids())
                issues.append(Issue(where, "loan", f"unknown loan {ev.loan!r} (known: {known})"))
            elif ev.kind is not EventKind.FIXING and ev.date < self.start_of(ev.loan):
                issues.append(Issue(where, "date", self._before_start(ev)))
        if issues:
            return issues
        book = self.with_events(events)
        runs: dict[str, date] = {}
        for ev in events:
            if ev.kind is EventKind.FIXING:
                continue
            facility = self.revolver_of(ev.loan)
            key = (
                ev.loan
                if facility is None
                else next(iter(self.revolver_terms(facility, FAR_FUTURE).accounts.values()))
            )
            runs[key] = max(runs.get(key, ev.date), ev.date)
        for loan, last in runs.items():
            try:
                book.run(loan, last + timedelta(days=1))
            except LoanbookError as exc:
                issues.extend(exc.issues)
        return issues

    def _before_start(self, ev: LoanEvent) -> str:
        if self.revolver_of(ev.loan) is not None:
            return f"{ev.date} is before the facility starts ({self.start_of(ev.loan)})"
        terms = self.loan_terms(ev.loan, FAR_FUTURE)
        return f"{ev.date} is before loan {ev.loan} starts ({terms.start}, {terms.cite('start')})"

    def _check_revolving(self, event: LoanEvent, source: str) -> list[Issue]:
        start = self.start_of(event.loan)
        if event.date < start:
            return [Issue(source, "date", f"{event.date} is before the facility starts ({start})")]
        try:
            self.with_events((event,)).run(event.loan, event.date + timedelta(days=1))
        except LoanbookError as exc:
            return [Issue(source, i.field, i.reason) for i in exc.issues]
        return []

    def _check_advance(self, event: LoanEvent, terms: LoanTerms, source: str) -> list[Issue]:
        """Advances on a note may not exceed its principal sum, nor come after the
        facility's commitment has terminated."""
        assert event.amount is not None
        out: list[Issue] = []
        advanced = sum(
            (e.amount or 0 for e in self.events_for(event.loan) if e.kind is EventKind.ADVANCE),
            event.amount,
        )
        if advanced > terms.principal:
            out.append(
                Issue(
                    source,
                    "amount",
                    f"advances of {advanced} would exceed the principal sum "
                    f"{terms.principal} of loan {event.loan} ({terms.cite('principal')})",
                )
            )
        facility = self.state(event.date)["facilities"].get(terms.facility, {})
        commitment = facility.get("commitment", {})
        end = commitment.get("value", {}).get("termination")
        if isinstance(end, date) and event.date > end:
            out.append(
                Issue(
                    source,
                    "date",
                    f"the commitment of facility {terms.facility} terminated "
                    f"on {end} ({commitment.get('cite', '')}); no advance after it",
                )
            )
        return out

    def validate(self) -> list[Issue]:
        """Every loan's terms build at every version, and name indexes the market has."""
        issues: list[Issue] = []
        for facility in self.state(FAR_FUTURE)["revolvers"]:
            try:
                revolver = self.revolver_history(facility)
                for cert in self.certificates():
                    if cert.facility == facility:
                        issues.extend(check_certificate(cert, revolver.at(cert.as_of)))
            except LoanbookError as exc:
                issues.extend(exc.issues)
        for loan in self.loan_ids():
            if self.revolver_of(loan) is not None:
                continue
            try:
                hist = self.history(loan)
            except LoanbookError as exc:
                issues.extend(exc.issues)
                continue
            for _, terms in hist.versions:
                index = terms.rate.index
                if index is not None and index not in self.market.indexes:
                    known = ", ".join(sorted(self.market.indexes)) or "none loaded"
                    issues.append(
                        Issue(
                            self._source_of(loan),
                            f"loans.{loan}.rate.index",
                            f"unknown index {index!r} (known: {known})",
                        )
                    )
                    break
        return issues
