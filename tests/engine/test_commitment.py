"""The commitment rules of 000 §2(c) as the engine checks them, on a commitment built in code
(the example book's CIT facility is tested in tests/terms/test_terms.py): every refusal, its
reason text, and the room left. Figures by hand below each test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from loanbook.engine.commitment import (
    Commitment,
    CommitmentPart,
    CommitmentReport,
    LoanMade,
    check_advance,
    part_amount,
)
from loanbook.errors import Issue

CITE = "000 §2(c)"
WHERE = "facility fac"


def commitment(
    fixed: str = "1000000.00",
    parts: tuple[str, ...] = ("300000.00", "400000.00"),
    minimum: str | None = "100000.00",
    maximum: int | None = 3,
    termination: date | None = date(1996, 6, 30),
) -> Commitment:
    return Commitment(
        "fac",
        D(fixed),
        tuple(CommitmentPart(f"p{i}", f"part {i}", D(a), CITE) for i, a in enumerate(parts)),
        D(minimum) if minimum is not None else None,
        maximum,
        termination,
        CITE,
    )


def made(*amounts: str) -> tuple[LoanMade, ...]:
    return tuple(
        LoanMade(f"loan-{i}", date(1996, 1, 17), D(a), CITE) for i, a in enumerate(amounts)
    )


def test_the_cap_is_the_lesser_of_the_fixed_amount_and_the_formula() -> None:
    # formula 300,000 + 400,000 = 700,000 < 1,000,000: the cap is 700,000
    c = commitment()
    assert (c.formula_total, c.cap) == (D("700000.00"), D("700000.00"))
    # formula 700,000 > 500,000: the cap is the fixed 500,000
    assert commitment(fixed="500000.00").cap == D("500000.00")
    # no formula at all: the fixed amount (not the empty formula's 0)
    assert commitment(parts=()).cap == D("1000000.00")


def test_room_used_and_loans_left() -> None:
    # 700,000 cap - (250,000 + 150,000) used = 300,000; 3 - 2 = 1 loan left
    report = CommitmentReport(commitment(), date(1996, 3, 1), made("250000.00", "150000.00"))
    assert (report.used, report.room, report.loans_left) == (D("400000.00"), D("300000.00"), 1)
    assert report.terminated is False
    # no maximum number of loans: loans_left is None and the room is the cap less the used
    free = CommitmentReport(commitment(maximum=None), date(1996, 3, 1), made("250000.00"))
    assert (free.loans_left, free.room) == (None, D("450000.00"))
    # used beyond the cap (the formula fell): room 0, not negative
    over = CommitmentReport(commitment(parts=("100000.00",)), date(1996, 3, 1), made("250000.00"))
    assert over.room == D("0")


def test_no_room_once_the_maximum_number_of_loans_is_made() -> None:
    # 3 loans of 100,000: 400,000 of room left, but no loan left to make
    report = CommitmentReport(
        commitment(), date(1996, 3, 1), made("100000.00", "100000.00", "100000.00")
    )
    assert (report.loans_left, report.room) == (0, D("0"))
    more = CommitmentReport(commitment(maximum=2), date(1996, 3, 1), made(*["1.00"] * 3))
    assert more.loans_left == 0  # never negative


def test_terminated_only_after_the_termination_date() -> None:
    on = CommitmentReport(commitment(), date(1996, 6, 30), ())
    after = CommitmentReport(commitment(), date(1996, 7, 1), ())
    never = CommitmentReport(commitment(termination=None), date(2099, 1, 1), ())
    assert (on.terminated, on.room) == (False, D("700000.00"))
    assert (after.terminated, after.room) == (True, D("0"))
    assert never.terminated is False


def test_a_part_is_a_fixed_amount_or_a_percentage_of_a_value_to_the_cent() -> None:
    assert part_amount("fixed", D("2600000.00"), None, None) == D("2600000.00")
    assert part_amount("fixed", None, None, None) == D("0")
    # 85% of 1,234,567.89 = 1,049,382.7065 -> 1,049,382.71 (half-up)
    assert part_amount("percent", None, D("0.85"), D("1234567.89")) == D("1049382.71")
    # 50% of 0.01 = 0.005 -> 0.01 (half-up, not half-even's 0.00)
    assert part_amount("percent", None, D("0.5"), D("0.01")) == D("0.01")
    assert part_amount("percent", None, None, D("100")) == D("0")
    assert part_amount("percent", None, D("0.5"), None) == D("0")


def test_an_advance_within_every_rule_is_allowed() -> None:
    # 300,000 used + 400,000 = 700,000: exactly the cap; 1 loan made of 3; the minimum exactly
    report = CommitmentReport(commitment(), date(1996, 3, 1), made("300000.00"))
    assert check_advance(report, D("400000.00"), date(1996, 6, 30)) == []
    assert check_advance(report, D("100000.00"), date(1996, 3, 1)) == []


def test_every_rule_broken_at_once_is_reported_with_its_clause() -> None:
    # an advance of 0 on 07-01 (after the 06-30 termination), below the 100,000 minimum, with
    # 3 loans already made (the maximum) and 750,000 used + 0 > 700,000 cap
    report = CommitmentReport(
        commitment(), date(1996, 7, 1), made("250000.00", "250000.00", "250000.00")
    )
    issues = check_advance(report, D("0"), date(1996, 7, 1))
    assert issues == [
        Issue(WHERE, "amount", "an advance must be positive, got 0"),
        Issue(WHERE, "termination", "the commitment terminated on 1996-06-30 (000 §2(c))"),
        Issue(WHERE, "minimum_loan", "each Loan must be at least 100000.00 (000 §2(c)); got 0"),
        Issue(WHERE, "maximum_loans", "at most 3 Loans (000 §2(c)); 3 made"),
        Issue(
            WHERE,
            "cap",
            "aggregate Loans 750000.00 would exceed the commitment 700000.00 (lesser of "
            "1000000.00 and the formula 700000.00, 000 §2(c))",
        ),
    ]


def test_a_negative_advance_is_refused_and_rules_absent_are_not_checked() -> None:
    report = CommitmentReport(
        commitment(minimum=None, maximum=None, termination=None), date(2099, 1, 1), ()
    )
    issues = check_advance(report, D("-1"), date(2099, 1, 1))
    assert [(i.field, i.reason) for i in issues] == [
        ("amount", "an advance must be positive, got -1")
    ]
    # one cent over the cap: 700,000.01 > 700,000, the aggregate named with the advance
    over = check_advance(report, D("700000.01"), date(2099, 1, 1))
    assert [(i.field, i.reason[:34]) for i in over] == [
        ("cap", "aggregate Loans 700000.01 would ex")
    ]
    # any positive amount passes the positivity rule, one cent or one dollar
    assert check_advance(report, D("0.01"), date(2099, 1, 1)) == []
    assert check_advance(report, D("1"), date(2099, 1, 1)) == []
