"""Parts of the revolving facility that mutation testing found untested: its terms read from
a term file (and as 004 amends them), repayments (Prime Rate Loans first, then Eurodollar
Rate Loans ending soonest), certificate checks, the latest certificate, and the ledger lines
of each event. Figures worked by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import MappingProxyType

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import RefusedError, ValidationError
from loanbook.ledger import Account, LineKind
from loanbook.loader import read_book_text
from loanbook.revolving.account import run_facility
from loanbook.revolving.borrowing_base import (
    Certificate,
    CertificateItem,
    check_certificate,
    latest_certificate,
)
from loanbook.revolving.terms import EligibilityRule
from loanbook.time import DayCount
from tests.golden.test_golden import CASES, parse_case
from tests.revolving.conftest import certificate, facility, history, prime

LPC = "congress-revolver-lpc"


def test_the_revolver_terms_as_the_term_files_state_them() -> None:
    files, _ = parse_case((CASES / "congress-revolver-004-default-rate.case").read_text())
    book = read_book_text(files)
    before = book.revolver_terms("congress-revolver", date(2002, 10, 30))
    assert (
        before.id,
        before.lender,
        dict(before.accounts),
        before.maximum_credit,
        before.start,
        before.term_end,
        before.day_count,
        before.prime_index,
        before.prime_margin,
        before.eurodollar_margin,
        before.eurodollar_allowed,
        before.default_margin,
        before.overadvance_margin,
        before.overadvance_notice_days,
        dict(before.advance_rates),
        dict(before.sublimits),
        before.reserves,
        before.locations,
    ) == (
        "congress-revolver",
        "congress",
        {"lpc": "congress-revolver-lpc", "lrg": "congress-revolver-lrg"},
        D("15000000.00"),
        date(1996, 1, 1),
        date(2003, 1, 11),
        DayCount.ACT_360,
        "PRIME",
        D("0.015"),
        D("0.03"),
        True,
        D("0.02"),
        D("0.02"),
        3,
        {"accounts": D("0.85"), "inventory": D("0.50"), "equipment": D("0")},
        {"inventory": D("5000000.00")},
        D("250000.00"),
        ("rochester-ny", "casa-grande-az", "north-canton-oh", "vienna-oh", "lakewood-ny"),
    )
    assert before.eligibility == (
        EligibilityRule(
            "max_age_days",
            ("accounts",),
            "congress-afa §1 Eligible Accounts",
            days=90,
            note="Assumed - receivables more than 90 days from invoice are not Eligible Accounts.",
        ),
    )
    assert (
        before.cite("prime_margin") == "congress-afa Interest Rate (letter of 1995-01-31) [assumed]"
    )
    assert before.cite("prime_index") == "004 §1"
    assert before.account_of("congress-revolver-lrg") == "lrg"
    assert before.account_of("nobody") is None
    after = book.revolver_terms("congress-revolver", date(2002, 11, 1))
    assert (after.prime_margin, after.cite("prime_margin")) == (D("0.01"), "004 §1(a)")
    assert (after.term_end, after.eurodollar_allowed) == (date(2003, 1, 3), False)
    assert after.term("prime_margin") == "revolvers.congress-revolver.prime_margin"


def ev(day: date, kind: EventKind, amount: str | None = None, **detail: str) -> LoanEvent:
    value = D(amount) if amount is not None else None
    return LoanEvent(day, LPC, kind, value, f"{kind.value}-{day}", "", tuple(detail.items()))


def test_a_repayment_takes_prime_rate_loans_first_then_eurodollar_loans_ending_soonest() -> None:
    # 09-02: 300,000 Prime; 09-03: Eurodollar A 200,000 for 2 months (ends 11-03) and
    # B 100,000 for 1 month (ends 10-03), both at 1.80% + 2.5% = 4.30%. On 09-10, 350,000
    # repaid: 300,000 Prime, then 50,000 of B (ending first); A untouched.
    # September interest: Prime 300,000 x 5.75% x 8/360 (09-02..09-09) = 383.333...;
    # B: 100,000 x 4.30% x 7/360 (09-03..09-09) + 50,000 x 4.30% x 21/360 (09-10..09-30)
    #   = 83.611... + 125.416...; A: 200,000 x 4.30% x 28/360 = 668.888...
    # total 1,261.25 (383.3333 + 83.6111 + 125.4167 + 668.8889 = 1,261.25)
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "300000"),
        LoanEvent(
            date(2002, 9, 3),
            LPC,
            EventKind.ADVANCE,
            D("200000"),
            "A",
            "a",
            (("type", "eurodollar"), ("months", "2"), ("rate", "1.80")),
        ),
        LoanEvent(
            date(2002, 9, 3),
            LPC,
            EventKind.ADVANCE,
            D("100000"),
            "B",
            "b",
            (("type", "eurodollar"), ("months", "1"), ("rate", "1.80")),
        ),
        ev(date(2002, 9, 10), EventKind.PAYMENT, "350000", cite="congress-afa §3"),
    )
    out = run_facility(history(), (certificate(),), events, prime(), date(2002, 10, 2))[LPC]
    charged = [ln for ln in out.lines if ln.kind is LineKind.CAPITALIZATION]
    assert [(ln.date, ln.amount) for ln in charged] == [(date(2002, 10, 1), D("1261.25"))]
    paid = [ln for ln in out.lines if ln.kind is LineKind.PAYMENT_APPLIED]
    assert [(ln.amount, ln.debit, ln.credit, ln.cite) for ln in paid] == [
        (D("350000"), Account.CASH, Account.PRINCIPAL_RECEIVABLE, "congress-afa §3")
    ]
    # 600,000 - 350,000 + September's interest 1,261.25 charged 10-01
    assert out.position.principal_outstanding == D("251261.25")


def test_a_repayment_above_the_balance_is_refused() -> None:
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "1000"),
        ev(date(2002, 9, 3), EventKind.PAYMENT, "1000.01"),
    )
    with pytest.raises(RefusedError) as exc:
        run_facility(history(), (certificate(),), events, prime(), date(2002, 9, 4))
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "payment-2002-09-03",
        "amount",
        "repayment 1000.01 exceeds the balance 1000.00",
    )


def test_event_lines_name_their_accounts_and_clauses() -> None:
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "1000"),
        ev(date(2002, 9, 5), EventKind.FEE, "25", cite="004 §6"),
    )
    out = run_facility(history(), (certificate(),), events, prime(), date(2002, 9, 6))[LPC]
    first, fee = out.lines[0], next(ln for ln in out.lines if ln.kind is LineKind.FEE)
    assert (first.kind, first.amount, first.debit, first.credit, first.component) == (
        LineKind.ADVANCE,
        D("1000"),
        Account.PRINCIPAL_RECEIVABLE,
        Account.CASH,
        "principal",
    )
    assert first.memo == "prime rate loan advance-2002-09-02"
    assert (fee.amount, fee.debit, fee.credit, fee.cite, fee.term) == (
        D("25"),
        Account.PRINCIPAL_RECEIVABLE,
        Account.FEE_INCOME,
        "004 §6",
        "revolvers.congress-revolver.fees",
    )


def test_certificate_checks_name_each_bad_item() -> None:
    terms = facility(advance_rates=MappingProxyType({"accounts": D("0.85")}))
    cert = Certificate(
        "congress-revolver",
        date(2002, 9, 30),
        (
            CertificateItem("a", "ok", "accounts", "rochester", D("1")),
            CertificateItem("a", "dup", "accounts", "rochester", D("1")),
            CertificateItem("b", "neg", "accounts", "rochester", D("-1")),
            CertificateItem("c", "where", "accounts", "mars", D("1")),
            CertificateItem("d", "what", "ships", "rochester", D("1")),
            CertificateItem("e", "age", "accounts", "rochester", D("1"), age_days=-1),
        ),
        "c.yaml",
    )
    assert [(i.file, i.field, i.reason) for i in check_certificate(cert, terms)] == [
        ("c.yaml", "items[1].id", "duplicate item 'a'"),
        ("c.yaml", "items[2].value", "negative value -1"),
        (
            "c.yaml",
            "items[3].location",
            "unknown location 'mars' (known: rochester, north-canton; )",
        ),
        (
            "c.yaml",
            "items[4].collateral",
            "unknown collateral 'ships' (accounts, inventory, equipment)",
        ),
        ("c.yaml", "items[5].age_days", "must not be negative"),
    ]


def test_the_latest_certificate_on_or_before_a_day() -> None:
    q2, q3 = certificate(day=date(2002, 6, 30)), certificate(day=date(2002, 9, 30))
    other = Certificate("other", date(2002, 9, 29), ())
    certs = (q3, other, q2)
    assert latest_certificate(certs, "congress-revolver", date(2002, 9, 29)) is q2
    assert latest_certificate(certs, "congress-revolver", date(2002, 9, 30)) is q3
    with pytest.raises(ValidationError) as exc:
        latest_certificate(certs, "congress-revolver", date(2002, 6, 29))
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "certificates",
        "as_of",
        "no borrowing-base certificate for congress-revolver on or before 2002-06-29",
    )
