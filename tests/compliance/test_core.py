"""Hand-checked compliance cases on small books written as term files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from loanbook.compliance.formula import FormulaError, check_formula, evaluate
from loanbook.compliance.service import compliance
from tests.compliance.conftest import (
    AGREEMENT,
    AMENDMENT_004,
    EXHIBIT_A,
    NON_PAYMENT,
    WAIVER_ONLY_AUGUST,
    book_of,
    creditor_action,
    statement,
)

# July passes, August and September fail (invented figures):
#   July:      6,200,000 - 600,000   = 5,600,000 >= 5,500,000  headroom 100,000 (1.82%)
#   August:    6,000,000 - 800,000   = 5,200,000 <  5,500,000  headroom -300,000 (-5.45%)
#   September: 6,100,000 - 1,000,000 = 5,100,000 <  5,500,000  headroom -400,000
JULY = statement("2002-07-31", "2002-08-28", "6200000", "600000")
AUGUST = statement("2002-08-31", "2002-09-30", "6000000", "800000")
SEPTEMBER = statement("2002-09-30", "2002-10-29", "6100000", "1000000")


def _tests(report: object) -> dict[str, dict[str, object]]:
    data = report.as_json()["compliance"]  # type: ignore[attr-defined]
    return {t["id"]: t for t in data["covenants"]}


def _defaults(report: object) -> dict[str, dict[str, object]]:
    data = report.as_json()["compliance"]  # type: ignore[attr-defined]
    return {e["id"]: e for e in data["events_of_default"]}


def test_formula_is_exact_arithmetic_over_names() -> None:
    assert evaluate("a - b", {"a": D("10.10"), "b": D("0.20")}) == D("9.90")
    assert evaluate("(a - b) / c", {"a": D(7), "b": D(1), "c": D(3)}) * 3 == 6
    assert evaluate("a * 0.1", {"a": D(30)}) == 3  # 0.1 is one tenth, not a binary float
    for bad in ("__import__('os')", "a ** 2", "a if b else c", "f(a)", "a.b", "not a"):
        with pytest.raises(FormulaError):
            check_formula(bad)
    with pytest.raises(FormulaError, match="no item 'b'"):
        evaluate("a - b", {"a": D(1)})


def test_test_result_shows_inputs_value_threshold_headroom_and_clause() -> None:
    book = book_of(AGREEMENT, JULY, AUGUST)
    tests = _tests(compliance(book, date(2002, 10, 15)))
    july = tests["working-capital@2002-07-31"]
    assert july["inputs"] == {"current_assets": D("6200000"), "current_liabilities": D("600000")}
    assert july["value"] == D("5600000.00")
    assert july["threshold"] == D("5500000")  # the step from 2002-07-01
    assert july["headroom"] == D("100000.00")
    assert july["headroom_percent"] == D("1.82")  # 100,000 / 5,500,000 = 1.818...%
    assert july["passed"] is True
    assert july["cite"] == "afa Covenant Supplement §IV(g)(i)(b)"
    august = tests["working-capital@2002-08-31"]
    assert (august["value"], august["headroom"], august["passed"]) == (
        D("5200000.00"),
        D("-300000.00"),
        False,
    )
    assert august["headroom_percent"] == D("-5.45")  # -300,000 / 5,500,000
    # June's threshold was still 5,000,000; no statement was delivered for it: 30 days after
    # 2002-06-30 is 2002-07-30, so by 2002-10-15 it is late.
    june = tests["working-capital@2002-06-30"]
    assert june["threshold"] == D("5000000")
    assert (june["passed"], june["status"]) == (None, "statement late")


def test_august_2002_is_a_breach_as_known_before_004_and_not_after() -> None:
    """004 §4 deletes the covenant effective 2002-08-01, recorded 2002-10-31."""
    book = book_of(AGREEMENT, JULY, AUGUST, AMENDMENT_004)
    before = compliance(book, date(2002, 10, 15), known_on=date(2002, 10, 30))
    assert _tests(before)["working-capital@2002-08-31"]["passed"] is False
    eod = _defaults(before)["covenant:working-capital@2002-08-31"]
    assert (eod["kind"], eod["status"], eod["occurred_on"]) == (
        "covenant_breach",
        "continuing",
        date(2002, 8, 31),
    )
    assert "afa §10.1(c)" in eod["cite"]
    assert [o["option"] for o in before.as_json()["compliance"]["options"]] == ["default_rate"]

    after = compliance(book, date(2002, 10, 15), known_on=date(2002, 11, 1))
    assert "working-capital@2002-08-31" not in _tests(after)
    assert _tests(after)["working-capital@2002-07-31"]["passed"] is True  # July still tested
    assert _defaults(after) == {}
    assert after.as_json()["compliance"]["options"] == []


def test_a_waiver_covers_only_the_default_it_names() -> None:
    """004 §5(b): a second, similar default (September) stays unwaived."""
    book = book_of(AGREEMENT, JULY, AUGUST, SEPTEMBER, WAIVER_ONLY_AUGUST)
    report = compliance(book, date(2002, 11, 15))
    found = _defaults(report)
    august = found["covenant:working-capital@2002-08-31"]
    assert (august["status"], august["waived_by"]) == ("waived", "wc-august-2002")
    assert [(t["date"], t["status"]) for t in august["timeline"]] == [
        (date(2002, 8, 31), "occurred"),
        (date(2002, 9, 1), "continuing"),
        (date(2002, 10, 31), "waived"),
    ]
    september = found["covenant:working-capital@2002-09-30"]
    assert (september["status"], september["waived_by"]) == ("continuing", None)
    (option,) = report.as_json()["compliance"]["options"]
    assert option["available_from"] == date(2002, 9, 30)  # September's breach alone remains
    assert option["because"][0].startswith("Event of Default covenant:working-capital@2002-09-30")


def test_exhibit_a_waiver_rescinded_by_a_recorded_trigger_restores_the_default_rate() -> None:
    without = book_of(AGREEMENT, NON_PAYMENT, EXHIBIT_A)
    with_trigger = book_of(AGREEMENT, NON_PAYMENT, EXHIBIT_A, creditor_action("2002-12-02"))
    eod_id = "cross-default:junior-14@2002-05-01"

    # Before the waiver: the cross-default continues and the default rate is available from it.
    early = compliance(without, date(2002, 10, 15))
    assert _defaults(early)[eod_id]["status"] == "continuing"
    (option,) = early.as_json()["compliance"]["options"]
    assert (option["option"], option["available_from"]) == ("default_rate", date(2002, 5, 1))

    # Waived from 2002-10-31: no option.
    waived = compliance(without, date(2002, 12, 10))
    assert _defaults(waived)[eod_id]["status"] == "waived"
    assert _defaults(waived)[eod_id]["waived_by"] == "other-indebtedness"
    assert waived.as_json()["compliance"]["options"] == []

    # Rescinded automatically, without notice, from the day the holder seeks acceleration.
    rescinded = compliance(with_trigger, date(2002, 12, 10))
    eod = _defaults(rescinded)[eod_id]
    assert (eod["status"], eod["since"], eod["decided_by"]) == (
        "rescinded",
        date(2002, 12, 2),
        "004 Exhibit A §2",
    )
    (option,) = rescinded.as_json()["compliance"]["options"]
    assert (option["option"], option["available_from"]) == ("default_rate", date(2002, 12, 2))
    # The day before the trigger the waiver still held.
    assert compliance(with_trigger, date(2002, 12, 1)).as_json()["compliance"]["options"] == []

    # Without a trigger the waiver lapses after 2003-01-03: continuing again from 2003-01-04.
    lapsed = compliance(without, date(2003, 1, 10))
    assert _defaults(lapsed)[eod_id]["status"] == "continuing"
    (option,) = lapsed.as_json()["compliance"]["options"]
    assert option["available_from"] == date(2003, 1, 4)


def test_a_default_on_debt_the_waiver_does_not_name_stays_unwaived() -> None:
    other = NON_PAYMENT.replace("np-2002-05", "np-senior").replace("junior-14", "senior-10-5")
    narrow = EXHIBIT_A.replace(
        "instruments: [junior-14, senior-10-5], solely: true", "instruments: [junior-14]"
    )
    book = book_of(AGREEMENT, NON_PAYMENT, other, narrow)
    found = _defaults(compliance(book, date(2002, 11, 15)))
    assert found["cross-default:junior-14@2002-05-01"]["status"] == "waived"
    assert found["cross-default:senior-10-5@2002-05-01"]["status"] == "continuing"


def test_documents_in_either_record_order_give_the_same_answer() -> None:
    forward = book_of(AGREEMENT, JULY, AUGUST, SEPTEMBER, AMENDMENT_004, EXHIBIT_A, NON_PAYMENT)
    backward = book_of(NON_PAYMENT, EXHIBIT_A, AMENDMENT_004, SEPTEMBER, AUGUST, JULY, AGREEMENT)
    for as_of, known_on in [
        (date(2002, 10, 15), date(2002, 10, 30)),
        (date(2002, 10, 15), None),
        (date(2002, 12, 31), None),
    ]:
        assert (
            compliance(forward, as_of, known_on).as_json()
            == compliance(backward, as_of, known_on).as_json()
        )


def test_amendments_of_one_covenant_in_either_order() -> None:
    """Two amendments of the threshold, recorded in either order: the one effective later
    governs from its date whichever was recorded first."""

    def amendment(doc: str, effective: str, value: str) -> str:
        return f"""
