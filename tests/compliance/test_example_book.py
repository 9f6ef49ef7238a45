"""Compliance of the example book: hand-checked against the seeds and the invented data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

from loanbook.book import Book, TermDocument
from loanbook.compliance.service import collateral, compliance, obligations
from loanbook.terms.files import parse_term_file
from tests.conftest import EXAMPLE

SCENARIO = EXAMPLE.parent / "scenarios" / "exhibit-a-rescinded.yaml"


def _c(book: Book, as_of: date, known_on: date | None = None) -> dict[str, Any]:
    data: dict[str, Any] = compliance(book, as_of, known_on).as_json()["compliance"]
    return data


def _by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in items}


def _options(data: dict[str, Any], subject: str) -> dict[str, dict[str, Any]]:
    return {o["option"]: o for o in data["options"] if o["subject"] == subject}


def with_document(book: Book, path: Any) -> Book:
    text = path.read_text()
    doc = TermDocument(f"scenarios/{path.name}", text, parse_term_file(text, str(path)))
    return Book((*book.documents, doc), book.market, book.events)


def test_cit_october_1996_payment_late_beyond_grace(example_book: Book) -> None:
    """The October 1996 installment, due 1996-10-31, was paid on 1996-11-12. With 10 days'
    grace (assumed) the last day to pay was 1996-11-10: an Event of Default from 1996-11-11,
    cured by the payment on 1996-11-12."""
    eod_id = "payment:cit-note@1996-10-31"
    on_day = _c(example_book, date(1996, 11, 11))
    eod = _by_id(on_day["events_of_default"])[eod_id]
    assert (eod["occurred_on"], eod["status"], eod["cite"]) == (
        date(1996, 11, 11),
        "occurred",
        "cit-lsa §7.1(a)",
    )
    accel = _options(on_day, "cit-note")["acceleration"]
    assert (accel["available_from"], accel["cite"]) == (date(1996, 11, 11), "003 ¶5")
    paid = _c(example_book, date(1996, 11, 12))
    eod = _by_id(paid["events_of_default"])[eod_id]
    assert (eod["status"], eod["cured_on"]) == ("cured", date(1996, 11, 12))
    assert _options(paid, "cit-note") == {}
    # Within the grace period there is no Event of Default yet.
    assert eod_id not in _by_id(_c(example_book, date(1996, 11, 10))["events_of_default"])


def test_august_2002_working_capital_before_and_after_004(example_book: Book) -> None:
    """August 2002 (invented statement): 30,120,000 - 24,910,000 = 5,210,000 against the
    5,500,000 minimum: headroom -290,000, -290,000 / 5,500,000 = -5.27%."""
    before = _c(example_book, date(2002, 10, 30), known_on=date(2002, 10, 30))
    test = _by_id(before["covenants"])["working-capital@2002-08-31"]
    assert test["inputs"] == {
        "current_assets": D("30120000.00"),
        "current_liabilities": D("24910000.00"),
    }
    assert (test["value"], test["threshold"], test["headroom"], test["headroom_percent"]) == (
        D("5210000.00"),
        D("5500000.00"),
        D("-290000.00"),
        D("-5.27"),
    )
    assert test["passed"] is False
    eod = _by_id(before["events_of_default"])["covenant:working-capital@2002-08-31"]
    assert eod["status"] == "continuing"
    assert eod["cite"] == ("congress-afa Covenant Supplement §IV(g)(i)(b); congress-afa §10.1(c)")
    # Recorded on 2002-10-31, 004 §4 deletes the covenant from 2002-08-01: no August test.
    after = _c(example_book, date(2002, 10, 30), known_on=date(2002, 11, 1))
    assert "working-capital@2002-08-31" not in _by_id(after["covenants"])
    assert _by_id(after["covenants"])["working-capital@2002-07-31"]["passed"] is True
    assert not any(e["kind"] == "covenant_breach" for e in after["events_of_default"])


def test_cash_flow_coverage_window_as_amended_by_000(example_book: Book) -> None:
    """000 §2(a), recorded 1996-02-29, moves the last test date of the Cash Flow Coverage
    Ratio from 2002-02-01 to 2000-02-01. FY1996 (invented): (17,800,000 - 6,900,000 -
    300,000) / (4,100,000 + 3,900,000) = 10,600,000 / 8,000,000 = 1.325 >= 1.25."""
    before = _by_id(_c(example_book, date(2002, 6, 30), date(1996, 2, 28))["covenants"])
    after = _by_id(_c(example_book, date(2002, 6, 30), date(1996, 3, 1))["covenants"])
    cfcr = sorted(k for k in before if k.startswith("cash-flow-coverage"))
    assert cfcr[-2:] == ["cash-flow-coverage@2000-12-31", "cash-flow-coverage@2001-12-31"]
    assert sorted(k for k in after if k.startswith("cash-flow-coverage"))[-1] == (
        "cash-flow-coverage@1999-12-31"
    )
    fy96 = _by_id(_c(example_book, date(1997, 6, 30))["covenants"])["cash-flow-coverage@1996-12-31"]
    assert (fy96["value"], fy96["headroom"], fy96["headroom_percent"], fy96["passed"]) == (
        D("1.3250"),
        D("0.0750"),
        D("6.00"),
        True,
    )
    assert fy96["cite"] == "cit-lsa Rider A §1 Cash Flow Coverage Ratio; as amended by 000 §2(a)"


def test_exhibit_a_waiver_without_and_with_the_rescission_trigger(example_book: Book) -> None:
    lpc = "congress-revolver-lpc"
    eod_id = "cross-default:junior-subordinated-14@2002-05-01"
    # Before 004: the non-payment of 2002-05-01 continues; the default rate is available.
    early = _c(example_book, date(2002, 10, 30))
    assert _by_id(early["events_of_default"])[eod_id]["status"] == "continuing"
    assert _options(early, lpc)["default_rate"]["available_from"] == date(2002, 5, 1)
    # From 2002-10-31 waived until 2003-01-03; Congress has no option on the revolver.
    waived = _c(example_book, date(2002, 12, 31))
    eod = _by_id(waived["events_of_default"])[eod_id]
    assert (eod["status"], eod["waived_by"]) == ("waived", "other-indebtedness")
    assert _options(waived, lpc) == {}
    # After the waiver lapses and the term ends (004 §2, 2003-01-03): from 2003-01-04.
    ended = _options(_c(example_book, date(2003, 1, 6)), lpc)
    assert ended["default_rate"]["available_from"] == date(2003, 1, 4)
    assert ended["default_rate"]["cite"] == "004 §1(a)"
    assert any("term ended 2003-01-03 (004 §2)" in b for b in ended["default_rate"]["because"])
    assert ended["no_advances"]["available_from"] == date(2003, 1, 4)

    # The second scenario: the trustee seeks acceleration on 2002-12-02 (Exhibit A §2).
    rescinded = _c(with_document(example_book, SCENARIO), date(2002, 12, 31))
    eod = _by_id(rescinded["events_of_default"])[eod_id]
    assert (eod["status"], eod["since"], eod["decided_by"]) == (
        "rescinded",
        date(2002, 12, 2),
        "004 Exhibit A §2",
    )
    rate = _options(rescinded, lpc)["default_rate"]
    assert (rate["available_from"], rate["cite"]) == (date(2002, 12, 2), "004 §1(a)")


def test_senior_note_holders_action_does_not_rescind(example_book: Book) -> None:
    """The 10-1/2% Senior Note is waived (Exhibit A §1(d)) but is not Other Indebtedness
    (§1 defines that as (a)-(c)): its holder seeking acceleration rescinds nothing."""
    text = SCENARIO.read_text().replace(
        "instrument: junior-subordinated-14", "instrument: senior-10-5"
    )
    doc = TermDocument("scenarios/senior.yaml", text, parse_term_file(text, "senior.yaml"))
    book = Book((*example_book.documents, doc), example_book.market, example_book.events)
    statuses = {e["id"]: e["status"] for e in _c(book, date(2002, 12, 31))["events_of_default"]}
    assert statuses["cross-default:senior-10-5@2002-05-01"] == "waived"
    assert statuses["cross-default:junior-subordinated-14@2002-05-01"] == "waived"


def test_loan_b_made_once_its_conditions_were_met(example_book: Book) -> None:
    assert example_book.start_of("lpc-ny-real-estate-loan-b") == date(1996, 6, 14)
    conds = _by_id(_c(example_book, date(1996, 6, 14))["conditions"])
    loan_b = {k: v for k, v in conds.items() if v["of_loan"] == "lpc-ny-real-estate-loan-b"}
    assert len(loan_b) == 6  # 001 §3: Section 5(a)(i)-(vi)
    assert {v["status"] for v in loan_b.values()} == {"satisfied"}
    assert loan_b["loan-b-certificate-of-occupancy"]["due"] == date(1996, 5, 31)
    assert conds["title-insurer-letter"]["status"] == "deemed satisfied"
    assert conds["title-insurer-letter"]["by"] == (
        "the letter dated February 7, 1996 received by Congress' counsel from the issuer"
    )
    # 001 took effect when the last of its §5 conditions was met (the closing, 1996-02-28).
    (doc,) = [d for d in _c(example_book, date(1996, 6, 14))["documents"] if d["document"] == "001"]
    assert (doc["effective"], doc["conditions_met_on"], doc["open"]) == (
        True,
        date(1996, 2, 28),
        [],
    )
    # Loans A and B and the Arizona loan are named by 001, not 002.
    for loan in ("lpc-ny-real-estate-loan-a", "lpc-ny-real-estate-loan-b"):
        assert example_book.loan_terms(loan, date(1996, 7, 1)).cite("facility") == "001 preamble"
    assert example_book.loan_terms("lpc-arizona-real-estate-loan", date(1996, 7, 1)).principal == D(
        "1000000.00"
    )


def test_collateral_liens_consents_guarantors(example_book: Book) -> None:
    before = collateral(example_book, date(1998, 6, 14))
    items = _by_id(before["items"])
    assert items["cit-press-02"]["location"] == "casa-grande-az-piper"
    assert items["cit-press-02"]["liens"] == ["cit-lien"]
    moved = _by_id(collateral(example_book, date(1998, 6, 15))["items"])["cit-press-02"]
    assert (moved["location"], moved["since"]) == ("rochester-ny", date(1998, 6, 15))
    consents = _by_id(before["consents"])
    assert consents["cit-lien"]["effective"] == date(1996, 1, 17)  # 002 §2(i)
    assert consents["bank-one-liens"]["effective"] == date(1996, 3, 14)  # 002 §2(ii)
    assert consents["lakewood-ida-transaction"]["cite"] == "001 §2"
    assert _by_id(before["guarantors"])["lci"]["consents"] == ["001", "002", "004"]
    # The move came after a notice listing the serial number: no breach.
    assert before["breaches"] == []
    assert not any(
        e["kind"] == "collateral_covenant"
        for e in _c(example_book, date(1998, 12, 31))["events_of_default"]
    )


def test_calendar_shows_deadlines_commitment_end_and_renewal_date(example_book: Book) -> None:
    items = obligations(example_book, date(1996, 8, 1), date(1996, 5, 31), date(1996, 7, 31))
    found = {(i.date, i.kind, i.subject): i for i in items}
    co = found[(date(1996, 5, 31), "condition_deadline", "loan-b-certificate-of-occupancy")]
    assert (co.status, co.cite) == ("met", "001 §3 (5(a)(v))")
    end = found[(date(1996, 7, 31), "commitment_end", "cit-facility")]
    assert end.cite == "000 §2(c)"
    assert found[(date(1996, 7, 31), "installment", "cit-note")].status == "met"
    renewal = [
        i
        for i in obligations(example_book, date(2002, 12, 1), date(2003, 1, 1), date(2003, 1, 31))
        if i.kind == "term_end"
    ]
    assert [(i.date, i.cite, i.status) for i in renewal] == [
        (date(2003, 1, 3), "004 §2", "upcoming")
    ]


def test_citations_name_the_clause_that_governs(example_book: Book) -> None:
    """October 2002 interest is charged on 2002-11-01 at the October rate: it cites the clause
    in force in October, not 004 §1(a) (in force from 2002-11-01); ordinary revolving advances
    cite the Accounts Agreement, the 002 §6(f)-(g) applications their own clauses."""
    lines = example_book.run("congress-revolver-lpc", date(2002, 12, 2)).lines
    charged = {ln.event: ln.cite for ln in lines if ln.kind.value == "capitalization"}
    assert charged["congress-revolver-lpc/interest/2002-10"] == (
        "congress-afa Interest Rate (letter of 1995-01-31) [assumed]"
    )
    assert charged["congress-revolver-lpc/interest/2002-11"] == "004 §1(a)"
    cites = {ln.event: ln.cite for ln in lines if ln.kind.value in ("advance", "payment_applied")}
    assert cites["rv-lpc-1996-04-15"] == "congress-afa §2 [assumed]"
    assert cites["p-002-6g-revolver"] == "002 §6(g)"
