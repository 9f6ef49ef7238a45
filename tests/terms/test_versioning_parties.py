"""The assertions a term file makes for parties, defined terms and compliance terms (what
``loanbook terms`` shows and the compliance engine reads), their order within and across
documents, ``resolve`` with and without compliance, and the refusals of a change below a
cited term. Every expected value is written from the term files below, by hand."""

from __future__ import annotations

from datetime import date

import pytest

from loanbook.errors import ValidationError
from loanbook.terms.files import parse_term_file
from loanbook.terms.versioning import Assertion, assertions_of, history, resolve
from tests.conftest import EXAMPLE

D1 = """\
document: {id: D1, title: Agreement, kind: agreement, date: 2002-10-31, recorded: 2002-11-04}
parties:
  lpc: {name: Lexington Precision Corporation, short: LPC, role: borrower, cite: D1 preamble}
defined_terms:
  Obligations:
    value: all present and future indebtedness of LPC to the lender
    cite: D1 §1
    assumption: The definition is in an agreement we do not have.
compliance:
  waivers:
    wc-08:
      facility: congress-revolver
      scope: {kind: covenant_breach, covenant: working-capital, test_date: 2002-08-31}
      from: 2002-10-31
      cite: D1 §5(a)
      assumption: The waiver letter is not in the seeds; its date is assumed.
      note: Only this Event of Default.
  locations:
    vienna: {address: "Vienna, Ohio", cite: D1 §3(a)}
"""


def assertions(*texts: str) -> list[Assertion]:
    out = []
    for order, text in enumerate(texts):
        out.extend(assertions_of(parse_term_file(text, f"f{order}.yaml"), f"f{order}.yaml", order))
    return out


def test_each_party_defined_term_and_compliance_item_is_one_assertion() -> None:
    # D1 is the second file (order 1): its assertions are numbered from 1 x 10,000, compliance
    # items first (waivers, then locations, as the schema lists the kinds), then parties,
    # then defined terms. Effective: the date 2002-10-31; recorded: 2002-11-04.
    eff, rec = date(2002, 10, 31), date(2002, 11, 4)
    got = assertions("document: {id: D0, title: Empty, kind: agreement, date: 2002-01-01}\n", D1)
    waiver = {
        "facility": "congress-revolver",
        "scope": {
            "kind": "covenant_breach",
            "covenant": "working-capital",
            "test_date": date(2002, 8, 31),
            "instruments": [],
            "solely": False,
        },
        "from": date(2002, 10, 31),  # by its alias, as an amendment's change writes it
        "conditions": [],
        "cite": "D1 §5(a)",
        "assumption": "The waiver letter is not in the seeds; its date is assumed.",
        "note": "Only this Event of Default.",
    }
    assert got == [
        Assertion(
            ("compliance", "waivers", "wc-08"), "set", waiver, eff, rec, "D1", "D1 §5(a)",
            "The waiver letter is not in the seeds; its date is assumed.", 10_000, "f1.yaml",
        ),
        Assertion(
            ("compliance", "locations", "vienna"),
            "set",
            {"address": "Vienna, Ohio", "cite": "D1 §3(a)"},
            eff, rec, "D1", "D1 §3(a)", None, 10_001, "f1.yaml",
        ),
        Assertion(
            ("parties", "lpc"),
            "set",
            {
                "name": "Lexington Precision Corporation",
                "short": "LPC",
                "role": "borrower",
                "cite": "D1 preamble",
            },
            eff, rec, "D1", "D1 preamble", None, 10_002, "f1.yaml",
        ),
        Assertion(
            ("defined_terms", "Obligations"),
            "set",
            {
                "value": "all present and future indebtedness of LPC to the lender",
                "cite": "D1 §1",
                "assumption": "The definition is in an agreement we do not have.",
            },
            eff, rec, "D1", "D1 §1", "The definition is in an agreement we do not have.",
            10_003, "f1.yaml",
        ),
    ]  # fmt: skip


def test_resolve_includes_compliance_unless_asked_not_to() -> None:
    a = assertions(D1)
    every_kind = {
        "covenants": {},
        "events_of_default": {},
        "waivers": {},
        "conditions": {},
        "representations": {},
        "locations": {},
        "collateral": {},
        "liens": {},
        "consents": {},
        "guarantors": {},
        "location_covenants": {},
        "indebtedness": {},
        "milestones": {},
        "remedies": {},
    }
    without = resolve(a, date(2002, 12, 31), compliance=False)
    assert without["compliance"] == every_kind
    assert without["parties"]["lpc"]["short"] == "LPC"
    state = resolve(a, date(2002, 12, 31))
    assert state["compliance"] == {
        **every_kind,
        "waivers": {"wc-08": a[0].value},
        "locations": {"vienna": {"address": "Vienna, Ohio", "cite": "D1 §3(a)"}},
    }
    assert sorted(state) == sorted(
        ["parties", "defined_terms", "facilities", "loans", "revolvers", "compliance"]
    )
    # before its effective date, nothing of D1
    assert resolve(a, date(2002, 10, 30))["compliance"] == every_kind


# D1 stated again by a later file with the same dates: the later file (document order) wins,
# whatever the number of assertions in the earlier one.
D1_AGAIN = D1.replace("role: borrower", "role: borrower and debtor").replace(
    "locations:\n    vienna", "locations:\n    vienna2"
)


def test_the_later_file_wins_a_tie_of_effective_and_recorded_dates() -> None:
    state = resolve(assertions(D1, D1_AGAIN), date(2002, 12, 31))
    assert state["parties"]["lpc"]["role"] == "borrower and debtor"
    state = resolve(assertions(D1_AGAIN, D1), date(2002, 12, 31))
    assert state["parties"]["lpc"]["role"] == "borrower"