document:
  id: {doc}
  title: threshold amendment
  kind: amendment
  date: 2002-06-15
changes:
  - op: replace
    path: compliance.covenants.working-capital.threshold
    effective: {effective}
    cite: {doc} §1
    value:
      - {{from: 2002-01-01, value: "{value}"}}
"""

    one = amendment("amend-a", "2002-07-01", "5100000")
    two = amendment("amend-b", "2002-08-01", "5300000")
    for order in ((AGREEMENT, one, two, JULY, AUGUST), (two, AUGUST, one, JULY, AGREEMENT)):
        tests = _tests(compliance(book_of(*order), date(2002, 10, 15)))
        assert tests["working-capital@2002-07-31"]["threshold"] == D("5100000")
        assert tests["working-capital@2002-08-31"]["threshold"] == D("5300000")
        assert tests["working-capital@2002-08-31"]["passed"] is False  # 5,200,000 < 5,300,000
        assert tests["working-capital@2002-08-31"]["cite"] == (
            "afa Covenant Supplement §IV(g)(i)(b); as amended by amend-a §1; "
            "as amended by amend-b §1"
        )


CONDITIONS = """
document:
  id: "001"
  title: Amendment to Financing Agreements and Consent (test)
  kind: amendment
  date: 1996-02-28
compliance:
  conditions:
    certificate-of-occupancy:
      what: Certificate of Occupancy for the Lakewood Improvements
      of_loan: loan-b
      from_party: LPC
      due: 1996-05-31
      default_on_miss: true
      facility: congress-revolver
      cite: 001 §3 (5(a)(v))
    title-letter:
      what: letter from the title insurer
      of_document: "001"
      deemed_satisfied: the letter dated February 7, 1996
      deemed_on: 1996-02-07
      cite: 001 §5(c)
