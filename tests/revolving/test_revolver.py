"""The Congress revolving facility (002, 004): figures checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import RefusedError, ValidationError
from loanbook.ledger import LineKind
from loanbook.revolving.account import run_facility
from loanbook.revolving.borrowing_base import Certificate, CertificateItem, borrowing_base
from tests.revolving.conftest import certificate, facility, history, prime

LPC = "congress-revolver-lpc"


def ev(day: date, what: EventKind, amount: str | None = None, **detail: str) -> LoanEvent:
    return LoanEvent(
        day,
        LPC,
        what,
        D(amount) if amount else None,
        f"{what.value}-{day}",
        detail=tuple(detail.items()),
    )


def month_interest(result, month: str) -> D:  # type: ignore[no-untyped-def]
    return sum(
        (
            ln.amount
            for ln in result.lines
            if ln.kind is LineKind.CAPITALIZATION and month in ln.memo
        ),
        D(0),
    )


def test_overadvance_rate_from_the_fourth_day_after_notice() -> None:
    # Availability 850,000; advance 1,000,000 -> overadvance 150,000. Notice Monday 2002-09-09.
    # Prime 4.75%: regular 5.75%; on the excess Prime + 2% = 6.75%, i.e. 1% more,
    # from Friday 09-13 (the fourth day after the notice) to 09-30: 18 days.
    # September: 1,000,000 x 5.75% x 29/360 (09-02..09-30) = 4,631.944...
    #           + 150,000 x 1% x 18/360 = 75.00  -> 4,706.94
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "1000000"),
        ev(date(2002, 9, 9), EventKind.NOTICE, subject="overadvance"),
    )
    out = run_facility(history(), (certificate(),), events, prime(), date(2002, 10, 1))[LPC]
    assert month_interest(out, "September 2002") == D("4706.94")
    charged = [s for s in out.rates if "overadvance" in s.quote.basis]
    assert charged[0].start == date(2002, 9, 13)
    assert "004 §1(b)" in charged[0].quote.cite


def test_no_overadvance_rate_when_waived_in_writing() -> None:
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "1000000"),
        ev(date(2002, 9, 9), EventKind.NOTICE, subject="overadvance"),
        ev(date(2002, 9, 10), EventKind.WAIVER, subject="overadvance_rate"),
    )
    out = run_facility(history(), (certificate(),), events, prime(), date(2002, 10, 1))[LPC]
    assert month_interest(out, "September 2002") == D("4631.94")  # 1,000,000 x 5.75% x 29/360


def test_eurodollar_loan_keeps_its_rate_to_the_end_of_its_period_then_converts() -> None:
    # Eurodollar loan of 500,000 made 2002-10-15 for 1 month at 1.80% + 2.50% = 4.30%.
    # From 2002-11-01 no new Eurodollar loans (004 §3), but this one runs to 11-14 and is a
    # Prime Rate Loan (4.75% + 1% = 5.75%) from 11-15.
    old = facility()
    new = facility(eurodollar_allowed=False)
    hist = history((date(2002, 9, 1), old), (date(2002, 11, 1), new))
    events = (
        ev(
            date(2002, 10, 15),
            EventKind.ADVANCE,
            "500000",
            type="eurodollar",
            months="1",
            rate="1.80",
        ),
    )
    out = run_facility(hist, (certificate(),), events, prime(), date(2002, 12, 1))[LPC]
    # November: 500,000 x 4.30% x 14/360 = 836.111 + 500,000 x 5.75% x 16/360 = 1,277.777
    # -> 2,113.89 (October's 17 days: 1,015.28, charged 11-01 and bearing Prime from then:
    #    1,015.28 x 5.75% x 30/360 = 4.865 -> 2,118.75)
    assert month_interest(out, "October 2002") == D("1015.28")
    assert month_interest(out, "November 2002") == D("2118.75")
    period = next(s for s in out.rates if "for its Interest Period" in s.quote.basis)
    assert (period.start, period.end, period.quote.rate) == (
        date(2002, 10, 15),
        date(2002, 11, 15),
        D("0.0430"),
    )
    with pytest.raises(RefusedError, match="no new Eurodollar Rate Loans"):
        late = (ev(date(2002, 11, 4), EventKind.ADVANCE, "1", type="eurodollar", rate="1.8"),)
        run_facility(hist, (certificate(),), late, prime(), date(2002, 12, 1))


def test_amendment_fee_bears_interest_from_its_posting_date() -> None:
    # $80,000 fee charged 2002-10-31 (004 §6): interest 80,000 x 5.75% x 1/360 = 12.78 in
    # October (the 31st), then it is part of the balance.
    events = (ev(date(2002, 10, 31), EventKind.FEE, "80000", cite="004 §6"),)
    out = run_facility(history(), (certificate(),), events, prime(), date(2002, 11, 2))[LPC]
    assert month_interest(out, "October 2002") == D("12.78")
    fee = next(ln for ln in out.lines if ln.kind is LineKind.FEE)
    assert (fee.amount, fee.cite, fee.date) == (D("80000"), "004 §6", date(2002, 10, 31))
    assert out.position.principal_outstanding == D("80012.78")


def test_no_advance_after_the_term_ends() -> None:
    with pytest.raises(RefusedError, match="term ends on 2003-01-03"):
        run_facility(
            history(),
            (certificate(),),
            (ev(date(2003, 1, 6), EventKind.ADVANCE, "10"),),
            prime(),
            date(2003, 1, 7),
        )


def test_north_canton_inventory_excluded_even_when_certified_eligible() -> None:
    cert = Certificate(
        "congress-revolver",
        date(2002, 9, 30),
        (
            CertificateItem("inv-r", "Finished goods", "inventory", "rochester", D("2000000")),
            CertificateItem(
                "inv-nc",
                "Finished goods",
                "inventory",
                "north-canton",
                D("900000"),
                certified_eligible=True,
            ),
            CertificateItem(
                "ar-old",
                "Receivables > 90 days",
                "accounts",
                "rochester",
                D("100000"),
                age_days=120,
            ),
            CertificateItem(
                "ar", "Receivables", "accounts", "rochester", D("1000000"), age_days=20
            ),
        ),
    )
    bb = borrowing_base(cert, facility())
    verdict = {r.item.id: (r.eligible, r.lendable, r.cite) for r in bb.items}
    assert verdict["inv-nc"] == (False, D("0"), "002 §4")
    assert verdict["inv-r"] == (True, D("1000000.00"), "")
    assert verdict["ar-old"][0] is False
    assert bb.total == D("1850000.00")  # 50% x 2,000,000 + 85% x 1,000,000


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (CertificateItem("x", "bad", "accounts", "rochester", D("-1")), "items[1].value"),
        (CertificateItem("x", "bad", "accounts", "mars", D("1")), "items[1].location"),
        (CertificateItem("ar-1", "dup", "accounts", "rochester", D("1")), "items[1].id"),
    ],
)
def test_bad_certificates_are_refused(item: CertificateItem, field: str) -> None:
    good = certificate().items[0]
    cert = Certificate("congress-revolver", date(2002, 9, 30), (good, item), "cert.yaml")
    with pytest.raises(ValidationError) as exc:
        borrowing_base(cert, facility())
    assert exc.value.issues[0].field == field
    assert exc.value.issues[0].file == "cert.yaml"


def test_eurodollar_loan_rolled_on_notice_before_2002_11_01() -> None:
    # 2002-08-01: 1,000,000 for 1 month at 1.80% + 2.50% = 4.30%; rolled on notice for another
    # month at 1.75% + 2.50% = 4.25% from 09-01; no notice for October: Prime + 1% = 5.75%.
    events = (
        LoanEvent(
            date(2002, 8, 1),
            LPC,
            EventKind.ADVANCE,
            D("1000000"),
            "ed-1",
            detail=(("type", "eurodollar"), ("months", "1"), ("rate", "1.80")),
        ),
        LoanEvent(
            date(2002, 8, 28),
            LPC,
            EventKind.NOTICE,
            None,
            "roll ed-1",
            detail=(
                ("subject", "rollover"),
                ("loan_ref", "ed-1"),
                ("months", "1"),
                ("rate", "1.75"),
            ),
        ),
    )
    hist = history(
        (date(2002, 8, 1), facility(start=date(2002, 8, 1))),
    )
    out = run_facility(
        hist, (certificate(day=date(2002, 8, 1)),), events, prime(), date(2002, 11, 1)
    )[LPC]
    # August 31 days at 4.30%: 1,000,000 x 4.30% x 31/360 = 3,702.78
    assert month_interest(out, "August 2002") == D("3702.78")
    # September: (1,000,000 at 4.25% for 30 days) = 3,541.67; August's interest charged on
    # 09-01 is a Prime Rate Loan: 3,702.78 x 5.75% x 30/360 = 17.74 -> 3,559.41
    assert month_interest(out, "September 2002") == D("3559.41")
    periods = [r for r in out.rates if "for its Interest Period" in r.quote.basis]
    assert [(p.start, p.end) for p in periods] == [
        (date(2002, 8, 1), date(2002, 9, 1)),
        (date(2002, 9, 1), date(2002, 10, 1)),
    ]


def test_proceeds_split_by_the_rules_of_002_6f_and_6g() -> None:
    from loanbook.revolving.application import ApplicationRule, apply_proceeds

    g = ApplicationRule("lpc-second-restated-note", LPC, "002 §6(g)", D("418118"))
    note, rest = apply_proceeds(g, date(1996, 3, 14), D("1000000"), D("2400000"), "Bank One", "g")
    assert (note.kind, note.amount, rest.kind, rest.amount) == (
        EventKind.PREPAYMENT,
        D("418118"),
        EventKind.PAYMENT,
        D("581882"),
    )
    f = ApplicationRule("lci-ohio-real-estate-loan", "congress-revolver-lrg", "002 §6(f)")
    note, rest = apply_proceeds(f, date(1996, 3, 14), D("1500000"), D("1140000"), "Bank One", "f")
    assert (note.amount, rest.amount, rest.get("cite")) == (D("1140000"), D("360000"), "002 §6(f)")
    with pytest.raises(RefusedError, match="cannot cover"):
        apply_proceeds(f, date(1996, 3, 14), D("1000000"), D("1140000"), "Bank One", "f")
