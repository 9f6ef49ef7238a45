"""Checks of what a term file says: one list of rules, each returning problems as values.

The schema (``terms.schema``) checks each value on its own; these rules check values against
each other and against the rest of the book: a schedule against the maturity, the loans of
a facility against its commitment, citations and ``amends`` against the documents, the first
fixing against the loan's start, and the figures a document states (``checks``) against
what its terms give. Every problem is an ``Issue`` naming the term file, the line, the field
and the reason; ``warnings`` are values that are legal but implausible, which ``validate``
prints without refusing the book.

Two lists: ``LOAN_RULES`` take one loan (they run on the small per-loan book the store
uses, so a book of 10,000 notes is checked in linear time), ``BOOK_RULES`` take the whole
book (facilities, references). ``validate``, ``import`` and the loader all call
``loan_issues`` and ``book_issues``, so they refuse the same books.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticError

from loanbook.engine.commitment import part_amount
from loanbook.engine.events import LoanEvent
from loanbook.engine.installments import build_installments, principal_schedule, schedule_dates
from loanbook.errors import Issue, LoanbookError
from loanbook.ledger.lines import LineKind
from loanbook.money import ZERO
from loanbook.rates import Fixing
from loanbook.terms.build import loan_terms
from loanbook.terms.model import AmortizationKind, LoanTerms, RateReset
from loanbook.terms.schema import CheckModel, CommitmentModel
from loanbook.terms.versioning import resolve
from loanbook.terms.yamlread import line_of, read_yaml
from loanbook.time import add_cycle

if TYPE_CHECKING:  # the Book calls these rules; they only read it
    from loanbook.book import Book

FAR_FUTURE = date(9999, 12, 31)
STALE_FIXING_DAYS = 7  # a first fixing older than this is named in a warning
MAX_FIXING = Decimal(10)  # 1,000% a year: a larger fixing is a typing mistake


# -- where a term is written -------------------------------------------------------------------
@lru_cache(maxsize=256)
def _lines(text: str, source: str) -> dict[tuple[str | int, ...], int]:
    try:
        return read_yaml(text, source)[1]
    except LoanbookError:
        return {}


def locate(book: Book, path: tuple[str, ...], as_of: date = FAR_FUTURE) -> tuple[str, int | None]:
    """The term file and line that last set ``path`` (e.g. ('loans', 'x', 'maturity'))."""
    found = [
        a
        for a in book.assertions
        if a.effective <= as_of and a.path == path[: len(a.path)] and len(a.path) >= 2
    ]
    if not found:
        return "book", None
    last = max(found, key=lambda a: a.key)
    doc = book.document(last.document)
    if doc is None:
        return last.source, None
    lines = _lines(doc.text, doc.source)
    if last.is_change:
        for n, change in enumerate(doc.model.changes):
            if tuple(change.path.split(".")) == last.path:
                return doc.source, line_of(lines, ("changes", n))
        return doc.source, None
    inner: tuple[str | int, ...] = (*path[:3], "value", *path[3:]) if len(path) > 3 else path
    return doc.source, line_of(lines, inner)


def issue(book: Book, path: tuple[str, ...], reason: str, as_of: date = FAR_FUTURE) -> Issue:
    source, line = locate(book, path, as_of)
    return Issue(source, ".".join(path), reason, line)


def _money(value: Decimal) -> str:
    """An amount as a person reads it: 4,554,900.00 (a count stays a count: 48)."""
    return f"{value:,.2f}" if value != value.to_integral_value() or value >= 1000 else f"{value:,}"


# -- one loan ----------------------------------------------------------------------------------
def _dates_to(anchor: date, end: date, cycle: Any, eom: bool) -> int | None:
    """The count of cycle dates from ``anchor`` whose last is ``end`` (None if none is)."""
    for n in range(0, 2400):
        day = add_cycle(anchor, cycle, n, eom)
        if day == end:
            return n + 1
        if day > end:
            return None
    return None


def rule_dates(book: Book, terms: LoanTerms, as_of: date) -> Iterator[Issue]:
    """The maturity comes after the start; the schedules do not start before the loan."""
    loan = ("loans", terms.id)
    if terms.maturity is not None and terms.maturity <= terms.start:
        yield issue(
            book,
            (*loan, "maturity"),
            f"the maturity {terms.maturity} is not after the start {terms.start} "
            f"({terms.cite('start')})",
            as_of,
        )
    anchor = terms.interest_schedule.anchor
    if anchor <= terms.start:
        yield issue(
            book,
            (*loan, "interest_schedule", "anchor"),
            f"the first interest date {anchor} is not after the start {terms.start} "
            f"({terms.cite('start')})",
            as_of,
        )


def rule_schedule(book: Book, terms: LoanTerms, as_of: date) -> Iterator[Issue]:
    """Installments fall on or before the maturity; a ``count`` reaches the maturity or
    leaves a balloon at it; level installments do not add up to more than the principal."""
    loan = ("loans", terms.id)
    am = terms.amortization
    where = (*loan, "amortization", "schedule")
    try:
        dates = [d for d, _ in principal_schedule(terms)]
        installments = build_installments(terms)
    except ValueError as exc:
        yield issue(book, (*loan, "amortization"), str(exc), as_of)
        return
    if not dates:
        yield issue(book, where, "the schedule has no dates", as_of)
        return
    if dates[0] <= terms.start and am.kind is not AmortizationKind.BULLET:
        yield issue(
            book,
            (*where, "anchor") if am.schedule else (*loan, "amortization"),
            f"the first installment ({dates[0]}) is not after the start {terms.start}",
            as_of,
        )
    maturity = terms.maturity
    if maturity is not None:
        late = [d for d in dates if d > maturity]
        if late:
            count = am.schedule.count if am.schedule else None
            fix = ""
            if am.schedule is not None and count is not None:
                right = _dates_to(am.schedule.anchor, maturity, am.schedule.cycle, True)
                fix = f"; a count of {right} ends on it" if right else ""
            yield issue(
                book,
                (*where, "count") if count is not None else where,
                f"{len(late)} installment(s) fall after the maturity {maturity} "
                f"({terms.cite('maturity')}), the first on {late[0]}{fix}",
                as_of,
            )
        elif am.schedule is not None and am.schedule.count is not None and dates[-1] < maturity:
            sched = am.schedule
            right = _dates_to(sched.anchor, maturity, sched.cycle, sched.eom)
            fix = f"; a count of {right} ends on it" if right else ""
            yield issue(
                book,
                (*where, "count"),
                f"the {sched.count} installments end on {dates[-1]}, before the maturity "
                f"{maturity} ({terms.cite('maturity')}): the last counted installment would "
                f"take whatever is left and the maturity would be ignored{fix}",
                as_of,
            )
        elif am.schedule is not None and am.schedule.end is not None and dates[-1] < maturity:
            yield issue(
                book,
                (*where, "end"),
                f"the installments end on {am.schedule.end}, before the maturity {maturity} "
                f"({terms.cite('maturity')}): the last installment would take whatever is "
                "left and the maturity would be ignored; end the schedule on the maturity",
                as_of,
            )
    if am.kind is AmortizationKind.LEVEL_PRINCIPAL and am.installment is not None:
        total = am.installment * len(dates)
        if total > terms.principal and am.installment * (len(dates) - 1) >= terms.principal:
            yield issue(
                book,
                (*loan, "amortization", "installment"),
                f"{len(dates)} installments of {_money(am.installment)} total "
                f"{_money(total)}, more than the principal {_money(terms.principal)} "
                f"({terms.cite('principal')}): the last ones would be empty",
                as_of,
            )
    if am.kind is AmortizationKind.EXPLICIT:
        total = sum((i.amount or ZERO for i in installments), ZERO)
        if total != terms.principal:
            yield issue(
                book,
                (*loan, "amortization", "explicit"),
                f"the installments total {_money(total)}, not the principal "
                f"{_money(terms.principal)} ({terms.cite('principal')})",
                as_of,
            )
    if maturity is not None and terms.interest_schedule.count is not None:
        sched = terms.interest_schedule
        late = [d for d, _ in schedule_dates(sched, maturity) if d > maturity]
        if late:
            yield issue(
                book,
                (*loan, "interest_schedule", "count"),
                f"interest dates fall after the maturity {maturity}, the first on {late[0]}",
                as_of,
            )


def rule_rate(book: Book, terms: LoanTerms, as_of: date) -> Iterator[Issue]:
    """A rate is fixed or floats on an index; a floating rate says when it resets."""
    where = ("loans", terms.id, "rate")
    r = terms.rate
    if r.fixed is not None and r.index is not None:
        yield issue(
            book, where, f"both fixed ({r.fixed * 100}%) and on index {r.index}: which?", as_of
        )
    if r.index is None and r.reset is not RateReset.FIXED:
        yield issue(book, (*where, "reset"), f"reset {r.reset.value} needs an index", as_of)
    if r.reset is RateReset.CYCLE and r.reset_cycle is None:
        yield issue(book, (*where, "reset_cycle"), "reset cycle needs a reset_cycle", as_of)
    if r.floor is not None and r.cap is not None and r.floor > r.cap:
        yield issue(book, (*where, "floor"), f"the floor is above the cap {r.cap * 100}%", as_of)
    if r.index is not None and r.reset is RateReset.FIXED:
        yield issue(
            book,
            (*where, "reset"),
            f"the rate floats on {r.index} but `reset` is fixed: say when it takes a fixing "
            "(period_start, daily or cycle)",
            as_of,
        )


def rule_first_fixing(book: Book, terms: LoanTerms, as_of: date) -> Iterator[Issue]:
    """The fixing the first period uses exists and is not older than the terms allow."""
    r = terms.rate
    if r.index is None or r.reset is RateReset.FIXED or as_of != _first_version(book, terms):
        return
    market = book.market_with_fixings()
    if r.index not in market.indexes:
        return  # fixings supplied later: a warning (see warn_fixings)
    day = terms.start - timedelta(days=r.fixing_lag_days)
    index = market.indexes[r.index]
    where = ("loans", terms.id, "rate", "index")
    if not index.fixings or index.fixings[0].date > day:
        first = index.fixings[0].date if index.fixings else "none"
        yield issue(
            book,
            where,
            f"no {r.index} fixing in force on {day}, when the loan starts (first fixing: {first})",
            as_of,
        )
        return
    used = index.in_force(day)
    limit = _max_age(book, terms)
    if r.reset is RateReset.DAILY:
        return  # a daily rate (Prime) is the fixing in force until the index changes
    age = (day - used.date).days
    if limit is not None and age > limit:
        yield issue(
            book,
            (*where[:-1], "fixing_max_age_days"),
            f"the first period would use {_describe_fixing(used)}, {age} days old on {day}; "
            f"the terms allow {limit} ({terms.cite('rate')})",
            as_of,
        )


def _max_age(book: Book, terms: LoanTerms) -> int | None:
    raw = book.state(terms.start)["loans"].get(terms.id, {}).get("rate", {}).get("value", {})
    value = raw.get("fixing_max_age_days") if isinstance(raw, dict) else None
    return value if isinstance(value, int) else None


def _describe_fixing(fx: Fixing) -> str:
    return f"the {fx.index} fixing of {fx.date} ({(fx.rate * 100).normalize():f}%, {fx.source})"


def _first_version(book: Book, terms: LoanTerms) -> date:
    return book.history(terms.id).versions[0][0]


LoanRule = Callable[["Book", LoanTerms, date], Iterable[Issue]]
LOAN_RULES: tuple[LoanRule, ...] = (rule_dates, rule_schedule, rule_rate, rule_first_fixing)


def loan_issues(book: Book, loan: str) -> list[Issue]:
    """Every loan rule at every version of the loan's terms, then its stated figures."""
    out: list[Issue] = []
    for as_of, terms in book.history(loan).versions:
        for rule in LOAN_RULES:
            out.extend(rule(book, terms, as_of))
    for source, n, check in stated_checks(book, loan):
        out.extend(check_figure(book, source, n, check))
    return list(dict.fromkeys(out))


