"""Revolving loan accounts, day by day.

Each borrower's account holds Prime Rate Loans (one balance) and Eurodollar Rate Loans (each
with its own Interest Period and rate). Interest accrues daily at the rate in force and is
charged to the account on the first day of the next month, so it becomes principal and bears
interest. Fees charged to the account bear interest from their posting date. The overadvance
rate applies to the excess over availability once it has continued past the notice period
after a notice, unless the lender waived it in a signed writing (004 §1). Every accrual line
names the clause that set its rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.engine.rate import RateQuote, pct
from loanbook.engine.result import LoanResult, Position, RateSegment
from loanbook.errors import Issue, RefusedError, ValidationError
from loanbook.ledger.lines import Account, LedgerLine, LineKind
from loanbook.money import ZERO, frac, to_cents
from loanbook.parse import InputError, parse_count, parse_percent
from loanbook.rates import Market
from loanbook.revolving.borrowing_base import Certificate, borrowing_base, latest_certificate
from loanbook.revolving.terms import RevolverTerms
from loanbook.time import add_cycle, year_fraction
from loanbook.time.schedule import Cycle


@dataclass(frozen=True)
class RevolverHistory:
    """Versions of a facility's terms, each in force from its date."""

    versions: tuple[tuple[date, RevolverTerms], ...]

    def at(self, day: date) -> RevolverTerms:
        current = self.versions[0][1]
        for start, terms in self.versions:
            if start <= day:
                current = terms
        return current

    @property
    def latest(self) -> RevolverTerms:
        return self.versions[-1][1]


@dataclass
class _Eurodollar:
    """A Eurodollar Rate Loan: fixed all-in rate for its Interest Period (working record)."""

    ref: str
    balance: Decimal
    rate: Decimal
    start: date
    end: date  # first day after the Interest Period


@dataclass
class _Account:
    id: str
    prime: Decimal = ZERO
    eurodollars: list[_Eurodollar] = field(default_factory=list)
    rollovers: dict[str, LoanEvent] = field(default_factory=dict)  # loan ref -> notice
    run_from: date | None = None  # accrual not yet posted runs from this day ...
    run_key: tuple[Decimal, RateQuote] | None = None  # ... at this balance and rate
    run_term: str = ""
    month_interest: Fraction = Fraction(0)
    month_posted: Decimal = ZERO
    # The clauses the month's interest accrued under: the charge on the first of the next
    # month cites them, not the clause in force on the day it is charged.
    month_cites: list[str] = field(default_factory=list)
    notice: date | None = None  # overadvance notice received
    waived: date | None = None  # overadvance rate waived in writing from
    default_from: date | None = None  # default rate elected from
    lines: list[LedgerLine] = field(default_factory=list)
    segments: list[tuple[date, RateQuote]] = field(default_factory=list)
    periods: list[RateSegment] = field(default_factory=list)  # Eurodollar Interest Periods

    @property
    def balance(self) -> Decimal:
        return self.prime + sum((e.balance for e in self.eurodollars), ZERO)


def _line(
    acct: _Account,
    day: date,
    kind: LineKind,
    amount: Decimal,
    debit: Account,
    credit: Account,
    event: str,
    term: str,
    cite: str,
    component: str,
    memo: str,
) -> None:
    if amount > 0:
        acct.lines.append(
            LedgerLine(
                day, acct.id, kind, amount, debit, credit, event, term, cite, component, memo
            )
        )


def overadvance(
    terms: RevolverTerms, certs: tuple[Certificate, ...], day: date, outstanding: Decimal
) -> tuple[Decimal, Decimal]:
    """(availability, overadvance) on ``day`` for the facility's total ``outstanding``."""
    base = borrowing_base(latest_certificate(certs, terms.id, day), terms).total
    room = min(terms.maximum_credit, base) - terms.reserves
    return room - outstanding, max(outstanding - room, ZERO)


