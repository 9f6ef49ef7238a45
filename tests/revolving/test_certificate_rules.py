"""Borrowing-base certificates item by item, as the availability report shows them: the rule
and clause that decided each item (the first rule that excludes it; an `ineligible_type`
rule; collateral with no advance rate), the sublimit cap at its edge and its text, and a
revolver's terms read from a term file with the optional terms left out or invalid.
Figures worked by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import MappingProxyType
from typing import Any

import pytest

from loanbook.errors import ValidationError
from loanbook.revolving.borrowing_base import (
    Certificate,
    CertificateItem,
    borrowing_base,
    check_certificate,
)
from loanbook.revolving.terms import EligibilityRule, revolver_terms
from loanbook.terms.model import Citation
from loanbook.terms.yamlread import read_yaml
from tests.golden.test_golden import CASES, parse_case
from tests.revolving.conftest import facility

CITES = MappingProxyType(
    {"advance_rates": Citation("afa", "§2"), "sublimits": Citation("afa", "§2(b)")}
)
TERMS = facility(
    advance_rates=MappingProxyType({"accounts": D("0.85"), "inventory": D("0.50")}),
    sublimits=MappingProxyType({"inventory": D("1000000")}),
    eligibility=(
        EligibilityRule(
            "excluded_location", ("inventory", "equipment"), "002 §4", ("north-canton",)
        ),
        EligibilityRule("ineligible_type", ("inventory",), "afa §1(c)", types=("work in process",)),
        EligibilityRule("max_age_days", ("accounts",), "afa §1(a)", days=90),
    ),
    cites=CITES,
)


def item(id: str, collateral: str, value: str, **kw: Any) -> CertificateItem:
    kw.setdefault("location", "rochester")
    return CertificateItem(id, id, collateral, value=D(value), **kw)


def cert(*items: CertificateItem) -> Certificate:
    return Certificate("congress-revolver", date(2002, 9, 30), items, "q3.yaml")


def test_each_item_names_the_rule_and_clause_that_decided_it() -> None:
    bb = borrowing_base(
        cert(
            # 400,000 x 50% = 200,000.00
            item("fg", "inventory", "400000", type="finished goods"),
            # work in process is never eligible inventory (afa §1(c))
            item("wip", "inventory", "300000", type="work in process"),
            # the type rule names inventory only: receivables "work in process" still count,
            # 10,000 x 85% = 8,500.00
            item("ar-wip", "accounts", "10000", type="work in process", age_days=10),
            # both 002 §4 and the type rule exclude it: the first rule listed decides
            item("wip-nc", "inventory", "1000", type="work in process", location="north-canton"),
            # excluded by 002 §4 and also marked ineligible: the rule is the reason given
            item("nc", "inventory", "1000", location="north-canton", certified_eligible=False),
            # no age given: the 90-day rule cannot exclude it; 2,000 x 85% = 1,700.00
            item("ar", "accounts", "2000"),
            # no advance rate for equipment in these terms: eligible at 0%
            item("eq", "equipment", "50000"),
        ),
        TERMS,
    )
    assert [(r.item.id, r.eligible, r.lendable, r.rule, r.cite) for r in bb.items] == [
        ("fg", True, D("200000.00"), "eligible inventory at 50%", "afa §2"),
        ("wip", False, D("0"), "work in process is not an eligible type", "afa §1(c)"),
        ("ar-wip", True, D("8500.00"), "eligible accounts at 85%", "afa §2"),
        ("wip-nc", False, D("0"), "inventory at north-canton is not eligible", "002 §4"),
        ("nc", False, D("0"), "inventory at north-canton is not eligible", "002 §4"),
        ("ar", True, D("1700.00"), "eligible accounts at 85%", "afa §2"),
        ("eq", True, D("0"), "eligible equipment at 0%", "afa §2"),
    ]
    assert [r.advance_rate for r in bb.items] == [
        D("0.50"),
        D("0.50"),
        D("0.85"),
        D("0.50"),
        D("0.50"),
        D("0.85"),
        D("0"),
    ]
    # each class with an item is listed, even at 0; accounts 8,500 + 1,700 = 10,200.00
    assert bb.by_collateral == (
        ("accounts", D("10200.00"), ""),
        ("inventory", D("200000.00"), ""),
        ("equipment", D("0"), ""),
    )
    assert bb.total == D("210200.00")


def test_a_class_with_no_item_is_not_listed() -> None:
    bb = borrowing_base(cert(item("ar", "accounts", "100", age_days=1)), TERMS)
    assert bb.by_collateral == (("accounts", D("85.00"), ""),)


def test_the_sublimit_caps_a_class_only_above_it() -> None:
    # 2,000,000 x 50% = 1,000,000.00: at the sublimit, not above it -- not capped.
    at = borrowing_base(cert(item("inv", "inventory", "2000000")), TERMS)
    assert at.by_collateral == (("inventory", D("1000000.00"), ""),)
    # 2,000,000.02 x 50% = 1,000,000.01: capped at 1,000,000, and the text says so.
    above = borrowing_base(cert(item("inv", "inventory", "2000000.02")), TERMS)
    assert above.by_collateral == (
        ("inventory", D("1000000"), "capped at the inventory sublimit (afa §2(b))"),
    )


def test_a_bad_certificate_is_refused_before_any_figure() -> None:
    with pytest.raises(ValidationError) as exc:
        borrowing_base(cert(item("x", "inventory", "-1")), TERMS)
    assert [(i.file, i.field, i.reason) for i in exc.value.issues] == [
        ("q3.yaml", "items[0].value", "negative value -1")
    ]


def _revolver() -> dict[str, Any]:
    files, _ = parse_case((CASES / "congress-revolver-004-default-rate.case").read_text())
    raw: dict[str, Any] = read_yaml(files["congress-afa.yaml"], "afa.yaml")[0]["revolvers"][
        "congress-revolver"
    ]
    return raw


def test_optional_terms_left_out() -> None:
    raw = _revolver()
    for name in ("sublimits", "reserves", "eurodollar_margin"):
        del raw[name]
    terms = revolver_terms("congress-revolver", raw, "afa.yaml")
    assert (dict(terms.sublimits), terms.reserves, terms.eurodollar_margin) == ({}, D("0"), None)
    assert terms.cite("sublimits") == "" and terms.cite("reserves") == ""
    # a stated term keeps its clause, "[assumed]" when it is assumed
    assert terms.cite("locations") == "002 §3(a)"
    assert terms.cite("maximum_credit") == "congress-afa §1 [assumed]"
    assert terms.cites["maximum_credit"] == Citation(
        "congress-afa",
        "§1",
        "The Maximum Credit is set in the Accounts Agreement, which we do not have; "
        "$15,000,000 assumed.",
    )


def test_an_invalid_term_names_the_file_and_the_full_path() -> None:
    raw = _revolver()
    raw["maximum_credit"]["value"] = "lots"
    del raw["lender"]
    with pytest.raises(ValidationError) as exc:
        revolver_terms("congress-revolver", raw, "afa.yaml")
    got = {(i.file, i.field) for i in exc.value.issues}
    assert got == {
        ("afa.yaml", "revolvers.congress-revolver.lender"),
        ("afa.yaml", "revolvers.congress-revolver.maximum_credit.value"),
    }


def test_zero_values_and_ages_are_allowed_and_an_unknown_location_cites_the_list() -> None:
    terms = facility(cites=MappingProxyType({"locations": Citation("002", "§3(a)")}))
    ok = Certificate(
        "congress-revolver",
        date(2002, 9, 30),
        (
            item("zero", "accounts", "0", age_days=0),
            item("half", "accounts", "0.50", age_days=1),
        ),
    )
    assert check_certificate(ok, terms) == []
    bb = borrowing_base(ok, terms)
    assert bb.certificate is ok
    # 0.50 x 85% = 0.425 -> 0.43 (half-up)
    assert [r.lendable for r in bb.items] == [D("0"), D("0.43")]
    bad = cert(item("x", "accounts", "1", location="mars"))
    assert [i.reason for i in check_certificate(bad, terms)] == [
        "unknown location 'mars' (known: rochester, north-canton; 002 §3(a))"
    ]


def test_a_clause_with_spaces_keeps_its_document_and_section_apart() -> None:
    terms = revolver_terms("congress-revolver", _revolver())
    assert terms.cites["prime_margin"].document == "congress-afa"
    assert terms.cites["prime_margin"].section == "Interest Rate (letter of 1995-01-31)"
    # an eligibility rule without a note has an empty one
    raw = _revolver()
    del raw["eligibility"]["value"][0]["note"]
    (rule,) = revolver_terms("congress-revolver", raw).eligibility
    assert (rule.rule, rule.days, rule.note) == ("max_age_days", 90, "")


def test_without_a_source_the_refusal_names_the_terms() -> None:
    raw = _revolver()
    del raw["lender"]
    with pytest.raises(ValidationError) as exc:
        revolver_terms("congress-revolver", raw)
    assert [(i.file, i.field) for i in exc.value.issues] == [
        ("terms", "revolvers.congress-revolver.lender")
    ]


def test_an_item_marked_ineligible_keeps_its_advance_rate_for_the_report() -> None:
    bb = borrowing_base(cert(item("ar", "accounts", "100", certified_eligible=False)), TERMS)
    ((r,),) = [bb.items]
    assert (r.eligible, r.advance_rate, r.lendable, r.rule, r.cite) == (
        False,
        D("0.85"),
        D("0"),
        "marked ineligible on the certificate",
        "q3.yaml",
    )