"""


def satisfaction(day: str) -> str:
    return f"""
document:
  id: co-{day}
  title: Certificate of Occupancy received
  kind: notice
  date: {day}
facts:
  - kind: satisfaction
    condition: certificate-of-occupancy
    date: {day}
"""


def test_deadline_missed_by_one_day_raises_its_event_of_default_the_next_day() -> None:
    book = book_of(CONDITIONS)
    on_deadline = compliance(book, date(1996, 5, 31)).as_json()["compliance"]
    assert on_deadline["events_of_default"] == []
    conds = {c["id"]: c for c in on_deadline["conditions"]}
    assert conds["certificate-of-occupancy"]["status"] == "open"
    assert conds["title-letter"]["status"] == "deemed satisfied"
    assert conds["title-letter"]["satisfied_on"] == date(1996, 2, 7)

    next_day = compliance(book, date(1996, 6, 1)).as_json()["compliance"]
    (eod,) = next_day["events_of_default"]
    assert (eod["id"], eod["kind"], eod["occurred_on"], eod["status"]) == (
        "deadline:certificate-of-occupancy",
        "condition_missed",
        date(1996, 6, 1),
        "occurred",
    )
    assert eod["cite"] == "001 §3 (5(a)(v))"

    # Delivered a day late: the Event of Default occurred and was cured that day.
    late = compliance(book_of(CONDITIONS, satisfaction("1996-06-01")), date(1996, 6, 3))
    (eod,) = late.as_json()["compliance"]["events_of_default"]
    assert (eod["status"], eod["cured_on"]) == ("cured", date(1996, 6, 1))
    # Delivered on the deadline: no Event of Default at all.
    on_time = compliance(book_of(CONDITIONS, satisfaction("1996-05-31")), date(1996, 6, 3))
    assert on_time.as_json()["compliance"]["events_of_default"] == []
    assert on_time.conditions[0].status == "satisfied"


COLLATERAL = """
document:
  id: "002"
  title: Amendment to Financing Agreements and Consent (test)
  kind: amendment
  date: 1996-03-14
