"""The Book: every term document, rate fixing and event of one loan book (pure, immutable).

It answers the questions the CLI, the store and the API ask: which loans exist, their terms
as of a date as known on a date, and the result of running a loan to a date.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from loanbook.compliance.service import compliance_issues, refusals
from loanbook.engine import LoanEvent, LoanResult, TermsHistory, run_loan
from loanbook.engine.events import MONEY_KINDS, EventKind, amount_problem, in_force
from loanbook.errors import Issue, LoanbookError
from loanbook.parse import parse_instant
from loanbook.rates import Fixing, Market
from loanbook.revolving.account import RevolverHistory, run_facility
from loanbook.revolving.application import application_issues, derive
from loanbook.revolving.borrowing_base import Certificate, CertificateItem, check_certificate
from loanbook.revolving.terms import RevolverTerms, revolver_terms
from loanbook.terms import validation
from loanbook.terms.build import loan_terms, start_of
from loanbook.terms.effectiveness import Effectiveness, effectiveness, in_effect, satisfactions
from loanbook.terms.model import LoanTerms
from loanbook.terms.schema import TermFileModel
from loanbook.terms.versioning import Assertion, assertions_of, resolve

FAR_FUTURE = date(9999, 12, 31)
_STATES_KEPT = 512  # resolved states kept per book (most recently used)
_RUNS_KEPT = 8  # facility runs kept per book (each holds every account's lines)


@dataclass(frozen=True)
class TermDocument:
    """A term file as recorded: where it came from, its text, and its parsed model."""

    source: str
    text: str
    model: TermFileModel

    @property
    def id(self) -> str:
        return self.model.document.id


class _Fixed(NamedTuple):
    """One fixing of an index on a date, as a fixing event is checked against it."""

    percent: Decimal
    place: str  # where it is: "in the book (from rates/libor-1m.csv:3)", ...
    key: str = ""  # a fixing event's key ("" for a row of a fixings file)


class FixingsSeen:
    """The book's fixings by index and date while a batch of events is checked, one after
    another: each fixing the batch adds is added, each correction reversing a fixing event
    takes it out, so a later event of the batch is judged against the book as it will be.
    One index and date holds one rate (``Book.check_event``)."""

    def __init__(
        self,
        fixed: dict[tuple[str, date], tuple[_Fixed, ...]],
        days: dict[str, tuple[str, date]],
    ) -> None:
        self._fixed = fixed  # the book's (shared with it: never changed here)
        self._days = days  # the book's fixing events: key -> (index, date)
        self._changed: dict[tuple[str, date], tuple[_Fixed, ...]] = {}
        self._added: dict[str, tuple[str, date]] = {}

    def on(self, index: str, day: date) -> tuple[_Fixed, ...]:
        """The fixings of ``index`` on ``day`` (normally one; the same rate may be twice)."""
        found = self._changed.get((index, day))
        return found if found is not None else self._fixed.get((index, day), ())

    def add(self, event: LoanEvent, where: str) -> None:
        """A fixing event of the batch, accepted (``where``: its file and line)."""
        if event.kind is not EventKind.FIXING or event.amount is None:
            return
        index, day = event.get("index"), event.date
        added = _Fixed(event.amount, f"earlier in this input ({where})", event.event_id)
        self._changed[(index, day)] = (*self.on(index, day), added)
        self._added[event.event_id] = (index, day)

    def reverse(self, key: str) -> None:
        """A correction of the batch reversing the event ``key`` (a no-op unless a fixing)."""
        day = self._added.get(key) or self._days.get(key)
        if day is not None:
            self._changed[day] = tuple(f for f in self.on(*day) if f.key != key)

    def conflicts(self) -> list[str]:
        """Every index and date holding more than one rate (a book stored before fixings
        were checked): each rate and where it is, as ``loanbook check`` reports them."""
        out: list[str] = []
        for (index, day), found in sorted(self._fixed.items()):
            if len({f.percent for f in found}) > 1:
                rates = ", ".join(f"{f.percent.normalize():f} {f.place}" for f in found)
                out.append(f"{index} on {day} has more than one rate: {rates}")
        return out

    def conflict(self, event: LoanEvent, index: str, source: str) -> list[Issue]:
        """Why a fixing event of ``index`` cannot be recorded beside the fixings already on
        its date: one of them has another rate. The same rate again is no conflict."""
        if event.amount is None:
            return []
        for other in self.on(index, event.date):
            if other.percent != event.amount:
                rate = f"{other.percent.normalize():f}"
                return [
                    Issue(
                        source,
                        "amount",
                        f"{index} on {event.date} is already {rate} {other.place}",
                    )
                ]
        return []


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
    def _gated(self) -> dict[date | None, tuple[dict[str, Effectiveness], tuple[Assertion, ...]]]:
        return {}

    def _gate(
        self, known_on: date | None
    ) -> tuple[dict[str, Effectiveness], tuple[Assertion, ...]]:
        found = self._gated.get(known_on)
        if found is None:
            dated = {
                d.id: d.model.document.effective or d.model.document.date for d in self.documents
            }
            docs = effectiveness(self.assertions, dated, satisfactions(self.documents), known_on)
            found = (docs, in_effect(self.assertions, docs))
            self._gated[known_on] = found
        return found

    def effectiveness(self, known_on: date | None = None) -> dict[str, Effectiveness]:
        """Each document with conditions precedent: in effect from when, or which are open
        (``terms.effectiveness``), as known on ``known_on``."""
        return self._gate(known_on)[0]

    def in_effect(self, known_on: date | None = None) -> tuple[Assertion, ...]:
        """The assertions in effect as known on ``known_on``: a document's terms only once its
        conditions precedent are met (``assertions`` is what the documents say)."""
        return self._gate(known_on)[1]

    @cached_property
    def _states(self) -> OrderedDict[tuple[date, date | None, bool], dict[str, Any]]:
        return OrderedDict()

    def state(
        self, as_of: date, known_on: date | None = None, compliance: bool = False
    ) -> dict[str, Any]:
        """The resolved terms (nested dictionaries of cited terms); the compliance terms only
        when asked for (``loanbook.compliance`` does). Resolved once per (as_of, known_on,
        compliance) and shared: the book is immutable, so callers must not change it."""
        key = (as_of, known_on, compliance)
        found = self._states.get(key)
        if found is None:
            found = resolve(self.in_effect(known_on), as_of, known_on, compliance)
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
            for a in self.in_effect(known_on)
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
            for a in self.in_effect(known_on)
            if a.path[:2] == ("loans", loan) and (known_on is None or a.recorded <= known_on)
        }
        return TermsHistory(tuple((d, self.loan_terms(loan, d, known_on)) for d in sorted(dates)))

    def events_for(self, loan: str, known_on: date | None = None) -> tuple[LoanEvent, ...]:
        """The loan's events as the engines see them (proceeds applications derived)."""
        return tuple(
            e
            for e in self.applied_events(known_on)
            if e.loan == loan and e.kind is not EventKind.FIXING
        )

    @cached_property
    def _known_events(self) -> dict[date, tuple[LoanEvent, ...]]:
        return {}

    def known_events(self, known_on: date | None = None) -> tuple[LoanEvent, ...]:
        """The events the book knew of on ``known_on``: those recorded by the end of that day
        (an event's ``recorded`` column; without one, an event counts as always known). The
        store filters its log the same way, so a folder and its import agree under
        ``--known-on``."""
        if known_on is None:
            return self.events
        found = self._known_events.get(known_on)
        if found is None:
            found = tuple(e for e in self.events if _recorded_by(e, known_on))
            self._known_events[known_on] = found
        return found

    @cached_property
    def _applied(self) -> dict[date | None, tuple[LoanEvent, ...]]:
        return {}

    def applied_events(self, known_on: date | None = None) -> tuple[LoanEvent, ...]:
        """The events with each proceeds application (``application``) replaced by the
        prepayment and payment its rule yields (``loanbook.revolving.application``): the
        note's payoff on the day is the engine's, never a typed figure."""
        events = self.known_events(known_on)
        if not any(e.kind is EventKind.APPLICATION for e in events):
            return events
        found = self._applied.get(known_on)
        if found is None:

            def outstanding(note: str, day: date, events: tuple[LoanEvent, ...]) -> Decimal:
                run = replace(self, events=events).run(note, day, known_on)
                return run.position.principal_outstanding

            found = self._applied[known_on] = derive(events, outstanding)
        return found

    @cached_property
    def _facility_runs(
        self,
    ) -> OrderedDict[tuple[str, date, date | None, bool], dict[str, LoanResult]]:
        return OrderedDict()

    def _run_facility(
        self, facility: str, until: date, known_on: date | None, daily: bool
    ) -> dict[str, LoanResult]:
        """Every account of a revolving facility, run once per (until, known_on, daily) and
        shared: the revolver replays the facility day by day from its start, and one run
        gives every account's result (a statement of each account, availability, status)."""
        key = (facility, until, known_on, daily)
        found = self._facility_runs.get(key)
        if found is not None:
            self._facility_runs.move_to_end(key)
            return found
        hist = self.revolver_history(facility, known_on)
        accounts = set(hist.latest.accounts.values())
        events = tuple(e for e in self.applied_events(known_on) if e.loan in accounts)
        _runnable(events)
        found = run_facility(
            hist, self.certificates(known_on), events, self.market_with_fixings(), until, daily
        )
        self._facility_runs[key] = found
        if len(self._facility_runs) > _RUNS_KEPT:
            self._facility_runs.popitem(last=False)
        return found

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
        _runnable(
            e for e in self.known_events(known_on) if e.loan == loan or e.kind is EventKind.FIXING
        )
        facility = self.revolver_of(loan, known_on)
        if facility is not None:  # revolving loan accounts run daily, facility-wide
            return self._run_facility(facility, until, known_on, daily)[loan]
        return run_loan(
            self.history(loan, known_on),
            self.events_for(loan, known_on),
            self.market_with_fixings(),
            until,
            daily=daily,
            assume_paid=assume_paid,
        )

    def with_events(self, events: tuple[LoanEvent, ...]) -> Book:
        return Book(self.documents, self.market, self.events + events)

    def check_event(
        self, event: LoanEvent, source: str = "event", fixings: FixingsSeen | None = None
    ) -> list[Issue]:
        """Why ``event`` cannot be recorded (empty when it can). A fixing is judged against
        ``fixings`` (the book's as a batch before it left them) when given, else the book's."""
        issues: list[Issue] = []
        if event.kind in MONEY_KINDS and (event.amount is None or event.amount <= 0):
            issues.append(Issue(source, "amount", f"must be positive, got {event.amount}"))
        if event.kind is EventKind.FIXING:
            issues.extend(validation.fixing_event_issues(event, source))
            return issues + self._check_fixing(event, source, fixings)
        issues.extend(refusals(self)(event, source))  # conditions, representations, options
        if event.kind is EventKind.APPLICATION:  # the account is checked by the caller
            issues.extend(application_issues(event, source))
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
        fixings = self.fixings_seen()
        for ev in events:
            where = ev.reference or ev.event_id
            if ev.kind is EventKind.FIXING:
                found = self._check_fixing(ev, where, fixings)
                issues.extend(found)
                if not found:
                    fixings.add(ev, where)
            elif ev.kind is EventKind.CORRECTION:  # as the store's check: the fixing it undoes
                fixings.reverse(ev.get("reverses"))  # is no longer there for later events
            if ev.kind in MONEY_KINDS and (ev.amount is None or ev.amount <= 0):
                issues.append(Issue(where, "amount", f"must be positive, got {ev.amount}"))
            elif ev.kind is EventKind.FIXING:
                issues.extend(validation.fixing_event_issues(ev, where))
            elif ev.kind is EventKind.CORRECTION and self._is_index(ev.loan):
                pass  # a fixing's correction: its loan is the index, as ``record`` makes it
            elif ev.loan not in self.loan_ids():
                known = ", ".join(self.loan_ids())
                issues.append(Issue(where, "loan", f"unknown loan {ev.loan!r} (known: {known})"))
            elif ev.date < self.start_of(ev.loan):
                issues.append(Issue(where, "date", self._before_start(ev)))
            if ev.kind is EventKind.APPLICATION:
                issues.extend(self.application_issues(ev, where))
        if not issues:
            refused = refusals(self)  # conditions, representations, the lender's options
            for ev in events:
                issues.extend(refused(ev, ev.reference or ev.event_id))
        if issues:
            return issues
        book = self.with_events(in_force(events))  # run as they will be read: reversed out
        runs: dict[str, date] = {}
        for ev in events:
            fixing_correction = ev.kind is EventKind.CORRECTION and self._is_index(ev.loan)
            if ev.kind is EventKind.FIXING or fixing_correction:  # no loan to run
                continue
            touched = [ev.loan]
            if ev.kind is EventKind.APPLICATION:  # the note and the revolving account
                touched.append(ev.get("account"))
            for loan in touched:
                facility = self.revolver_of(loan)
                key = (
                    loan
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

    def application_issues(self, event: LoanEvent, source: str) -> list[Issue]:
        """A proceeds application names a term note (its loan) and a revolving loan
        account of the book (``account``), and the clause of its rule."""
        issues = application_issues(event, source)
        account = event.get("account")
        if account and self.revolver_of(account) is None:
            issues.append(Issue(source, "account", f"{account!r} is not a revolving loan account"))
        if self.revolver_of(event.loan) is not None:
            issues.append(
                Issue(source, "loan", f"{event.loan!r} is a revolving account, not a note")
            )
        return issues

    def indexes(self) -> set[str]:
        """The rate indexes the book knows: those it has fixings of, and those its terms name."""
        named = set(self.market.indexes)
        for loan in self.loan_ids():
            facility = self.revolver_of(loan)
            try:
                if facility is None:
                    index = self.loan_terms(loan, FAR_FUTURE).rate.index
                else:
                    index = self.revolver_terms(facility, FAR_FUTURE).prime_index
            except LoanbookError:
                continue  # reported by ``validate``
            if index:
                named.add(index)
        return named

    def _is_index(self, name: str) -> bool:
        """``name`` is a rate index of the book (a fixing's, or its correction's, "loan")."""
        return name in self.market.indexes or (
            name not in self.loan_ids() and name in self.indexes()
        )

    def _check_fixing(
        self, event: LoanEvent, source: str, fixings: FixingsSeen | None = None
    ) -> list[Issue]:
        """A fixing event names an index the book knows, and gives no other rate than the
        one its index already has on its date (from a fixings file, an earlier fixing
        event, or an earlier event of the same batch: ``fixings``): a second rate would
        silently change every figure of that day. A fixing event is changed by a correction
        reversing it; the same rate again is accepted (its key says whether it is new)."""
        index = event.get("index")
        if not index:
            return [Issue(source, "index", "a fixing names its index")]
        if index not in self.market.indexes:  # else known without building any terms
            known = self.indexes()
            if index not in known:
                names = ", ".join(sorted(known)) or "none"
                return [Issue(source, "index", f"unknown index {index!r} (known: {names})")]
        return (fixings or self.fixings_seen()).conflict(event, index, source)

    @cached_property
    def _fixed(self) -> dict[tuple[str, date], tuple[_Fixed, ...]]:
        """Every fixing of the book by index and date: the fixings files' rows, then the
        fixing events (in force: a store's view holds no reversed one)."""
        out: dict[tuple[str, date], list[_Fixed]] = {}
        for idx in self.market.indexes.values():
            for fx in idx.fixings:
                place = f"in the book (from {fx.source})" if fx.source else "in the book"
                out.setdefault((fx.index, fx.date), []).append(_Fixed(fx.rate * 100, place))
        for e in self.events:
            if e.kind is EventKind.FIXING and e.amount is not None:
                key = e.event_id
                place = (
                    f"in the book (from fixing event {key}); record a correction reversing "
                    f"{key} to change it"
                )
                out.setdefault((e.get("index"), e.date), []).append(_Fixed(e.amount, place, key))
        return {day: tuple(found) for day, found in out.items()}

    def fixings_seen(self) -> FixingsSeen:
        """The book's fixings by index and date, for checking a batch of events in turn."""
        days = {f.key: day for day, found in self._fixed.items() for f in found if f.key}
        return FixingsSeen(self._fixed, days)

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

    def validate(self, whole: bool = True) -> list[Issue]:
        """Every loan's terms build at every version and pass the term rules
        (``terms.validation``); with ``whole``, the rules over the whole book too (facilities,
        references, fixings). The store checks loan by loan, then the whole book once."""
        # covenants, waivers, facts (compliance): once, over the whole book
        issues: list[Issue] = compliance_issues(self) if whole else []
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
                issues.extend(validation.loan_issues(self, loan))
            except LoanbookError as exc:
                issues.extend(exc.issues)
        if whole:
            issues.extend(validation.book_issues(self))
        return issues

    def warnings(self) -> list[Issue]:
        """Values that are legal but implausible (``validate`` prints them, refusing nothing)."""
        return validation.book_warnings(self)


def _runnable(events: Iterable[LoanEvent]) -> None:
    """Refuse to run events whose amounts no input accepts (a book stored before the parser
    was strict): one issue per event, naming it, instead of an arithmetic error mid-run."""
    issues = [
        Issue(e.reference or e.event_id, "amount", problem)
        for e in events
        if (problem := amount_problem(e)) is not None
    ]
    if issues:
        raise LoanbookError(issues)


def _recorded_by(event: LoanEvent, known_on: date) -> bool:
    """Whether ``event`` was recorded by the end of ``known_on`` (UTC, as the store reads it)."""
    text = event.get("recorded")
    if not text:
        return True
    return parse_instant(text).astimezone(UTC).date() <= known_on