# A document that states a party, a compliance item and a defined term and changes them from
# its own date: within one document a change comes after what it states.
D2 = """\
document: {id: D2, title: Agreement, kind: agreement, date: 2002-10-31}
parties:
  lpc: {name: LPC, short: LPC, role: borrower, cite: D2 preamble}
  lrg: {name: LRG, short: LRG, role: borrower, cite: D2 preamble}
defined_terms:
  Term: {value: first reading, cite: D2 §1}
  Other: {value: other, cite: D2 §1}
compliance:
  locations:
    vienna: {address: "Vienna, Ohio", cite: D2 §3(a)}
    rochester: {address: "Rochester, New York", cite: D2 §3(a)}
changes:
  - {op: replace, path: parties.lpc.role, value: guarantor, effective: 2002-10-31, cite: D2 §9,
     note: read with §10}
  - {op: replace, path: defined_terms.Term.value, value: second reading, effective: 2002-10-31,
     cite: D2 §9}
  - {op: replace, path: compliance.locations.vienna.address, value: "Vienna, OH 44473",
     effective: 2002-10-31, cite: D2 §9}
"""


@pytest.mark.parametrize("position", [0, 1])
def test_a_change_of_the_same_day_comes_after_what_the_document_states(position: int) -> None:
    empty = "document: {id: D0, title: Empty, kind: agreement, date: 2002-01-01}\n"
    texts = (D2, empty) if position == 0 else (empty, D2)
    a = assertions(*texts)
    state = resolve(a, date(2002, 10, 31))
    assert state["parties"]["lpc"]["role"] == "guarantor"
    assert state["parties"]["lrg"]["role"] == "borrower"
    assert state["defined_terms"]["Term"]["value"] == "second reading"
    assert state["defined_terms"]["Other"] == {"value": "other", "cite": "D2 §1"}  # no None
    assert state["compliance"]["locations"]["vienna"]["address"] == "Vienna, OH 44473"
    first = next(x for x in a if x.path == ("parties", "lpc", "role"))
    assert (first.op, first.value, first.cite, first.note, first.is_change) == (
        "replace",
        "guarantor",
        "D2 §9",
        "read with §10",
        True,
    )


def test_history_of_everything_with_an_empty_prefix() -> None:
    a = assertions(D2)
    every = history(a, "")
    assert len(every) == len(a) == 2 + 2 + 2 + 3  # parties, defined terms, locations, changes
    assert [c.path for c in history(a, "parties")] == [
        "parties.lpc",
        "parties.lrg",
        "parties.lpc.role",
    ]


# The CIT note (003), dated and recorded 1996-01-17.
NOTE = (EXAMPLE / "003-cit-promissory-note.yaml").read_text(encoding="utf-8")


def _amend(changes: str) -> str:
    return f"document: {{id: A, title: A, kind: amendment, date: 1996-02-01}}\nchanges:\n{changes}"


def test_a_change_below_a_missing_term_names_the_full_path() -> None:
    bad = _amend(
        "  - {op: set, path: loans.cit-note.fee.amount, value: 5.00, effective: 1996-02-01,"
        " cite: A §1}\n"
    )
    with pytest.raises(ValidationError) as exc:
        resolve(assertions(NOTE, bad), date(1996, 2, 1))
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "f1.yaml",
        "loans.cit-note.fee.amount",
        "set: no term loans.cit-note.fee to change",
    )


def test_a_term_set_without_a_citation_takes_the_amending_clause_alone() -> None:
    # The fee is set with an empty cite; a later change below it cites "A §2" -- the fee's
    # citation is then "A §2", not "; as amended by A §2".
    text = _amend(
        "  - {op: set, path: loans.cit-note.fee, value: {amount: 5.00}, effective: 1996-02-01,"
        ' cite: ""}\n'
        "  - {op: replace, path: loans.cit-note.fee.amount, value: 7.50, effective: 1996-03-01,"
        " cite: A §2}\n"
    )
    fee = resolve(assertions(NOTE, text), date(1996, 3, 1))["loans"]["cit-note"]["fee"]
    assert fee == {"value": {"amount": 7.5}, "cite": "A §2"}


def test_a_document_that_changes_its_own_loan_terms_from_its_date() -> None:
    # The CIT note stating its terms and, in the same file, replacing its margin from its own
    # date: the change comes after what the file states, whatever the number of terms or
    # the file's place among the others (the facility is the first term it states).
    restated = NOTE + (
        "changes:\n"
        "  - {op: replace, path: loans.cit-note.rate.margin, value: 4%, effective: 1996-01-17,"
        " cite: 003 ¶9}\n"
        "  - {op: replace, path: loans.cit-note.facility, value: cit-facility-b,"
        " effective: 1996-01-17, cite: 003 ¶10}\n"
    )
    empty = "document: {id: D0, title: Empty, kind: agreement, date: 1990-01-01}\n"
    for texts in ((restated,), (empty, restated), (empty, empty, restated)):
        rate = resolve(assertions(*texts), date(1996, 1, 17))["loans"]["cit-note"]["rate"]
        assert rate["value"]["margin"] == "4%"
        assert rate["cite"] == "003 ¶1; as amended by 003 ¶9"
        # the first term the file states (its facility), replaced as a whole term
        loan = resolve(assertions(*texts), date(1996, 1, 17))["loans"]["cit-note"]
        assert loan["facility"] == {"value": "cit-facility-b", "cite": "003 ¶10"}
