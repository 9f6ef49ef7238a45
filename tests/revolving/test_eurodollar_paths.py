"""The paths of a revolving loan account that mutation testing found unchecked: Eurodollar
Rate Loans (each Interest Period, conversions, rollovers, refusals), the accrual and monthly
charge lines as the ledger shows them (memo, event, term, clause), the position after the
term ends, the rate segments, and the order of a day's events.

Facility of ``tests/revolving/conftest.py``: Prime (H.15) 4.75% from 2001-12-11, Prime Rate
Loans at Prime + 1% = 5.75% (004 §1), Eurodollar margin 2.5% ("assumed"), default margin 2%
(004 §1(a)), overadvance margin 2% (004 §1(b)), actual/360, term end 2003-01-03 (004 §2).
Every figure is worked by hand in the comments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from types import MappingProxyType

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.engine.rate import RateQuote
from loanbook.engine.result import LoanResult, RateSegment
from loanbook.errors import RefusedError, ValidationError
from loanbook.ledger import Account, LineKind
from loanbook.revolving.account import RevolverHistory, run_facility
from loanbook.terms.model import Citation
from tests.revolving.conftest import certificate, facility, history, prime

LPC = "congress-revolver-lpc"
PRIME_BASIS = "Prime 4.75% (H.15, in force from 2001-12-11) + 1%"


def ev(
    day: date, kind: EventKind, amount: str | None, ref: str, key: str = "", **detail: str
) -> LoanEvent:
    value = D(amount) if amount is not None else None
    return LoanEvent(day, LPC, kind, value, ref, key, tuple(detail.items()))


def euro(day: date, amount: str, ref: str, **detail: str) -> LoanEvent:
    return ev(day, EventKind.ADVANCE, amount, ref, type="eurodollar", **detail)


def run(events: tuple[LoanEvent, ...], until: date, **kw: object) -> LoanResult:
    hist = kw.pop("hist", history())
    assert isinstance(hist, RevolverHistory)
    return run_facility(hist, (certificate(),), events, prime(), until, **kw)[LPC]  # type: ignore[arg-type]


def charged(out: LoanResult) -> list[tuple[date, D]]:
    return [(ln.date, ln.amount) for ln in out.lines if ln.kind is LineKind.CAPITALIZATION]


def periods(out: LoanResult) -> list[RateSegment]:
    return [s for s in out.rates if s.quote.basis.startswith("Eurodollar")]


def test_interest_periods_of_one_two_and_three_months() -> None:
    # Each Eurodollar Rate Loan made 2002-09-03 keeps its rate (its rate + 2.5%) to the end of
    # its Interest Period: 1 month to 10-03, 2 months to 11-03, 3 months to 12-03. Without
    # months and rate: 1 month at 0% + 2.5%.
    events = (
        euro(date(2002, 9, 3), "100000", "E1", months="1", rate="1.80"),
        euro(date(2002, 9, 3), "200000", "E2", months="2", rate="1.85"),
        euro(date(2002, 9, 3), "300000", "E3", months="3", rate="2"),
        euro(date(2002, 9, 3), "1000", "E0"),
    )
    cite = "assumed; 004 §3"  # eurodollar_margin; eurodollar_allowed
    assert periods(run(events, date(2002, 9, 4))) == [
        RateSegment(
            date(2002, 9, 3),
            date(2002, 10, 3),
            RateQuote(
                D("0.043"),
                "Eurodollar Rate Loan E1 (100000): 1.80% + 2.5% for its Interest Period of "
                "1 month(s); a Prime Rate Loan from 2002-10-03",
                cite,
            ),
        ),
        RateSegment(
            date(2002, 9, 3),
            date(2002, 11, 3),
            RateQuote(
                D("0.0435"),
                "Eurodollar Rate Loan E2 (200000): 1.85% + 2.5% for its Interest Period of "
                "2 month(s); a Prime Rate Loan from 2002-11-03",
                cite,
            ),
        ),
        RateSegment(
            date(2002, 9, 3),
            date(2002, 12, 3),
            RateQuote(
                D("0.045"),
                "Eurodollar Rate Loan E3 (300000): 2% + 2.5% for its Interest Period of "
                "3 month(s); a Prime Rate Loan from 2002-12-03",
                cite,
            ),
        ),
        RateSegment(
            date(2002, 9, 3),
            date(2002, 10, 3),
            RateQuote(
                D("0.025"),
                "Eurodollar Rate Loan E0 (1000): 0% + 2.5% for its Interest Period of "
                "1 month(s); a Prime Rate Loan from 2002-10-03",
                cite,
            ),
        ),
    ]


def test_without_a_eurodollar_margin_the_loan_bears_its_rate_alone() -> None:
    terms = facility(eurodollar_margin=None)
    out = run(
        (euro(date(2002, 9, 3), "1000", "E1", rate="1.80"),),
        date(2002, 9, 4),
        hist=history((date(2002, 9, 1), terms)),
    )
    ((seg,),) = [periods(out)]
    assert seg.quote.rate == D("0.018")
    assert seg.quote.basis.startswith("Eurodollar Rate Loan E1 (1000): 1.80% + 0% for")


@pytest.mark.parametrize("months", ["0", "4", "12"])
def test_an_interest_period_is_one_two_or_three_months(months: str) -> None:
    with pytest.raises(RefusedError) as exc:
        run((euro(date(2002, 9, 3), "1000", "E4", months=months),), date(2002, 9, 4))
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "E4",
        "months",
        "an Interest Period is 1, 2 or 3 months",
    )


def test_a_rate_the_parser_refuses_names_the_loan() -> None:
    with pytest.raises(ValidationError) as exc:
        run((euro(date(2002, 9, 3), "1000", "E5", rate="1,80"),), date(2002, 9, 4))
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "E5",
        "rate or months",
        "'1,80' is not a decimal rate (ASCII digits and at most one decimal point, "
        "e.g. 1234.56; no separators, spaces, signs or exponents)",
    )


def test_no_eurodollar_loan_when_they_are_not_available() -> None:
    # Without a reference the event is named by its key.
    closed = history((date(2002, 9, 1), facility(eurodollar_allowed=False)))
    for event, name in (
        (euro(date(2002, 9, 3), "1000", "E6"), "E6"),
        (ev(date(2002, 9, 3), EventKind.ADVANCE, "1000", "", "k-6", type="eurodollar"), "k-6"),
    ):
        with pytest.raises(RefusedError) as exc:
            run((event,), date(2002, 9, 4), hist=closed)
        (issue,) = exc.value.issues
        assert (issue.file, issue.field, issue.reason) == (
            name,
            "type",
            "no new Eurodollar Rate Loans or conversions into them on 2002-09-03 (004 §3)",
        )


CONVERT = (
    ev(date(2002, 9, 2), EventKind.ADVANCE, "300000", "P"),
    ev(
        date(2002, 9, 3),
        EventKind.NOTICE,
        "200000",
        "C1",
        subject="conversion",
        months="1",
        rate="1.80",
    ),
)


def test_a_conversion_moves_prime_rate_loans_into_a_eurodollar_loan() -> None:
    # 09-02: 300,000 x 5.75% / 360 = 47.91666...
    # 09-03..09-30 (28 days): Prime 100,000 x 5.75% x 28/360 = 447.22222...
    #                         Eurodollar 200,000 x (1.80% + 2.5%) x 28/360 = 668.88888...
    # September: 1,164.02777... -> 1,164.03, charged 10-01 to the Prime Rate Loans.
    out = run(CONVERT, date(2002, 10, 2))
    assert charged(out) == [(date(2002, 10, 1), D("1164.03"))]
    # 100,000 + 1,164.03 Prime and 200,000 Eurodollar, none of it due before the term ends
    assert (out.position.principal_not_due, out.position.principal_due) == (
        D("301164.03"),
        D("0"),
    )
    (seg,) = periods(out)
    assert (seg.start, seg.end, seg.quote.rate) == (date(2002, 9, 3), date(2002, 10, 3), D("0.043"))


def test_a_conversion_above_the_prime_rate_loans_is_refused() -> None:
    too_much = (CONVERT[0], replace(CONVERT[1], amount=D("300000.01")))
    with pytest.raises(RefusedError) as exc:
        run(too_much, date(2002, 9, 4))
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "C1",
        "amount",
        "converts more than the Prime Rate Loans outstanding (300000.00)",
    )


B = euro(date(2002, 9, 3), "100000", "B", months="1", rate="1.80")
ROLL = ev(
    date(2002, 9, 20),
    EventKind.NOTICE,
    None,
    "B",
    subject="rollover",
    loan_ref="B",
    months="1",
    rate="2.00",
)


def test_a_rollover_notice_gives_a_new_interest_period_at_the_new_rate() -> None:
    # September: 100,000 x 4.30% x 28/360 (09-03..09-30) = 334.444... -> 334.44, charged 10-01.
    # October: the charge bears Prime: 334.44 x 5.75% x 31/360 = 1.655943...;
    #   B at 4.30% on 10-01 and 10-02: 100,000 x 4.30% x 2/360 = 23.888...;
    #   rolled on 10-03 at 2.00% + 2.5% = 4.50% to 10-31 (29 days): 100,000 x 4.5% x 29/360
    #   = 362.50; in all 388.044832... -> 388.04, charged 11-01.
    out = run((B, ROLL), date(2002, 11, 2))
    assert charged(out) == [(date(2002, 10, 1), D("334.44")), (date(2002, 11, 1), D("388.04"))]
    assert [(s.start, s.end, s.quote.rate) for s in periods(out)] == [
        (date(2002, 9, 3), date(2002, 10, 3), D("0.043")),
        (date(2002, 10, 3), date(2002, 11, 3), D("0.045")),
    ]
    assert periods(out)[1].quote.basis == (
        "Eurodollar Rate Loan B (100000): 2.00% + 2.5% for its Interest Period of 1 month(s); "
        "a Prime Rate Loan from 2002-11-03"
    )


# Without the rollover (no notice, or Eurodollar Rate Loans no longer available on the day
# the period ends), B becomes a Prime Rate Loan on 10-03. October:
#   Prime 334.44 x 5.75% x 2/360 (10-01, 10-02) = 0.106836...; B 23.888... (as above);
#   Prime 100,334.44 x 5.75% x 29/360 (10-03..10-31) = 464.743563...;
#   in all 488.739288... -> 488.74.
def test_without_a_rollover_the_loan_becomes_a_prime_rate_loan() -> None:
    out = run((B,), date(2002, 11, 2))
    assert charged(out) == [(date(2002, 10, 1), D("334.44")), (date(2002, 11, 1), D("488.74"))]


def test_no_rollover_once_eurodollar_loans_are_not_available() -> None:
    closed = history(
        (date(2002, 9, 1), facility()), (date(2002, 10, 1), facility(eurodollar_allowed=False))
    )
    out = run((B, ROLL), date(2002, 11, 2), hist=closed)
    assert charged(out) == [(date(2002, 10, 1), D("334.44")), (date(2002, 11, 1), D("488.74"))]
    assert len(periods(out)) == 1


ADVANCE = ev(date(2002, 9, 2), EventKind.ADVANCE, "1000", "A1")


def test_accrual_lines_by_run_of_equal_balance_and_rate() -> None:
    # 09-02..09-04 (3 days) on 1,000.00 at 5.75%: 1,000 x 5.75% x 3/360 = 0.479166... -> 0.48,
    # posted on the last day of the run (09-05). 09-01 had no balance: nothing posted for it.
    out = run((ADVANCE,), date(2002, 9, 5))
    (acc,) = [ln for ln in out.lines if ln.kind is LineKind.ACCRUAL]
    assert (
        acc.date,
        acc.loan,
        acc.amount,
        acc.debit,
        acc.credit,
        acc.event,
        acc.term,
        acc.cite,
        acc.component,
        acc.memo,
    ) == (
        date(2002, 9, 5),
        LPC,
        D("0.48"),
        Account.INTEREST_ACCRUED,
        Account.INTEREST_INCOME,
        f"{LPC}/accrual/2002-09-05",
        "revolvers.congress-revolver.prime_margin",
        "004 §1",
        "interest",
        f"2002-09-02..2002-09-04 on 1000.00 at {PRIME_BASIS}",
    )
    assert out.position.interest_accrued == D("0.48")


def test_daily_accrual_lines_post_each_day_on_the_months_running_total() -> None:
    # 1,000 x 5.75% / 360 = 0.159722... a day; running totals 0.16, 0.32 (0.319444...),
    # 0.48 (0.479166...): each day posts 0.16.
    out = run((ADVANCE,), date(2002, 9, 5), daily=True)
    acc = [(ln.date, ln.amount, ln.memo) for ln in out.lines if ln.kind is LineKind.ACCRUAL]
    assert acc == [
        (date(2002, 9, 3), D("0.16"), f"2002-09-02..2002-09-02 on 1000.00 at {PRIME_BASIS}"),
        (date(2002, 9, 4), D("0.16"), f"2002-09-03..2002-09-03 on 1000.00 at {PRIME_BASIS}"),
        (date(2002, 9, 5), D("0.16"), f"2002-09-04..2002-09-04 on 1000.00 at {PRIME_BASIS}"),
    ]


def test_the_months_interest_is_charged_on_the_first_and_cites_its_clauses() -> None:
    # 1,000 advanced 09-02; September 29 days at 5.75%: 4.631944... -> 4.63, charged 10-01.
    # On 10-01, 1,004.63 x 5.75% / 360 = 0.160462... -> 0.16 accrued (posted at 10-02).
    out = run((ADVANCE,), date(2002, 10, 2))
    (cap,) = [ln for ln in out.lines if ln.kind is LineKind.CAPITALIZATION]
    assert (
        cap.date,
        cap.amount,
        cap.debit,
        cap.credit,
        cap.event,
        cap.term,
        cap.cite,
        cap.component,
        cap.memo,
    ) == (
        date(2002, 10, 1),
        D("4.63"),
        Account.PRINCIPAL_RECEIVABLE,
        Account.INTEREST_ACCRUED,
        f"{LPC}/interest/2002-09",
        "revolvers.congress-revolver.prime_margin",
        "004 §1",
        "interest",
        "interest for September 2002 charged to the loan account",
    )
    assert (out.position.principal_not_due, out.position.interest_accrued) == (
        D("1004.63"),
        D("0.16"),
    )


def test_a_charge_cites_only_the_clauses_interest_accrued_under() -> None:
    # Nothing outstanding 09-01..09-15 (at 004 §1, no interest); the default rate elected and
    # 1,000 advanced on 09-16: 15 days at Prime + 2% = 6.75%: 1,000 x 6.75% x 15/360
    # = 2.8125 -> 2.81, all of it under 004 §1(a).
    events = (
        ev(date(2002, 9, 16), EventKind.NOTICE, None, "N", subject="default_rate"),
        ev(date(2002, 9, 16), EventKind.ADVANCE, "1000", "A"),
    )
    out = run(events, date(2002, 10, 2))
    (cap,) = [ln for ln in out.lines if ln.kind is LineKind.CAPITALIZATION]
    assert (cap.amount, cap.cite) == (D("2.81"), "004 §1(a)")
    # Both clauses when the month had interest under each: 09-02..09-15 at 5.75% then 6.75%.
    # 1,000 x (5.75% x 14 + 6.75% x 15) / 360 = 1,000 x 1.8175 / 360 = 5.048611... -> 5.05
    both = (ADVANCE, ev(date(2002, 9, 16), EventKind.NOTICE, None, "N", subject="default_rate"))
    (cap,) = [ln for ln in run(both, date(2002, 10, 2)).lines if ln.kind is LineKind.CAPITALIZATION]
    assert (cap.amount, cap.cite) == (D("5.05"), "004 §1; 004 §1(a)")


def test_the_rate_segments_of_the_account() -> None:
    # 5.75% from the start (09-01) to the default rate's election on 09-16, then 6.75% to the
    # end of the run.
    both = (ADVANCE, ev(date(2002, 9, 16), EventKind.NOTICE, None, "N", subject="default_rate"))
    out = run(both, date(2002, 10, 1))
    assert [s for s in out.rates if not s.quote.basis.startswith("Eurodollar")] == [
        RateSegment(
            date(2002, 9, 1), date(2002, 9, 16), RateQuote(D("0.0575"), PRIME_BASIS, "004 §1")
        ),
        RateSegment(
            date(2002, 9, 16),
            date(2002, 10, 1),
            RateQuote(
                D("0.0675"), "Prime 4.75% + 2% (default rate, elected 2002-09-16)", "004 §1(a)"
            ),
        ),
    ]


def test_the_overadvance_part_of_the_basis_and_its_clause() -> None:
    # Availability 850,000 (85% of 1,000,000); 900,000 advanced 09-02: 50,000.00 over.
    # Notice 09-02: the overadvance rate from 09-06 (after three days' notice).
    # September: 900,000 x 5.75% x 29/360 = 4,168.75; + 50,000 x (6.75% - 5.75%) x 25/360
    # (09-06..09-30) = 34.7222...: 4,203.4722... -> 4,203.47.
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "900000", "A"),
        ev(date(2002, 9, 2), EventKind.NOTICE, None, "N", subject="overadvance"),
    )
    out = run(events, date(2002, 10, 1))
    assert charged(out) == [(date(2002, 10, 1), D("4203.47"))]
    over = [s for s in out.rates if "overadvance" in s.quote.basis]
    assert [(s.start, s.quote.basis, s.quote.cite) for s in over] == [
        (
            date(2002, 9, 6),
            f"{PRIME_BASIS}; 50000.00 overadvance at Prime + 2%",
            "004 §1; 004 §1(b)",
        )
    ]


def test_no_overadvance_charge_when_the_default_rate_is_as_high() -> None:
    # Default rate Prime + 2% from 09-02 equals the overadvance rate: nothing more is charged
    # and the basis names no overadvance. 900,000 x 6.75% x 29/360 = 4,893.75.
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "900000", "A"),
        ev(date(2002, 9, 2), EventKind.NOTICE, None, "N", subject="overadvance"),
        ev(date(2002, 9, 2), EventKind.NOTICE, None, "D", subject="default_rate"),
    )
    out = run(events, date(2002, 10, 1))
    assert charged(out) == [(date(2002, 10, 1), D("4893.75"))]
    assert not [s for s in out.rates if "overadvance" in s.quote.basis]


def test_without_a_notice_no_certificate_is_needed() -> None:
    # Availability is computed only once an overadvance notice was given.
    out = run_facility(history(), (), (ADVANCE,), prime(), date(2002, 9, 5))[LPC]
    assert out.position.principal_not_due == D("1000.00")


def test_after_the_term_ends_everything_is_due_and_no_advance_is_made() -> None:
    # Term end 09-10. On 09-10: 8 days (09-02..09-09) of 1,000 x 5.75%/360 = 1.2777... -> 1.28,
    # nothing due yet; on 09-11: 9 days, 1.4375 -> 1.44, the 1,000.00 due.
    ended = history((date(2002, 9, 1), facility(term_end=date(2002, 9, 10))))
    on_end = run((ADVANCE,), date(2002, 9, 10), hist=ended).position
    assert (on_end.principal_not_due, on_end.principal_due, on_end.interest_accrued) == (
        D("1000.00"),
        D("0"),
        D("1.28"),
    )
    after = run((ADVANCE,), date(2002, 9, 11), hist=ended).position
    assert (after.principal_not_due, after.principal_due, after.interest_accrued) == (
        D("0"),
        D("1000.00"),
        D("1.44"),
    )
    late = ev(date(2002, 9, 11), EventKind.ADVANCE, "5", "A2")
    with pytest.raises(RefusedError) as exc:
        run((ADVANCE, late), date(2002, 9, 12), hist=ended)
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "A2",
        "date",
        "no advance after the facility term ends on 2002-09-10 (004 §2)",
    )


def test_a_days_events_apply_fees_then_advances_then_payments() -> None:
    # Listed payment first: applied after the fee (25) and the advance (1,000), it repays
    # the 1,025 in full.
    events = (
        ev(date(2002, 9, 2), EventKind.PAYMENT, "1025", "P"),
        ev(date(2002, 9, 2), EventKind.ADVANCE, "1000", "A"),
        ev(date(2002, 9, 2), EventKind.FEE, "25", "F", cite="004 §6"),
    )
    out = run(events, date(2002, 9, 3))
    assert [ln.kind for ln in out.lines] == [
        LineKind.FEE,
        LineKind.ADVANCE,
        LineKind.PAYMENT_APPLIED,
    ]
    assert out.position.principal_outstanding == D("0")
    (paid,) = [ln for ln in out.lines if ln.kind is LineKind.PAYMENT_APPLIED]
    assert (paid.memo, paid.term) == ("P", "revolvers.congress-revolver.accounts")
    (fee,) = [ln for ln in out.lines if ln.kind is LineKind.FEE]
    assert fee.memo == "F: charged to the loan account"


def test_a_repayment_without_reference_or_clause_says_what_it_is() -> None:
    events = (ADVANCE, ev(date(2002, 9, 3), EventKind.PAYMENT, "400", ""))
    (paid,) = [
        ln for ln in run(events, date(2002, 9, 4)).lines if ln.kind is LineKind.PAYMENT_APPLIED
    ]
    assert (paid.memo, paid.cite, paid.event) == (
        "repayment of revolving loans (Prime Rate Loans first)",
        "",  # the facility's terms cite no clause for its accounts
        "payment:2002-09-03:",
    )


def test_the_terms_in_force_on_a_day() -> None:
    a, b = facility(), facility(prime_margin=D("0.02"))
    hist = history((date(2002, 9, 1), a), (date(2002, 10, 1), b))
    assert hist.at(date(2002, 8, 1)) is a  # before the first version: the first
    assert hist.at(date(2002, 9, 30)) is a
    assert hist.at(date(2002, 10, 1)) is b
    assert hist.latest is b


def test_the_whole_position_after_the_term() -> None:
    # The account's position holds principal and accrued interest only: no interest due,
    # late charges, fees or unapplied cash (those are a term note's), no installments.
    ended = history((date(2002, 9, 1), facility(term_end=date(2002, 9, 10))))
    out = run((ADVANCE,), date(2002, 9, 11), hist=ended)
    assert out.loan == LPC
    assert (out.installments, out.scheduled) == ((), ())
    p = out.position
    assert (p.as_of, p.interest_due, p.late_charges, p.fees, p.unapplied, p.dues) == (
        date(2002, 9, 11),
        D("0"),
        D("0"),
        D("0"),
        D("0"),
        (),
    )


def test_a_repaid_eurodollar_loan_leaves_the_rate_basis() -> None:
    # B (100,000 at 4.30%) repaid down to 0.50 on 09-10, then the last 0.50 on 09-12. The
    # accrual basis lists B while anything of it is outstanding, not after.
    events = (
        B,
        ev(date(2002, 9, 10), EventKind.PAYMENT, "99999.50", "R1"),
        ev(date(2002, 9, 12), EventKind.PAYMENT, "0.50", "R2"),
    )
    out = run(events, date(2002, 9, 14))
    bases = [(s.start, s.quote.basis) for s in out.rates if not s.quote.basis.startswith("Euro")]
    assert bases == [
        (date(2002, 9, 1), PRIME_BASIS),
        (date(2002, 9, 3), f"{PRIME_BASIS}; Eurodollar Rate Loan B 100000 at 4.3%"),
        (date(2002, 9, 10), f"{PRIME_BASIS}; Eurodollar Rate Loan B 0.50 at 4.3%"),
        (date(2002, 9, 12), PRIME_BASIS),
    ]


def test_a_rollover_notice_without_reference_names_the_new_loan_by_its_key() -> None:
    roll = ev(
        date(2002, 9, 20), EventKind.NOTICE, None, "", "roll-1", subject="rollover", loan_ref="B"
    )
    out = run((B, roll), date(2002, 10, 4))
    assert periods(out)[1].quote.basis.startswith("Eurodollar Rate Loan roll-1 (100000): 0% +")


def test_an_event_the_account_does_not_act_on_changes_nothing() -> None:
    # e.g. an acceleration recorded against the account (the facility has no such clause)
    events = (ADVANCE, ev(date(2002, 9, 2), EventKind.ACCELERATION, None, "X"))
    assert run(events, date(2002, 9, 5)).lines == run((ADVANCE,), date(2002, 9, 5)).lines


def test_three_rate_segments_end_where_the_next_begins() -> None:
    # 5.75% 09-01..09-15, the default rate 6.75% 09-16..09-20, 5.75% again from 09-21.
    events = (
        ADVANCE,
        ev(date(2002, 9, 16), EventKind.NOTICE, None, "N", subject="default_rate"),
        ev(date(2002, 9, 21), EventKind.NOTICE, None, "E", subject="default_rate_end"),
    )
    out = run(events, date(2002, 9, 25))
    assert [(s.start, s.end, s.quote.rate) for s in out.rates] == [
        (date(2002, 9, 1), date(2002, 9, 16), D("0.0575")),
        (date(2002, 9, 16), date(2002, 9, 21), D("0.0675")),
        (date(2002, 9, 21), date(2002, 9, 25), D("0.0575")),
    ]


def over_basis(out: LoanResult) -> list[tuple[date, str]]:
    return [(s.start, s.quote.basis) for s in out.rates if "overadvance" in s.quote.basis]


def test_the_smallest_overadvance_is_charged() -> None:
    # A certificate of 1.00 of receivables: availability 0.85. 1.00 advanced and a notice
    # on 09-02: 0.15 over, charged from 09-06.
    small = certificate("1.00")
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "1.00", "A"),
        ev(date(2002, 9, 2), EventKind.NOTICE, None, "N", subject="overadvance"),
    )
    out = run_facility(history(), (small,), events, prime(), date(2002, 9, 8))[LPC]
    assert over_basis(out) == [
        (date(2002, 9, 6), f"{PRIME_BASIS}; 0.15 overadvance at Prime + 2%"),
    ]


def test_a_notice_without_an_overadvance_changes_nothing() -> None:
    # 100,000 outstanding, availability 850,000: nothing over, no overadvance text. A notice
    # while nothing is outstanding needs no certificate.
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "100000", "A"),
        ev(date(2002, 9, 2), EventKind.NOTICE, None, "N", subject="overadvance"),
    )
    assert over_basis(run(events, date(2002, 9, 10))) == []
    notice_only = (ev(date(2002, 9, 2), EventKind.NOTICE, None, "N", subject="overadvance"),)
    out = run_facility(history(), (), notice_only, prime(), date(2002, 9, 10))[LPC]
    assert out.position.principal_outstanding == D("0")


OVER = (
    ev(date(2002, 9, 2), EventKind.ADVANCE, "900000", "A"),
    ev(date(2002, 9, 2), EventKind.NOTICE, None, "N", subject="overadvance"),
)


def test_a_waiver_from_the_first_day_of_the_overadvance_rate_waives_it_all() -> None:
    # The rate would apply from 09-06; waived in writing on 09-06: never charged.
    waived = (*OVER, ev(date(2002, 9, 6), EventKind.WAIVER, None, "W", subject="overadvance_rate"))
    assert over_basis(run(waived, date(2002, 9, 10))) == []
    # a waiver of something else leaves the overadvance rate in force
    other = (*OVER, ev(date(2002, 9, 3), EventKind.WAIVER, None, "W", subject="covenant"))
    assert [d for d, _ in over_basis(run(other, date(2002, 9, 10)))] == [date(2002, 9, 6)]


def test_advance_and_fee_lines_name_their_event_term_and_clause() -> None:
    # With a clause for the accounts (002 §6(f)-(g)): the advance and a repayment without
    # its own clause cite it. A fee names the term its event gives, else the facility's fees.
    terms = facility(
        cites=MappingProxyType({**facility().cites, "accounts": Citation("002", "§6(f)-(g)")})
    )
    events = (
        euro(date(2002, 9, 2), "1000", "E1"),
        ev(date(2002, 9, 2), EventKind.ADVANCE, "100", "P1"),
        ev(date(2002, 9, 5), EventKind.FEE, "25", "F", "fee-1", term="revolvers.x.closing_fee"),
        ev(date(2002, 9, 6), EventKind.PAYMENT, "10", "R", "pay-1"),
    )
    out = run(events, date(2002, 9, 7), hist=history((date(2002, 9, 1), terms)))
    adv, fee, paid = (
        next(ln for ln in out.lines if ln.kind is k)
        for k in (LineKind.ADVANCE, LineKind.FEE, LineKind.PAYMENT_APPLIED)
    )
    assert (adv.date, adv.event, adv.term, adv.cite, adv.memo) == (
        date(2002, 9, 2),
        "advance:2002-09-02:E1",
        "revolvers.congress-revolver.accounts",
        "002 §6(f)-(g)",
        "eurodollar rate loan E1",
    )
    assert (fee.date, fee.event, fee.term, fee.component) == (
        date(2002, 9, 5),
        "fee-1",
        "revolvers.x.closing_fee",
        "fee",
    )
    assert (paid.date, paid.event, paid.cite, paid.component) == (
        date(2002, 9, 6),
        "pay-1",
        "002 §6(f)-(g)",
        "principal",
    )
    # the fee is added to the Prime Rate Loans, and the repayment takes Prime first:
    # 100 + 25 - 10 = 115 Prime, 1,000 Eurodollar
    assert out.position.principal_outstanding == D("1115.00")


def test_an_advance_on_the_last_day_of_the_term_and_a_conversion_of_all_prime() -> None:
    ended = history((date(2002, 9, 1), facility(term_end=date(2002, 9, 10))))
    last_day = ev(date(2002, 9, 10), EventKind.ADVANCE, "5", "A2")
    assert run(
        (ADVANCE, last_day), date(2002, 9, 10), hist=ended
    ).position.principal_outstanding == (D("1005.00"))
    all_prime = (CONVERT[0], replace(CONVERT[1], amount=D("300000.00")))
    out = run(all_prime, date(2002, 9, 4))
    assert [s.start for s in periods(out)] == [date(2002, 9, 3)]


def test_a_rollover_notice_without_reference_or_key_names_the_new_loan_by_the_day() -> None:
    roll = ev(date(2002, 9, 20), EventKind.NOTICE, None, "", subject="rollover", loan_ref="B")
    out = run((B, roll), date(2002, 10, 4))
    assert periods(out)[1].quote.basis.startswith("Eurodollar Rate Loan notice:2002-10-03: (")