# -- stated figures ----------------------------------------------------------------------------
def stated_checks(book: Book, loan: str | None = None) -> list[tuple[str, int, CheckModel]]:
    """(term file, position, check) of every figure the documents state (about ``loan``)."""
    return [
        (doc.source, n, check)
        for doc in book.documents
        for n, check in enumerate(doc.model.checks)
        if loan is None or check.loan == loan
    ]


@dataclass(frozen=True)
class Figure:
    """A figure computed from the terms, with how and from which clauses."""

    value: Decimal
    how: str
    cites: str


def projected(book: Book, loan: str) -> list[tuple[date, Decimal, Decimal]]:
    """(date, principal, interest) due on each date when every amount is paid when due; the
    interest net of any usury credit (the same run as ``schedule``)."""
    terms = book.history(loan).latest
    last = max(i.due_date for i in build_installments(terms))
    result = book.run(loan, last, assume_paid=True)
    rows: dict[date, list[Decimal]] = {}
    for line in result.lines:
        row = rows.setdefault(line.date, [ZERO, ZERO])
        if line.kind is LineKind.INSTALLMENT_DUE:
            row[0] += line.amount
        elif line.kind is LineKind.INTEREST_DUE:
            row[1] += line.amount
        elif line.kind is LineKind.USURY_CREDIT:
            row[1] -= line.amount
    return [(d, p, i) for d, (p, i) in sorted(rows.items()) if p or i]