def run_facility(
    history: RevolverHistory,
    certificates: tuple[Certificate, ...],
    events: tuple[LoanEvent, ...],
    market: Market,
    until: date,
    daily: bool = False,
) -> dict[str, LoanResult]:
    """Run every revolving loan account of the facility from its start to ``until``; accruals
    are posted daily (close of business) or once per run of equal balance and rate."""
    terms0 = history.latest
    accounts = {a: _Account(a) for a in terms0.accounts.values()}
    by_day: dict[date, list[LoanEvent]] = {}
    for ev in events:
        if ev.loan in accounts:
            by_day.setdefault(ev.date, []).append(ev)
    prime_index = market.index(terms0.prime_index)
    day = history.versions[0][1].start
    while day <= until:
        terms = history.at(day)
        if day.day == 1:
            for acct in accounts.values():
                _charge_month(acct, terms, day)
        for acct in accounts.values():
            _end_periods(acct, terms, day)
        for ev in sorted(by_day.get(day, ()), key=_event_order):
            _apply(accounts[ev.loan], terms, ev)
        if day == until:
            break
        fixing = prime_index.in_force(day)
        outstanding = sum((a.balance for a in accounts.values()), ZERO)
        excess = ZERO
        if any(a.notice is not None for a in accounts.values()) and outstanding > 0:
            excess = overadvance(terms, certificates, day, outstanding)[1]
        for acct in accounts.values():
            _accrue_day(acct, terms, day, fixing.rate, fixing.date, excess, daily)
        day += timedelta(days=1)
    for acct in accounts.values():
        _flush(acct, until)
    return {a.id: _result(a, history.at(until), until) for a in accounts.values()}


def _event_order(ev: LoanEvent) -> int:
    order = [
        EventKind.WAIVER,
        EventKind.NOTICE,
        EventKind.FEE,
        EventKind.ADVANCE,
        EventKind.PAYMENT,
    ]
    return order.index(ev.kind) if ev.kind in order else len(order)


def _apply(acct: _Account, terms: RevolverTerms, ev: LoanEvent) -> None:
    amount = ev.amount or ZERO
    if ev.kind is EventKind.ADVANCE:
        if ev.date > terms.term_end:
            raise RefusedError(
                Issue(
                    ev.reference or ev.event_id,
                    "date",
                    f"no advance after the facility term ends on "
                    f"{terms.term_end} ({terms.cite('term_end')})",
                )
            )
        if ev.get("type", "prime") == "eurodollar":
            _eurodollar(acct, terms, ev, amount, ev.date)
        else:
            acct.prime += amount
        _line(
            acct,
            ev.date,
            LineKind.ADVANCE,
            amount,
            Account.PRINCIPAL_RECEIVABLE,
            Account.CASH,
            ev.event_id,
            terms.term("accounts"),
            terms.cite("accounts"),
            "principal",
            f"{ev.get('type', 'prime')} rate loan {ev.reference}".strip(),
        )
    elif ev.kind is EventKind.FEE:
        acct.prime += amount
        _line(
            acct,
            ev.date,
            LineKind.FEE,
            amount,
            Account.PRINCIPAL_RECEIVABLE,
            Account.FEE_INCOME,
            ev.event_id,
            ev.get("term") or terms.term("fees"),
            ev.get("cite"),
            "fee",
            f"{ev.reference}: charged to the loan account",
        )
    elif ev.kind is EventKind.PAYMENT:
        _repay(acct, terms, ev, amount)
    elif ev.kind is EventKind.NOTICE:
        subject = ev.get("subject")
        if subject == "overadvance":
            acct.notice = ev.date
        elif subject == "default_rate":
            acct.default_from = ev.date
        elif subject == "default_rate_end":
            acct.default_from = None
        elif subject == "rollover":
            acct.rollovers[ev.get("loan_ref")] = ev
        elif subject == "conversion":
            if amount > acct.prime:
                raise RefusedError(
                    Issue(
                        ev.reference,
                        "amount",
                        f"converts more than the Prime Rate Loans outstanding ({acct.prime})",
                    )
                )
            acct.prime -= amount
            _eurodollar(acct, terms, ev, amount, ev.date)
    elif ev.kind is EventKind.WAIVER and ev.get("subject") == "overadvance_rate":
        acct.waived = ev.date


