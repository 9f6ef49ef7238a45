"""An amendment takes effect only when its conditions precedent are met (001 §5, 002 §6, 004
§8: "the terms and provisions of this Amendment shall only become effective upon the
satisfaction of the following ... conditions precedent"), recorded when they were.

The example book meets every condition on its document's own date, so its figures stand;
these tests take 004's satisfactions out, or date them later, and read the terms back.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from textwrap import dedent
from typing import Any

from typer.testing import CliRunner

from loanbook.book import Book, TermDocument
from loanbook.cli.main import app
from loanbook.compliance.service import compliance
from loanbook.terms.files import parse_term_file
from tests.compliance.conftest import book_of
from tests.conftest import CIT_BOOK

runner = CliRunner()

MET_2002_10_31 = "conditions-met-2002-10-31"
REVOLVER = "congress-revolver"


def _doc(text: str, source: str) -> TermDocument:
    text = dedent(text)
    return TermDocument(source, text, parse_term_file(text, source))


def _satisfied(on: date, recorded: date, *conditions: str) -> TermDocument:
    facts = "".join(
        f"  - kind: satisfaction\n    condition: {c}\n    date: {on}\n" for c in conditions
    )
    text = (
        "document:\n"
        f"  id: met-{on}-{'-'.join(conditions)}\n"
        "  title: conditions met (test)\n"
        "  kind: notice\n"
        f"  date: {on}\n"
        f"  recorded: {recorded}\n"
        f"facts:\n{facts}"
    )
    return _doc(text, f"compliance/met-{on}.yaml")


def _without_004_satisfactions(book: Book) -> Book:
    return replace(book, documents=tuple(d for d in book.documents if d.id != MET_2002_10_31))


ALL_004 = ("004-executed", "004-representations", "004-no-default")


def test_example_book_documents_take_effect_on_their_own_dates(example_book: Book) -> None:
    """001: executed and IDA closing met 1996-02-28, the two letters deemed met on 1996-02-07
    and 1996-02-27 (001 §5(c)-(d)): the last on 1996-02-28, its own date. 002 and 004: met on
    their dates (invented, compliance/conditions-met-*.yaml)."""
    found = example_book.effectiveness()
    assert {d: (e.met_on, e.effective_from, e.open) for d, e in found.items()} == {
        "001": (date(1996, 2, 28), date(1996, 2, 28), ()),
        "002": (date(1996, 3, 14), date(1996, 3, 14), ()),
        "004": (date(2002, 10, 31), date(2002, 10, 31), ()),
    }
    assert found["004"].cite == "004 §8(a); 004 §8(b); 004 §8(c)"


def test_004_with_its_conditions_open_changes_nothing(example_book: Book) -> None:
    book = _without_004_satisfactions(example_book)
    gate = book.effectiveness()["004"]
    assert (gate.effective_from, sorted(gate.open)) == (None, sorted(ALL_004))
    # The terms stay as the Accounts Agreement had them: Prime + 1.5% (assumed), Renewal
    # Date 2003-01-11 (assumed), not 004 §1(a)'s 1% and §2's 2003-01-03.
    terms = book.revolver_terms(REVOLVER, date(2002, 12, 1))
    assert (terms.prime_margin, terms.term_end) == (D("0.015"), date(2003, 1, 11))
    # 004 §4's deletion of the working-capital covenant does not apply: the August 2002
    # test (5,210,000 against 5,500,000) stands as a breach even as known on 2002-11-01, and
    # 004 §5's waiver of it is not in effect either.
    data = compliance(book, date(2002, 11, 30), date(2002, 11, 1)).as_json()["compliance"]
    tests = {t["id"]: t for t in data["covenants"]}
    assert tests["working-capital@2002-08-31"]["passed"] is False
    eods = {e["id"]: e for e in data["events_of_default"]}
    assert eods["covenant:working-capital@2002-08-31"]["status"] == "continuing"
    assert eods["covenant:working-capital@2002-08-31"]["waived_by"] is None
    # The conditions themselves are in force (they bind before the amendment does).
    conds = {c["id"]: c["status"] for c in data["conditions"]}
    assert {c: conds[c] for c in ALL_004} == dict.fromkeys(ALL_004, "open")


def test_004_takes_effect_the_day_its_last_condition_is_met(example_book: Book) -> None:
    """Say the last condition of 004 was met on 2002-11-05 and recorded on 2002-11-06: the
    terms 004 dates 2002-10-31 (§2) or 2002-11-01 (§1(a)) take effect on 2002-11-05; the
    deletion it backdates to 2002-08-01 (§4) keeps that date, known from 2002-11-06."""
    book = _without_004_satisfactions(example_book)
    book = replace(
        book,
        documents=(
            *book.documents,
            _satisfied(date(2002, 11, 5), date(2002, 11, 6), "004-executed"),
            _satisfied(date(2002, 10, 31), date(2002, 10, 31), "004-representations"),
            _satisfied(date(2002, 10, 31), date(2002, 10, 31), "004-no-default"),
        ),
    )
    assert book.effectiveness()["004"].effective_from == date(2002, 11, 5)
    before = book.revolver_terms(REVOLVER, date(2002, 11, 4))
    after = book.revolver_terms(REVOLVER, date(2002, 11, 5))
    assert (before.prime_margin, before.term_end) == (D("0.015"), date(2003, 1, 11))
    assert (after.prime_margin, after.term_end) == (D("0.01"), date(2003, 1, 3))
    # As known on 2002-11-05 the satisfaction of 004-executed is not yet recorded.
    assert book.effectiveness(date(2002, 11, 5))["004"].open == ("004-executed",)
    assert book.revolver_terms(REVOLVER, date(2002, 12, 1), date(2002, 11, 5)).prime_margin == (
        D("0.015")
    )

    def august(known_on: date) -> set[str]:
        data = compliance(book, date(2002, 10, 30), known_on).as_json()["compliance"]
        return {t["id"] for t in data["covenants"]}

    assert "working-capital@2002-08-31" in august(date(2002, 11, 5))
    assert "working-capital@2002-08-31" not in august(date(2002, 11, 6))


def test_the_record_order_of_the_satisfaction_does_not_matter(example_book: Book) -> None:
    """The satisfactions recorded before or after the amendment in the folder: same terms."""
    late = _satisfied(date(2002, 11, 5), date(2002, 11, 6), *ALL_004)
    base = _without_004_satisfactions(example_book)
    first = replace(base, documents=(late, *base.documents))
    last = replace(base, documents=(*base.documents, late))
    for day in (date(2002, 11, 4), date(2002, 11, 5), date(2002, 12, 31)):
        assert first.state(day, compliance=True) == last.state(day, compliance=True)
    assert first.effectiveness() == last.effectiveness()


AGREEMENT = """
document:
  id: lsa
  title: Loan Agreement (test)
  kind: agreement
  date: 2000-01-01