def compute(book: Book, check: CheckModel) -> Figure:
    """The figure ``check`` names, from the loan's latest terms."""
    terms = book.history(check.loan).latest
    am = terms.amortization
    installments = build_installments(terms)
    am_cite = terms.cite("amortization")
    rate_cites = f"{terms.cite('rate')}, {terms.cite('day_count')}"
    if check.figure == "installment_count":
        return Figure(Decimal(len(installments)), "installments scheduled", am_cite)
    level = am.kind is AmortizationKind.LEVEL_PRINCIPAL and am.installment is not None
    if check.figure == "installments_total" and level and am.installment is not None:
        n = len(installments)
        return Figure(
            am.installment * n, f"{n} x {_money(am.installment)}", f"amortization, {am_cite}"
        )
    if check.figure == "installment" and am.kind is AmortizationKind.LEVEL_PRINCIPAL:
        first = installments[0].amount or ZERO
        return Figure(first, "the level principal installment", am_cite)
    if check.figure == "installment" and am.installment is not None:
        return Figure(am.installment, "the stated installment", am_cite)
    rows = projected(book, check.loan)
    if check.figure == "installments_total":
        total = sum((p for _, p, _ in rows), ZERO)
        return Figure(total, f"the principal of {len(rows)} payments", am_cite)
    if check.figure == "installment":
        dates = {i.due_date for i in installments}
        first = next((p + i for d, p, i in rows if d in dates), ZERO)
        return Figure(first, "principal and interest of the first payment", rate_cites)
    if check.figure == "total_interest":
        total = sum((i for _, _, i in rows), ZERO)
        return Figure(total, "all interest, every payment on time", rate_cites)
    if not rows:
        raise ValueError("no payment falls due under the terms")
    last_date, principal, interest = rows[-1]
    if check.figure == "balloon":
        return Figure(principal, f"the principal due on {last_date}", am_cite)
    return Figure(
        principal + interest,
        f"{_money(principal)} principal + {_money(interest)} interest on {last_date}",
        f"{am_cite}; {rate_cites}",
    )


