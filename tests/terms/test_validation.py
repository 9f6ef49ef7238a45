"""Validation of what a term file says (issue 8; issue 7 §6): each rule with a book that
breaks it and one that passes. Books are the CIT note alone (tests/data/cit-book), edited."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loanbook.errors import ValidationError
from loanbook.loader import read_book
from tests.conftest import CIT_BOOK

NOTE = "003-cit-promissory-note.yaml"


def book(
    tmp_path: Path, edits: dict[str, str] | None = None, files: dict[str, str] | None = None
) -> Path:
    """The CIT book without its events, the note edited (old -> new), plus ``files``."""
    folder = tmp_path / "book"
    shutil.copytree(CIT_BOOK, folder, ignore=shutil.ignore_patterns("events"))
    text = (folder / NOTE).read_text(encoding="utf-8")
    for old, new in (edits or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    (folder / NOTE).write_text(text, encoding="utf-8")
    for name, body in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(body, encoding="utf-8")
    return folder


def errors(folder: Path) -> list[str]:
    try:
        read_book(folder)
    except ValidationError as exc:
        return [str(i) for i in exc.issues]
    return []


def warnings(folder: Path) -> list[str]:
    return [str(w) for w in read_book(folder).warnings()]


def one(found: list[str], *parts: str) -> str:
    hits = [e for e in found if all(p in e for p in parts)]
    assert hits, found
    return hits[0]


def test_the_cit_book_passes(tmp_path: Path) -> None:
    assert errors(book(tmp_path)) == []


# -- schedule against maturity -----------------------------------------------------------------
def test_count_one_short_is_refused(tmp_path: Path) -> None:
    # 47 month-ends from 1996-04-30 end on 2000-02-29: the 47th would silently take the rest.
    found = errors(book(tmp_path, {"count: 48": "count: 47"}))
    line = one(found, "amortization.schedule.count", "before the maturity 2000-03-31")
    assert "a count of 48 ends on it" in line and line.startswith(NOTE + ":")


def test_count_one_more_is_refused(tmp_path: Path) -> None:
    found = errors(book(tmp_path, {"count: 48": "count: 49"}))
    line = one(found, "amortization.schedule.count", "after the maturity 2000-03-31")
    assert "the first on 2000-04-30" in line and "a count of 48 ends on it" in line


def test_count_short_with_a_balloon_passes(tmp_path: Path) -> None:
    # 47 installments of 90,000 leave a balloon: 4,554,900 - 46 x 90,000 = 414,900 at the
    # last date, which must then be the maturity. Ending on 2000-03-31 with 48 is fine.
    folder = book(tmp_path, {"installment: 94893.75": "installment: 90000.00"})
    # Only the note's stated figure disagrees now (48 x 90,000 is not its 4,554,900.00).
    (found,) = errors(folder)
    assert "checks[0].installments_total" in found and "terms give 4,320,000.00" in found


def test_maturity_before_start_is_refused(tmp_path: Path) -> None:
    found = errors(book(tmp_path, {"value: 2000-03-31": "value: 1995-03-31"}))
    one(found, "loans.cit-note.maturity", "is not after the start 1996-01-17")


def test_principal_zero_is_refused(tmp_path: Path) -> None:
    found = errors(book(tmp_path, {"value: 4554900.00": "value: 0"}))
    one(found, "loans.cit-note.principal.value", "more than zero")


def test_level_installments_above_the_principal_are_refused(tmp_path: Path) -> None:
    found = errors(book(tmp_path, {"installment: 94893.75": "installment: 194893.75"}))
    one(found, "amortization.installment", "more than the principal 4,554,900.00")


# -- rates -------------------------------------------------------------------------------------
def test_a_margin_of_a_billion_percent_is_refused(tmp_path: Path) -> None:
    found = errors(book(tmp_path, {"margin: 3%": "margin: 1000000000%"}))
    one(found, "rate.value.margin", "is above the maximum 1,000")


def test_fixed_and_index_together_are_refused(tmp_path: Path) -> None:
    found = errors(book(tmp_path, {"margin: 3%": "margin: 3%\n        fixed: 8%"}))
    one(found, "loans.cit-note.rate", "both fixed")


def test_stale_first_fixing_refused_beyond_the_terms_limit(tmp_path: Path) -> None:
    # LIBOR-1M of 1996-01-02 is the fixing in force on 1996-01-17: 15 days old.
    strict = {"reset: period_start": "reset: period_start\n        fixing_max_age_days: 5"}
    line = one(errors(book(tmp_path, strict)), "fixing_max_age_days", "15 days old")
    assert "LIBOR-1M fixing of 1996-01-02 (5.62891%" in line and "allow 5" in line


def test_stale_first_fixing_within_the_limit_passes_without_warning(tmp_path: Path) -> None:
    loose = {"reset: period_start": "reset: period_start\n        fixing_max_age_days: 30"}
    folder = book(tmp_path / "a", loose)
    assert errors(folder) == [] and warnings(folder) == []
    # Without a stated limit the fixing used is named in a warning.
    one(warnings(book(tmp_path / "b")), "uses the LIBOR-1M fixing of 1996-01-02", "15 days")


def test_index_with_fixings_supplied_later_is_a_warning(tmp_path: Path) -> None:
    folder = book(tmp_path)
    shutil.rmtree(folder / "rates")
    assert errors(folder) == []
    one(warnings(folder), "loans.cit-note.rate.index", "no fixings of 'LIBOR-1M'")


def test_absurd_fixing_is_refused_and_negative_warned(tmp_path: Path) -> None:
    rates = "index,date,rate_percent\nLIBOR-1M,1996-01-02,5.5\nLIBOR-1M,1996-02-01,1e30\n"
    one(
        errors(book(tmp_path / "a", files={"rates/x.csv": rates})),
        "x.csv:3",
        "not a decimal rate",
    )
    rates = "index,date,rate_percent\nLIBOR-1M,1996-01-02,5.5\nLIBOR-1M,1996-02-01,5000\n"
    one(errors(book(tmp_path / "c", files={"rates/x.csv": rates})), "x.csv:3", "above the maximum")
    rates = "index,date,rate_percent\nLIBOR-1M,1996-01-02,5.5\nLIBOR-1M,1996-02-01,-0.5\n"
    folder = book(tmp_path / "b", files={"rates/x.csv": rates})
    assert errors(folder) == []
    one(warnings(folder), "x.csv:3", "is negative")


# -- references --------------------------------------------------------------------------------
def test_amends_an_unknown_document_is_refused(tmp_path: Path) -> None:
    extra = "document:\n  id: '005'\n  title: x\n  kind: amendment\n  date: 1996-05-01\n"
    one(
        errors(book(tmp_path / "a", files={"x.yaml": extra + "  amends: [nope]\n"})),
        "amends 'nope'",
    )
    assert errors(book(tmp_path / "b", files={"x.yaml": extra + "  amends: ['003']\n"})) == []


def test_citation_to_a_document_not_in_the_book_is_refused(tmp_path: Path) -> None:
    found = errors(book(tmp_path, {"cite: 003 ¶8": "cite: 099 ¶8"}))
    line = one(found, "loans.cit-note.usury_max_rate.cite", "'099' is not a document")
    assert line.startswith(NOTE + ":")


def test_certificate_for_an_unknown_facility_is_refused(tmp_path: Path) -> None:
    cert = (
        "document:\n  id: bbc\n  title: c\n  kind: certificate\n  date: 1996-03-31\n"
        "certificate:\n  facility: nope\n  as_of: 1996-03-31\n  items: []\n"
    )
    one(
        errors(book(tmp_path, files={"certificates/bbc.yaml": cert})),
        "certificate.facility",
        "'nope'",
    )


def test_unknown_facility_refused_and_standalone_note_accepted(tmp_path: Path) -> None:
    facility = "      value: cit-facility\n      cite: 003 ¶2\n"
    one(errors(book(tmp_path / "a", {facility: facility.replace("cit-", "xx-")})), "'xx-facility'")
    standalone = book(tmp_path / "b", {"    facility:\n" + facility: ""})
    assert errors(standalone) == []


# -- the facility's rules over the loans in the book (000 §2(c)) -------------------------------
def loan(name: str, start: str, principal: str) -> str:
    return f"""
  {name}:
    facility: {{value: cit-facility, cite: 000 §2(c)}}
    borrower: {{value: lpc, cite: 000 §2(c)}}
    lender: {{value: cit, cite: 000 §2(c)}}
    principal: {{value: {principal}, cite: 000 §2(c)}}
    start: {{value: {start}, cite: 000 §2(c)}}
    maturity: {{value: 2000-03-31, cite: 000 §2(c)}}
    day_count: {{value: 365/360, cite: 000 §2(c)}}
    rate: {{value: {{fixed: 9%}}, cite: 000 §2(c)}}
    interest_schedule: {{value: {{anchor: 1996-09-30, cycle: monthly}}, cite: 000 §2(c)}}
    amortization: {{value: {{kind: bullet}}, cite: 000 §2(c)}}