facilities:
  line:
    kind: term
    lender: {value: bank, cite: lsa §1}
    borrower: {value: lpc, cite: lsa §1}
    commitment:
      value: {fixed_cap: "1000000", termination: 2001-12-31}
      cite: lsa §1
"""

AMENDMENT = """
document:
  id: amd
  title: First Amendment (test)
  kind: amendment
  date: 2000-06-30
changes:
  - op: replace
    path: facilities.line.commitment
    value: {fixed_cap: "1500000", termination: 2002-12-31}
    effective: 2000-06-30
    cite: amd §1
compliance:
  conditions:
    amd-executed:
      what: an executed original of this Amendment
      of_document: amd
      from_party: the borrower
      cite: amd §3(a)
    amd-opinion:
      what: an opinion of the borrower's counsel
      of_document: amd
      from_party: counsel
      deemed_satisfied: the opinion letter dated June 20, 2000
      deemed_on: 2000-06-20
      cite: amd §3(b)
"""


def _commitment(book: Book, day: date, known_on: date | None = None) -> str:
    value = book.state(day, known_on)["facilities"]["line"]["commitment"]["value"]
    return str(value["fixed_cap"])


def test_a_condition_deemed_met_counts_from_its_writing_and_one_open_holds_all() -> None:
    """amd's opinion is deemed delivered by a letter of 2000-06-20 (before amd's date); with
    its execution unrecorded, amd is not in effect: the commitment stays 1,000,000."""
    book = book_of(AGREEMENT, AMENDMENT)
    gate = book.effectiveness()["amd"]
    assert (gate.open, gate.met_on) == (("amd-executed",), None)
    assert _commitment(book, date(2000, 12, 31)) == "1000000"
    executed = """
    document: {id: exec, title: executed (test), kind: notice, date: 2000-07-10}
    facts:
      - {kind: satisfaction, condition: amd-executed, date: 2000-07-10}
    """
    book = book_of(AGREEMENT, AMENDMENT, executed)
    # Met on 2000-07-10 (the later of 2000-06-20 and 2000-07-10): from then, not 2000-06-30.
    assert book.effectiveness()["amd"].effective_from == date(2000, 7, 10)
    assert _commitment(book, date(2000, 7, 9)) == "1000000"
    assert _commitment(book, date(2000, 7, 10)) == "1500000"
    # Known on 2000-07-09, before the satisfaction was recorded: not in effect at all.
    assert _commitment(book, date(2000, 12, 31), date(2000, 7, 9)) == "1000000"


# -- in the persistent book: a satisfaction recorded later re-runs the loan -----------------
RATE_AMENDMENT = """
# A test amendment of the CIT note (not in the seeds): the margin from 3% to 4%, subject
# to one condition precedent to its effectiveness.
document:
  id: amd-margin
  title: Margin amendment (test)
  kind: amendment
  date: 1996-06-30
  amends: [cit-lsa]