def _eurodollar(
    acct: _Account, terms: RevolverTerms, ev: LoanEvent, amount: Decimal, start: date
) -> None:
    if not terms.eurodollar_allowed:
        raise RefusedError(
            Issue(
                ev.reference or ev.event_id,
                "type",
                f"no new Eurodollar Rate Loans or conversions into them on "
                f"{ev.date} ({terms.cite('eurodollar_allowed')})",
            )
        )
    where = ev.reference or ev.event_id
    try:  # parsed when recorded; again here for a book stored before that
        months = parse_count(ev.get("months", "1"))
        rate = parse_percent(ev.get("rate", "0")) + (terms.eurodollar_margin or ZERO)
    except InputError as exc:
        raise ValidationError(Issue(where, "rate or months", str(exc))) from None
    if months not in (1, 2, 3):
        raise RefusedError(Issue(where, "months", "an Interest Period is 1, 2 or 3 months"))
    end = add_cycle(start, Cycle(months=months), 1)
    ref = ev.reference or ev.event_id
    acct.eurodollars.append(_Eurodollar(ref, amount, rate, start, end))
    acct.periods.append(
        RateSegment(
            start,
            end,
            RateQuote(
                rate,
                f"Eurodollar Rate Loan {ref} ({amount}): {ev.get('rate', '0')}% + "
                f"{pct(terms.eurodollar_margin or ZERO)} for its Interest Period of {months} "
                f"month(s); a Prime Rate Loan from {end}",
                f"{terms.cite('eurodollar_margin')}; {terms.cite('eurodollar_allowed')}",
            ),
        )
    )


def _end_periods(acct: _Account, terms: RevolverTerms, day: date) -> None:
    """A Eurodollar Rate Loan whose Interest Period ends is rolled into a new Interest Period
    when the borrower gave notice of it (and Eurodollar Rate Loans are still available), and
    otherwise becomes a Prime Rate Loan (004 §3(a))."""
    for loan in [e for e in acct.eurodollars if e.end == day]:
        acct.eurodollars.remove(loan)
        notice = acct.rollovers.pop(loan.ref, None)
        if notice is not None and terms.eurodollar_allowed:
            rolled = LoanEvent(
                day,
                acct.id,
                EventKind.NOTICE,
                loan.balance,
                notice.reference,
                notice.key,
                notice.detail,
            )
            _eurodollar(acct, terms, rolled, loan.balance, day)
        else:
            acct.prime += loan.balance


def _repay(acct: _Account, terms: RevolverTerms, ev: LoanEvent, amount: Decimal) -> None:
    if amount > acct.balance:
        raise RefusedError(
            Issue(
                ev.reference or ev.event_id,
                "amount",
                f"repayment {amount} exceeds the balance {acct.balance}",
            )
        )
    from_prime = min(amount, acct.prime)
    acct.prime -= from_prime
    left = amount - from_prime
    for loan in sorted(acct.eurodollars, key=lambda e: e.end):
        cut = min(left, loan.balance)
        loan.balance -= cut
        left -= cut
    acct.eurodollars = [e for e in acct.eurodollars if e.balance > 0]
    _line(
        acct,
        ev.date,
        LineKind.PAYMENT_APPLIED,
        amount,
        Account.CASH,
        Account.PRINCIPAL_RECEIVABLE,
        ev.event_id,
        terms.term("accounts"),
        ev.get("cite") or terms.cite("accounts"),
        "principal",
        ev.reference or "repayment of revolving loans (Prime Rate Loans first)",
    )