compliance:
  locations:
    casa-grande-az: {address: '3181 North Lear Avenue, Casa Grande, Arizona', cite: 002 §3(a)}
    rochester-ny: {address: '677 Buffalo Road, Rochester, New York', cite: 002 §3(a)}
    north-canton-oh: {address: the North Canton Property, cite: 002 §3(a) and Exhibit A}
    akron-oh: {address: a warehouse in Akron (invented), cite: 002 §3(a)}
  collateral:
    press-17:
      kind: equipment
      description: 400-ton die casting press
      owner: lpc
      serial: DC-400-17
      location: casa-grande-az
      since: 1996-01-17
      cite: 002 §1(f)
  events_of_default:
    collateral:
      kind: collateral_covenant
      facility: congress-revolver
      cite: afa §10.1(d)
  location_covenants:
    cit-collateral-locations:
      facility: congress-revolver
      items: [press-17]
      "off": [casa-grande-az, rochester-ny]
      cite: 002 §3(a)
"""


def move(day: str) -> str:
    return f"""
document:
  id: move-{day}
  title: press moved
  kind: notice
  date: {day}
facts:
  - kind: move
    item: press-17
    to: akron-oh
    date: {day}
"""


def notice(day: str, serials: str) -> str:
    return f"""
document:
  id: notice-{day}
  title: notice to Congress
  kind: notice
  date: {day}
facts:
  - kind: notice
    id: n-{day}
    date: {day}
    to: congress
    subject: collateral_move
    serials: {serials}
"""


def test_a_move_needs_a_prior_notice_listing_the_serial_number() -> None:
    as_of = date(1997, 3, 10)
    bare = compliance(book_of(COLLATERAL, move("1997-03-01")), as_of).as_json()["compliance"]
    (eod,) = bare["events_of_default"]
    assert (eod["id"], eod["kind"]) == ("collateral:press-17@1997-03-01", "collateral_covenant")
    assert "no prior written notice" in eod["cause"]
    assert eod["cite"].startswith("002 §3(a)")

    vague = book_of(COLLATERAL, notice("1997-02-20", "[]"), move("1997-03-01"))
    (eod,) = compliance(vague, as_of).as_json()["compliance"]["events_of_default"]
    assert "do not list its serial number" in eod["cause"]

    after = book_of(COLLATERAL, move("1997-03-01"), notice("1997-03-05", "[DC-400-17]"))
    assert len(compliance(after, as_of).as_json()["compliance"]["events_of_default"]) == 1

    proper = book_of(COLLATERAL, notice("1997-02-20", "[DC-400-17]"), move("1997-03-01"))
    assert compliance(proper, as_of).as_json()["compliance"]["events_of_default"] == []


def test_collateral_report_follows_the_item() -> None:
    from loanbook.compliance.service import collateral

    book = book_of(COLLATERAL, notice("1997-02-20", "[DC-400-17]"), move("1997-03-01"))
    (item,) = collateral(book, date(1997, 2, 28))["items"]
    assert (item["location"], item["since"]) == ("casa-grande-az", date(1996, 1, 17))
    (item,) = collateral(book, date(1997, 3, 1))["items"]
    assert (item["location"], item["since"], item["serial"]) == (
        "akron-oh",
        date(1997, 3, 1),
        "DC-400-17",
    )


LOAN_B = """
document:
  id: re-loan-amendment
  title: 1996 LPC Real Estate Loan Amendment (test)
  kind: agreement
  date: 1996-01-16
facilities:
  congress-term:
    lender: {value: congress, cite: re-loan-amendment §1}
    borrower: {value: lpc, cite: re-loan-amendment §1}