changes:
  - op: replace
    path: loans.cit-note.rate.margin
    value: 4%
    effective: 1996-06-30
    cite: amd-margin §1
compliance:
  conditions:
    amd-margin-executed:
      what: an executed original of this amendment
      of_document: amd-margin
      from_party: LPC
      cite: amd-margin §2
"""


def _call(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout) if "--json" in args else result


def test_stored_book_runs_the_amendment_from_the_day_its_condition_is_met(
    db_url: str, tmp_path: Path
) -> None:
    """As of 1996-10-15, interest accrues since the 1996-09-30 interest date at LIBOR-1M
    fixed on 1996-09-30 (5.43359%) plus the margin.
    Without the amendment in effect: principal 3,985,537.50 (after the 1996-09-30
    installment), 3,985,537.50 x 8.43359% x 15/360 = 14,005.162 -> 14,005.16.
    With it (met 1996-08-31, so September's period bears 4%): September's interest on the
    4,080,431.25 outstanding is 1% x 30/360 higher, 4,080,431.25 x 0.01 x 30/360 = 3,400.359
    -> 3,400.36; the fixed 1996-09-30 payment pays it before principal, so principal is
    3,985,537.50 + 3,400.36 = 3,988,937.86, and 3,988,937.86 x 9.43359% x 15/360 =
    15,679.168 -> 15,679.17."""
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    (book / "amd-margin.yaml").write_text(dedent(RATE_AMENDMENT))
    _call("init", "--db", db_url)
    _call("import", str(book), "--db", db_url, "--json")
    _call("run", "--to", "1996-10-15", "--db", db_url)

    def accrued(known_on: str | None = None) -> tuple[str, str, str]:
        args = ["statement", "--loan", "cit-note", "--as-of", "1996-10-15", "--db", db_url]
        data = _call(*args, "--json", *(["--known-on", known_on] if known_on else []))
        return data["principal_outstanding"], data["interest_accrued"], data["rates"][-1]["cite"]

    assert accrued() == ("3985537.50", "14005.16", "003 ¶1; 000 §2(b)")
    _call(
        "record-compliance", "satisfaction", "--condition", "amd-margin-executed",
        "--date", "1996-08-31", "--recorded-on", "1996-10-20", "--db", db_url,
    )  # fmt: skip
    _call("run", "--to", "1996-10-15", "--db", db_url)
    assert accrued() == (
        "3988937.86",
        "15679.17",
        "003 ¶1; as amended by amd-margin §1; 000 §2(b)",
    )
    # As known before the satisfaction was recorded, the amendment was not in effect.
    assert accrued("1996-10-19")[:2] == ("3985537.50", "14005.16")
    assert _call("check", "--db", db_url, "--json")["ok"] is True