def _accrue_day(
    acct: _Account,
    terms: RevolverTerms,
    day: date,
    prime: Decimal,
    prime_date: date,
    excess: Decimal,
    daily: bool,
) -> None:
    one_day = year_fraction(terms.day_count, day, day + timedelta(days=1))
    margin, cite = terms.prime_margin, terms.cite("prime_margin")
    basis = f"Prime {pct(prime)} (H.15, in force from {prime_date}) + {pct(margin)}"
    if acct.default_from is not None and day >= acct.default_from:
        margin, cite = terms.default_margin, terms.cite("default_margin")
        basis = f"Prime {pct(prime)} + {pct(margin)} (default rate, elected {acct.default_from})"
    rate = prime + margin
    interest = frac(acct.prime) * frac(rate) * one_day
    for loan in acct.eurodollars:
        interest += frac(loan.balance) * frac(loan.rate) * one_day
        basis += f"; Eurodollar Rate Loan {loan.ref} {loan.balance} at {pct(loan.rate)}"
    over = ZERO
    if (
        excess > 0
        and acct.notice is not None
        and day > acct.notice + timedelta(days=terms.overadvance_notice_days)
        and not (acct.waived is not None and acct.waived <= day)
    ):
        over = min(excess, acct.prime)
        od_rate = prime + terms.overadvance_margin
        if od_rate > rate:
            interest += frac(over) * frac(od_rate - rate) * one_day
            basis += f"; {over} overadvance at Prime + {pct(terms.overadvance_margin)}"
            cite = f"{cite}; {terms.cite('overadvance_margin')}"
    quote = RateQuote(rate, basis, cite)
    key = (acct.balance, quote)
    if acct.run_key is not None and acct.run_key != key:
        _flush(acct, day)  # the balance or the rate changed: post the run that ended
    acct.month_interest += interest
    if interest and cite not in acct.month_cites:
        acct.month_cites.append(cite)
    if not acct.segments or acct.segments[-1][1] != quote:
        acct.segments.append((day, quote))
    if acct.run_from is None:
        acct.run_from, acct.run_key, acct.run_term = day, key, terms.term("prime_margin")
    if daily:
        _flush(acct, day + timedelta(days=1))


def _flush(acct: _Account, to: date) -> None:
    """Post the interest accrued since ``run_from`` (to the cent, on the month's cumulative
    total, so the posted accruals add up to the interest charged)."""
    if acct.run_from is None or acct.run_key is None:
        return
    balance, quote = acct.run_key
    posted = to_cents(acct.month_interest) - acct.month_posted
    acct.month_posted += posted
    _line(
        acct,
        to,
        LineKind.ACCRUAL,
        posted,
        Account.INTEREST_ACCRUED,
        Account.INTEREST_INCOME,
        f"{acct.id}/accrual/{to}",
        acct.run_term,
        quote.cite,
        "interest",
        f"{acct.run_from}..{to - timedelta(days=1)} on {balance} at {quote.basis}",
    )
    acct.run_from, acct.run_key = None, None


def _charge_month(acct: _Account, terms: RevolverTerms, day: date) -> None:
    """Interest of the month just ended is charged to the loan account (it becomes principal)."""
    _flush(acct, day)
    amount = acct.month_posted
    cite = "; ".join(acct.month_cites) or terms.cite("prime_margin")
    acct.month_interest, acct.month_posted, acct.month_cites = Fraction(0), ZERO, []
    acct.prime += amount
    last = day - timedelta(days=1)
    _line(
        acct,
        day,
        LineKind.CAPITALIZATION,
        amount,
        Account.PRINCIPAL_RECEIVABLE,
        Account.INTEREST_ACCRUED,
        f"{acct.id}/interest/{last:%Y-%m}",
        terms.term("prime_margin"),
        cite,
        "interest",
        f"interest for {last:%B %Y} charged to the loan account",
    )


def _result(acct: _Account, terms: RevolverTerms, until: date) -> LoanResult:
    due = acct.balance if until > terms.term_end else ZERO
    position = Position(
        as_of=until,
        principal_not_due=acct.balance - due,
        principal_due=due,
        interest_accrued=acct.month_posted,
        interest_due=ZERO,
        late_charges=ZERO,
        fees=ZERO,
        unapplied=ZERO,
        dues=(),
    )
    rates = tuple(
        RateSegment(start, acct.segments[i + 1][0] if i + 1 < len(acct.segments) else until, q)
        for i, (start, q) in enumerate(acct.segments)
    )
    rates = tuple(sorted((*rates, *acct.periods), key=lambda r: r.start))
    lines = tuple(ln for ln in acct.lines if ln.amount > 0)
    return LoanResult(acct.id, lines, (), (), position, rates)