"""


def notes(*loans: str) -> str:
    head = "document:\n  id: more\n  title: More Notes\n  kind: note\n  date: 1996-03-01\n"
    return head + "loans:" + "".join(loans)


def test_five_loans_above_the_cap_and_after_the_end_are_refused(tmp_path: Path) -> None:
    # The issue's book: five loans totalling 5,554,900.00, one after 1996-07-31. The cap is
    # the lesser of 5,500,000 and 2,600,000 + 1,785,000 + 640,000 = 5,025,000 (000 §2(c)).
    more = notes(
        loan("n2", "1996-03-15", "300000.00"),
        loan("n3", "1996-04-15", "300000.00"),
        loan("n4", "1996-05-15", "300000.00"),
        loan("n5", "1996-08-15", "100000.00"),
    )
    found = errors(book(tmp_path, files={"more.yaml": more}))
    one(found, "loans.n3.principal", "total 5,154,900.00", "commitment of 5,025,000.00")
    one(found, "loans.n5.start", "after the commitment of cit-facility ended on 1996-07-31")
    one(found, "loans.n5.start", "loan number 5", "at most 4")
    one(found, "loans.n5.principal", "less than the minimum loan 300,000.00")
    assert all(e.startswith("more.yaml:") for e in found if "loans.n" in e)


def test_a_loan_within_the_commitment_passes(tmp_path: Path) -> None:
    # 4,554,900 + 470,100 = 5,025,000.00: exactly the cap.
    more = notes(loan("n2", "1996-03-15", "470100.00"))
    assert errors(book(tmp_path, files={"more.yaml": more})) == []


# -- stated figures (checks) -------------------------------------------------------------------
STATED = "figure: installments_total\n    value: 4554900.00"


def test_stated_figure_that_matches_passes(tmp_path: Path) -> None:
    # 003 ¶1: 48 x 94,893.75 = 4,554,900.00, the principal (the note's `checks`).
    folder = book(tmp_path)
    assert STATED in (folder / NOTE).read_text(encoding="utf-8")
    assert errors(folder) == []


def test_stated_figure_that_differs_names_both_figures_and_clauses(tmp_path: Path) -> None:
    folder = book(tmp_path, {STATED: STATED.replace("4554900.00", "4500000.00")})
    line = one(errors(folder), "checks[0].installments_total")
    assert "states 4,500,000.00 (003 ¶1)" in line
    assert "terms give 4,554,900.00 (48 x 94,893.75" in line
    assert line.startswith(NOTE + ":")


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [("365/360", "actual/360"), ("Actual/360", "actual/360"), ("act/365", "actual/365")],
)
def test_day_count_spellings_in_a_term_file(tmp_path: Path, spelling: str, canonical: str) -> None:
    old = "day_count:\n      value: actual/360"
    folder = book(tmp_path, {old: f"day_count:\n      value: {spelling}"})
    loaded = read_book(folder)
    terms = loaded.loan_terms("cit-note", loaded.start_of("cit-note"))
    assert terms.day_count.value == canonical


def test_a_fixing_event_of_1e30_percent_is_refused(tmp_path: Path) -> None:
    events = (
        "date,loan,kind,amount,reference,index\n1996-02-02,cit-note,fixing,1e30,typo,LIBOR-1M\n"
    )
    found = errors(book(tmp_path / "a", files={"events/f.csv": events}))
    one(found, "f.csv:2: amount", "not a decimal rate")
    big = errors(book(tmp_path / "c", files={"events/f.csv": events.replace("1e30", "5000")}))
    one(big, "f.csv:2: amount", "above")
    events = events.replace("1e30", "5.5")
    assert errors(book(tmp_path / "b", files={"events/f.csv": events})) == []


def test_a_fixing_event_with_a_second_rate_for_its_day_is_refused(tmp_path: Path) -> None:
    # The folder's own rates file has LIBOR-1M at 5.43750 on 1996-01-31 (line 3): a fixing
    # event of another rate that day is refused, the same rate is not; two events of one day
    # with two rates are refused at the second (the folder commands read it this way).
    head = "date,loan,kind,amount,reference,index\n"
    typo = head + "1996-01-31,LIBOR-1M,fixing,6.4375,typo,LIBOR-1M\n"
    folder = book(tmp_path / "a", files={"events/f.csv": typo})
    assert errors(folder) == [
        "typo: amount: LIBOR-1M on 1996-01-31 is already 5.4375 in the book "
        f"(from {folder / 'rates' / 'libor-1m.csv'}:3)"
    ]
    same = head + "1996-01-31,LIBOR-1M,fixing,5.4375,as filed,LIBOR-1M\n"
    assert errors(book(tmp_path / "b", files={"events/f.csv": same})) == []
    two = (
        head
        + "1996-01-17,LIBOR-1M,fixing,5.5,late,LIBOR-1M\n"
        + "1996-01-17,LIBOR-1M,fixing,5.5,late again,LIBOR-1M\n"
        + "1996-01-17,LIBOR-1M,fixing,5.6,other,LIBOR-1M\n"
    )
    assert errors(book(tmp_path / "c", files={"events/f.csv": two})) == [
        "other: amount: LIBOR-1M on 1996-01-17 is already 5.5 earlier in this input (late)"
    ]


def test_validate_prints_warnings_and_still_says_valid(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from loanbook.cli.main import app

    folder = book(tmp_path)
    out = CliRunner().invoke(app, ["validate", str(folder)])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0].startswith("warning: 003-cit-promissory-note.yaml:38: loans.cit-note.rate.")
    assert "uses the LIBOR-1M fixing of 1996-01-02" in lines[0]
    assert out.stdout.rstrip().endswith("- valid")
    data = json.loads(CliRunner().invoke(app, ["validate", str(folder), "--json"]).stdout)
    assert data["valid"] is True and len(data["warnings"]) == 1


def test_an_end_before_the_maturity_is_refused(tmp_path: Path) -> None:
    short = {"count: 48": "end: 1999-12-31"}
    one(errors(book(tmp_path / "a", short)), "amortization.schedule.end", "before the maturity")
    ok = {"count: 48": "end: 2000-03-31"}
    assert errors(book(tmp_path / "b", ok)) == []


def test_an_interest_date_on_or_before_the_start_is_refused(tmp_path: Path) -> None:
    early = {
        "    interest_schedule:\n      value:\n        anchor: 1996-04-30": (
            "    interest_schedule:\n      value:\n        anchor: 1996-01-17"
        )
    }
    one(errors(book(tmp_path, early)), "interest_schedule.anchor", "not after the start")