def check_figure(book: Book, source: str, n: int, check: CheckModel) -> list[Issue]:
    doc = book.document(source) or next((d for d in book.documents if d.source == source), None)
    line = line_of(_lines(doc.text, doc.source), ("checks", n)) if doc else None
    field = f"checks[{n}].{check.figure}"
    try:
        figure = compute(book, check)
    except LoanbookError as exc:
        reason = exc.issues[0].reason if exc.issues else str(exc)
        return [Issue(source, field, f"cannot compute it: {reason}", line)]
    except ValueError as exc:
        return [Issue(source, field, f"cannot compute it: {exc}", line)]
    if abs(figure.value - check.value) <= check.tolerance:
        return []
    return [
        Issue(
            source,
            field,
            f"the document states {_money(check.value)} ({check.cite}) but the terms give "
            f"{_money(figure.value)} ({figure.how}; {figure.cites})",
            line,
        )
    ]


# -- the whole book ----------------------------------------------------------------------------
def _walk_cites(
    value: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "cite" and isinstance(inner, str):
                yield (*path, key), inner
            else:
                yield from _walk_cites(inner, (*path, key))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            yield from _walk_cites(inner, (*path, n))


def _some(names: Iterable[str], most: int = 10) -> str:
    """Names for a message: at most ``most`` of them, then how many more."""
    found = sorted(names)
    more = f" and {len(found) - most} more" if len(found) > most else ""
    return ", ".join(found[:most]) + more


@dataclass(frozen=True)
class BookPart:
    """A part of a book checked on its own (``storage.importer`` checks a book of notes a
    batch of loans at a time): ``ids`` are the ids of every document of the whole book (what
    ``amends`` and citations may name), ``loans`` the loans whose terms the part holds in
    full (their documents and nothing that changes them elsewhere). Only a book with no
    facilities, revolving facilities, certificates, stated checks or compliance terms is
    split so; there every rule below is a rule about one document or one loan."""

    ids: frozenset[str]
    loans: frozenset[str]


def rule_references(book: Book, part: BookPart | None = None) -> Iterator[Issue]:
    """``amends`` and every citation name a document of the book; a loan's facility and a
    certificate's facility exist; a check names a loan of the book."""
    ids = {d.id for d in book.documents} if part is None else part.ids
    state = book.state(FAR_FUTURE)
    for doc in book.documents:

        def lines(doc: Any = doc) -> dict[tuple[str | int, ...], int]:
            return _lines(doc.text, doc.source)  # parsed again only when there is an issue

        for n, target in enumerate(doc.model.document.amends):
            if target not in ids:
                yield Issue(
                    doc.source,
                    "document.amends",
                    f"amends {target!r}, which is not a document of the book "
                    f"(documents: {_some(ids)})",
                    line_of(lines(), ("document", "amends", n)),
                )
        dumped = doc.model.model_dump(mode="python", exclude_none=True)
        for path, cite in _walk_cites(dumped, ()):
            if not cite.strip():
                continue
            target = cite.split()[0]
            if target not in ids:
                yield Issue(
                    doc.source,
                    ".".join(map(str, path)),
                    f"cites {cite!r}: {target!r} is not a document of the book "
                    f"(documents: {_some(ids)})",
                    line_of(lines(), path),
                )
        cert = doc.model.certificate
        if cert is not None and cert.facility not in state["revolvers"]:
            yield Issue(
                doc.source,
                "certificate.facility",
                f"unknown revolving facility {cert.facility!r} "
                f"(known: {', '.join(sorted(state['revolvers'])) or 'none'})",
                line_of(lines(), ("certificate", "facility")),
            )
        for n, check in enumerate(doc.model.checks):
            if check.loan not in state["loans"]:
                yield Issue(
                    doc.source,
                    f"checks[{n}].loan",
                    f"unknown loan {check.loan!r}",
                    line_of(lines(), ("checks", n, "loan")),
                )
    facilities = set(state["facilities"]) | set(state["revolvers"])
    for loan, raw in state["loans"].items():
        if part is not None and loan not in part.loans:
            continue  # checked with the part that holds its terms in full
        facility = raw.get("facility", {}).get("value") if isinstance(raw, dict) else None
        if facility is not None and facility not in facilities:
            yield issue(
                book,
                ("loans", loan, "facility"),
                f"unknown facility {facility!r} (known: {', '.join(sorted(facilities)) or 'none'};"
                " leave `facility` out for a standalone note)",
            )


def rule_facilities(book: Book, part: BookPart | None = None) -> Iterator[Issue]:
    """000 §2(c) over the loans in the book: each loan made before the commitment ends, at
    least the minimum loan, no more than the maximum number of loans, and all of them within
    the lesser of the fixed cap and the collateral formula (the terms in force at each start)."""
    by_facility: dict[str, list[tuple[date, str, Decimal]]] = {}
    for loan, terms in _final_loans(book, part):
        if terms.facility:
            by_facility.setdefault(terms.facility, []).append((terms.start, loan, terms.principal))
    # The facilities' terms alone (few assertions): resolving them at each loan's start
    # stays cheap however many loans the book has.
    facility_assertions = [a for a in book.assertions if a.path[0] == "facilities"]
    for facility, loans in by_facility.items():
        made: list[tuple[date, str, Decimal]] = []
        for start, loan, principal in sorted(loans):
            made.append((start, loan, principal))
            state = resolve(facility_assertions, start)
            raw = state["facilities"].get(facility, {}).get("commitment")
            if not isinstance(raw, dict) or not isinstance(raw.get("value"), dict):
                continue
            try:
                c = CommitmentModel.model_validate(raw["value"])
            except PydanticError:
                continue  # reported by the schema
            cite = raw.get("cite", "")
            if c.termination is not None and start > c.termination:
                yield issue(
                    book,
                    ("loans", loan, "start"),
                    f"loan {loan} is made on {start}, after the commitment of {facility} "
                    f"ended on {c.termination} ({cite})",
                )
            if c.minimum_loan is not None and principal < c.minimum_loan:
                yield issue(
                    book,
                    ("loans", loan, "principal"),
                    f"{_money(principal)} is less than the minimum loan "
                    f"{_money(c.minimum_loan)} of {facility} ({cite})",
                )
            if c.maximum_loans is not None and len(made) > c.maximum_loans:
                yield issue(
                    book,
                    ("loans", loan, "start"),
                    f"loan {loan} is loan number {len(made)} under {facility}, which allows "
                    f"at most {c.maximum_loans} ({cite}): {', '.join(m[1] for m in made)}",
                )
            parts = [part_amount(p.basis, p.amount, p.percent, p.value) for p in c.formula]
            cap = min(c.fixed_cap, sum(parts, ZERO)) if parts else c.fixed_cap
            used = sum((m[2] for m in made), ZERO)
            if used > cap:
                formula = f" and the collateral formula {_money(sum(parts, ZERO))}" if parts else ""
                yield issue(
                    book,
                    ("loans", loan, "principal"),
                    f"the loans under {facility} total {_money(used)} with {loan}, above the "
                    f"commitment of {_money(cap)}, the lesser of {_money(c.fixed_cap)}{formula} "
                    f"({cite})",
                )


def _final_loans(book: Book, part: BookPart | None = None) -> list[tuple[str, LoanTerms]]:
    """Every loan's latest terms (of the part's loans), from one resolution of the book
    (linear in its size); a loan whose terms do not build is left to its own checks."""
    out: list[tuple[str, LoanTerms]] = []
    for loan, raw in book.state(FAR_FUTURE)["loans"].items():
        if part is not None and loan not in part.loans:
            continue
        try:
            out.append((loan, loan_terms(loan, raw)))
        except LoanbookError:
            continue
    return out


def rule_fixings(book: Book, part: BookPart | None = None) -> Iterator[Issue]:
    """A fixing of more than 1,000% a year (in size) is a typing mistake."""
    for index in book.market_with_fixings().indexes.values():
        for fx in index.fixings:
            if abs(fx.rate) > MAX_FIXING:
                file, _, line = fx.source.rpartition(":")
                yield Issue(
                    file or fx.source or "rates",
                    "rate_percent",
                    f"{fx.index} on {fx.date}: {(fx.rate * 100).normalize():f}% is not a "
                    "plausible rate (more than 1,000% a year in size)",
                    int(line) if line.isdigit() else None,
                )


def fixing_event_issues(event: LoanEvent, source: str) -> list[Issue]:
    """A fixing recorded as an event (amount in percent) within the plausible bound."""
    if event.amount is not None and abs(event.amount) > MAX_FIXING * 100:
        return [
            Issue(
                source,
                "amount",
                f"a fixing of {event.amount}% is not a plausible rate (more than 1,000% a year "
                "in size)",
            )
        ]
    return []


BookRule = Callable[["Book", BookPart | None], Iterable[Issue]]
BOOK_RULES: tuple[BookRule, ...] = (rule_references, rule_facilities, rule_fixings)


def book_issues(book: Book, part: BookPart | None = None) -> list[Issue]:
    """Every rule over the whole book (or over one part of it: ``BookPart``)."""
    out: list[Issue] = []
    for rule in BOOK_RULES:
        out.extend(rule(book, part))
    return list(dict.fromkeys(out))


# -- warnings: legal, but a person should look -------------------------------------------------
def book_warnings(book: Book, part: BookPart | None = None) -> list[Issue]:
    """Negative fixings, indexes with no fixings yet, and a stale first fixing (named)."""
    out: list[Issue] = []
    market = book.market_with_fixings()
    for index in market.indexes.values():
        for fx in index.fixings:
            if fx.rate < 0:
                file, _, line = fx.source.rpartition(":")
                out.append(
                    Issue(
                        file or fx.source or "rates",
                        "rate_percent",
                        f"{fx.index} on {fx.date} is negative "
                        f"({(fx.rate * 100).normalize():f}%); is the sign right?",
                        int(line) if line.isdigit() else None,
                    )
                )
    for loan, terms in _final_loans(book, part):
        r = terms.rate
        if r.index is None or r.reset is RateReset.FIXED:
            continue
        where = ("loans", loan, "rate", "index")
        if r.index not in market.indexes:
            known = ", ".join(sorted(market.indexes)) or "none"
            out.append(
                issue(
                    book,
                    where,
                    f"no fixings of {r.index!r} in the book yet (known: {known}); `schedule`, "
                    "`statement` and `run` need them (rates/*.csv or fixing events)",
                )
            )
            continue
        day = terms.start - timedelta(days=r.fixing_lag_days)
        index = market.indexes[r.index]
        if not index.fixings or index.fixings[0].date > day:
            continue
        used = index.in_force(day)
        age = (day - used.date).days
        stale = age > STALE_FIXING_DAYS and r.reset is not RateReset.DAILY
        if stale and _max_age(book, terms) is None:
            out.append(
                issue(
                    book,
                    where,
                    f"the first period uses {_describe_fixing(used)}, {age} days before "
                    f"{day}; set rate.fixing_max_age_days to say how old a fixing may be",
                )
            )
    return out