loans:
  loan-b:
    facility: {value: congress-term, cite: re-loan-amendment §5}
    borrower: {value: lpc, cite: re-loan-amendment §5}
    lender: {value: congress, cite: re-loan-amendment §5}
    principal: {value: "400000.00", cite: re-loan-amendment §5}
    start: {value: 1996-01-16, cite: re-loan-amendment §5}
    maturity: {value: 2001-06-30, cite: re-loan-amendment §5}
    day_count: {value: actual/360, cite: re-loan-amendment §5}
    rate: {value: {fixed: 9%}, cite: re-loan-amendment §5}
    interest_schedule:
      value: {anchor: 1996-06-30, cycle: monthly, eom: true}
      cite: re-loan-amendment §5
    amortization: {value: {kind: bullet}, cite: re-loan-amendment §5}
"""


def test_an_advance_is_refused_while_a_condition_of_it_is_open() -> None:
    from loanbook.engine.events import EventKind, LoanEvent

    advance = LoanEvent(date(1996, 6, 3), "loan-b", EventKind.ADVANCE, D("400000"), "Loan B")
    refused = book_of(LOAN_B, CONDITIONS).check_event(advance, "advance")
    assert [str(i) for i in refused] == [
        "advance: date: advance on loan-b refused on 1996-06-03: condition "
        "certificate-of-occupancy (Certificate of Occupancy for the Lakewood Improvements) "
        "is missed (001 §3 (5(a)(v)))"
    ]
    # The same advance once the certificate is received (late, but received) is accepted.
    met = book_of(LOAN_B, CONDITIONS, satisfaction("1996-06-01"))
    assert met.check_event(advance, "advance") == []
    # The batch path (a whole events file) runs the same check.
    assert book_of(LOAN_B, CONDITIONS).check_events((advance,)) != []


REPRESENTATION = """
document:
  id: rep
  title: Representations on each advance of Loan B (test)
  kind: amendment
  date: 1996-01-16
compliance:
  representations:
    loan-b-no-default:
      loan: loan-b
      facility: congress-revolver
      cite: 001 §4(a)
  events_of_default:
    cross:
      kind: cross_default
      facility: congress-revolver
      instruments: [junior-14]
      cite: afa §10.1(f)
  indebtedness:
    junior-14: {name: 14% notes, obligor: lpc, cite: 004 Exhibit A §1(a)}
"""

MISSED_1996 = """
document:
  id: np-1996
  title: a note not paid (test)
  kind: notice
  date: 1996-05-01
facts:
  - {kind: non_payment, instrument: junior-14, date: 1996-05-01}
"""


def test_an_advance_is_refused_while_its_representation_would_be_false() -> None:
    """001 §4(a): 'no Event of Default' is represented again on each advance of Loan B."""
    from loanbook.engine.events import EventKind, LoanEvent

    advance = LoanEvent(date(1996, 6, 3), "loan-b", EventKind.ADVANCE, D("400000"), "Loan B")
    assert book_of(LOAN_B, REPRESENTATION).check_event(advance, "a") == []
    (issue,) = book_of(LOAN_B, REPRESENTATION, MISSED_1996).check_event(advance, "a")
    assert issue.reason == (
        "advance on loan-b refused on 1996-06-03: the representation 'no Event of Default' "
        "(001 §4(a)) would be false: cross-default:junior-14@1996-05-01"
    )
    # Recorded anyway (a book that holds it), the advance is itself an Event of Default.
    held = book_of(LOAN_B, REPRESENTATION, MISSED_1996).with_events((advance,))
    found = {e.event.id: e for e in compliance(held, date(1996, 6, 30)).defaults}
    rep = found["representation:loan-b@1996-06-03"]
    assert (rep.event.kind, rep.status, rep.event.cite) == (
        "false_representation",
        "continuing",
        "001 §4(a)",
    )


def test_a_bad_compliance_term_is_reported_with_file_line_and_field() -> None:
    from loanbook.errors import ValidationError

    bad = AGREEMENT.replace(
        "formula: current_assets - current_liabilities", "formula: current_assets ** 2"
    )
    with pytest.raises(ValidationError) as caught:
        book_of(bad)
    (issue,) = caught.value.issues
    assert (issue.file, issue.line, issue.field) == (
        "doc-0.yaml",
        14,  # the formula's line (the text starts with a blank line)
        "compliance.covenants.working-capital.formula",
    )
    assert "only + - * / are allowed" in issue.reason
