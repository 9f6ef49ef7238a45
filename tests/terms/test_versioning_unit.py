"""Bitemporal resolution on small term files (no book folder): order of effective date,
record date and document; set, replace and delete at term level and below it; known-on at
its edges; and the history of a term."""

from __future__ import annotations

from datetime import date

import pytest

from loanbook.errors import ValidationError
from loanbook.terms.files import parse_term_file
from loanbook.terms.versioning import assertions_of, history, resolve
from tests.conftest import EXAMPLE

# The CIT note (003) as the base document: dated and recorded 1996-01-17, margin 3% (¶1).
NOTE = (EXAMPLE / "003-cit-promissory-note.yaml").read_text(encoding="utf-8")


def amendment(doc: str, dated: str, recorded: str, changes: str) -> str:
    return (
        f"document: {{id: {doc}, title: A, kind: amendment, date: {dated}, "
        f"recorded: {recorded}}}\nchanges:\n{changes}"
    )


def book(*texts: str):  # type: ignore[no-untyped-def]
    out = []
    for order, text in enumerate(texts):
        out.extend(assertions_of(parse_term_file(text, f"f{order}.yaml"), f"f{order}.yaml", order))
    return out


A1 = amendment(
    "A1",
    "1996-06-01",
    "1996-06-10",
    """\
  - {op: replace, path: loans.cit-note.rate.margin, value: 2%, effective: 1996-03-01, cite: A1 §1}
  - {op: delete, path: loans.cit-note.late_charge, effective: 1996-07-01, cite: A1 §2}
  - {op: set, path: loans.cit-note.fee, value: 5.00, effective: 1996-07-01, cite: A1 §3}
""",
)


def test_a_retroactive_change_is_seen_only_once_recorded() -> None:
    a = book(NOTE, A1)
    loan = lambda as_of, known=None: resolve(a, date(*as_of), known)["loans"]["cit-note"]  # noqa: E731
    assert loan((1996, 2, 29))["rate"]["value"]["margin"] == "3%"
    assert loan((1996, 3, 1), date(1996, 6, 9))["rate"]["value"]["margin"] == "3%"
    assert loan((1996, 3, 1), date(1996, 6, 10))["rate"]["value"]["margin"] == "2%"
    assert loan((1996, 3, 1))["rate"]["value"]["margin"] == "2%"
    assert loan((1996, 3, 1))["rate"]["cite"] == "003 ¶1; as amended by A1 §1"
    assert loan((1996, 3, 1))["rate"]["value"]["index"] == "LIBOR-1M"


def test_delete_and_set_from_their_effective_date() -> None:
    a = book(NOTE, A1)
    june, july = resolve(a, date(1996, 6, 30)), resolve(a, date(1996, 7, 1))
    assert (
        "late_charge" in june["loans"]["cit-note"]
        and "late_charge" not in july["loans"]["cit-note"]
    )
    assert "fee" not in june["loans"]["cit-note"]
    assert july["loans"]["cit-note"]["fee"] == {"value": 5.0, "cite": "A1 §3"}


def test_a_later_record_of_the_same_effective_date_wins_whatever_the_file_order() -> None:
    a2 = amendment(
        "A2",
        "1996-08-01",
        "1996-08-01",
        "  - {op: replace, path: loans.cit-note.rate.margin, value: 3%, effective: 1996-03-01,"
        " cite: A2 §1}\n",
    )
    for texts in ((NOTE, A1, a2), (a2, A1, NOTE)):
        state = resolve(book(*texts), date(1996, 3, 1))
        assert state["loans"]["cit-note"]["rate"]["value"]["margin"] == "3%"
    known_before = resolve(book(NOTE, A1, a2), date(1996, 3, 1), date(1996, 7, 31))
    assert known_before["loans"]["cit-note"]["rate"]["value"]["margin"] == "2%"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            "{op: delete, path: loans.cit-note.nothing, effective: 1996-02-01, cite: X}",
            "no such term",
        ),
        (
            "{op: replace, path: loans.cit-note.nothing, value: 1, effective: 1996-02-01, cite: X}",
            "no such term to replace",
        ),
        (
            "{op: replace, path: loans.cit-note.nothing.margin, value: 1%, effective: 1996-02-01,"
            " cite: X}",
            "no term loans.cit-note.nothing to change",
        ),
    ],
)
def test_a_change_to_nothing_is_an_error_naming_its_file_and_path(change: str, reason: str) -> None:
    bad = amendment("B", "1996-02-01", "1996-02-01", f"  - {change}\n")
    with pytest.raises(ValidationError) as exc:
        resolve(book(NOTE, bad), date(1996, 2, 1))
    (issue,) = exc.value.issues
    assert issue.file == "f1.yaml" and reason in issue.reason


def test_history_lists_every_assertion_of_a_term_in_order() -> None:
    changes = history(book(NOTE, A1), "loans.cit-note.rate")
    assert [(c.op, c.effective, c.recorded, c.document, c.cite) for c in changes] == [
        ("set", date(1996, 1, 17), date(1996, 1, 17), "003", "003 ¶1"),
        ("replace", date(1996, 3, 1), date(1996, 6, 10), "A1", "A1 §1"),
    ]
    assert [c.path for c in history(book(NOTE, A1), "loans.cit-note.fee")] == ["loans.cit-note.fee"]


def _one(change: str, recorded: str = "1996-02-01") -> str:
    return amendment("B", "1996-02-01", recorded, f"  - {change}\n")


@pytest.mark.parametrize(
    ("path", "field", "reason"),
    [
        (
            "loans.cit-note.rate.index.sub",
            "loans.cit-note.rate.index.sub",
            "replace: parent is not a map",
        ),
        (
            "loans.cit-note.rate.index.a.b",
            "loans.cit-note.rate.index.a.b",
            "replace: a is not a map",
        ),
        (
            "loans.cit-note.rate.nothing.x",
            "loans.cit-note.rate.nothing.x",
            "replace: nothing at loans.cit-note.rate.nothing",
        ),
        ("loans.cit-note.nothing", "loans.cit-note.nothing", "replace: no such term to replace"),
    ],
)
def test_errors_name_the_file_the_full_path_and_the_reason(
    path: str, field: str, reason: str
) -> None:
    bad = _one(f"{{op: replace, path: {path}, value: 1, effective: 1996-02-01, cite: X}}")
    with pytest.raises(ValidationError) as exc:
        resolve(book(NOTE, bad), date(1996, 2, 1))
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == ("f1.yaml", field, reason)


def test_delete_of_nothing_names_the_path() -> None:
    bad = _one("{op: delete, path: loans.cit-note.nothing, effective: 1996-02-01, cite: X}")
    with pytest.raises(ValidationError) as exc:
        resolve(book(NOTE, bad), date(1996, 2, 1))
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "f1.yaml",
        "loans.cit-note.nothing",
        "delete: no such term",
    )


def test_a_change_five_levels_deep_changes_only_that_value() -> None:
    deep = _one(
        "{op: replace, path: loans.cit-note.amortization.schedule.count, value: 24,"
        " effective: 1996-02-01, cite: B §1}"
    )
    amort = resolve(book(NOTE, deep), date(1996, 2, 1))["loans"]["cit-note"]["amortization"]
    assert amort["value"]["schedule"]["count"] == 24
    assert amort["value"]["schedule"]["anchor"] == date(1996, 4, 30)
    assert "count" not in amort["value"]  # not set one level up
    assert amort["cite"] == "003 ¶1; as amended by B §1"


def test_within_one_document_the_later_change_wins_and_a_cite_is_added_once() -> None:
    two = amendment(
        "B",
        "1996-02-01",
        "1996-02-01",
        "  - {op: replace, path: loans.cit-note.rate.margin, value: 2%, effective: 1996-02-01,"
        " cite: B §1}\n"
        "  - {op: replace, path: loans.cit-note.rate.margin, value: 4%, effective: 1996-02-01,"
        " cite: B §1}\n",
    )
    rate = resolve(book(NOTE, two), date(1996, 2, 1))["loans"]["cit-note"]["rate"]
    assert rate["value"]["margin"] == "4%"
    assert rate["cite"] == "003 ¶1; as amended by B §1"


def test_a_term_level_change_keeps_its_assumption_or_its_own_citation() -> None:
    assumed = _one(
        "{op: replace, path: loans.cit-note.maturity, value: 2001-03-31, effective: 1996-02-01,"
        " cite: B §2, assumption: read from a letter we do not have}"
    )
    term = resolve(book(NOTE, assumed), date(1996, 2, 1))["loans"]["cit-note"]["maturity"]
    assert term == {
        "value": date(2001, 3, 31),
        "cite": "B §2",
        "assumption": "read from a letter we do not have",
    }
    cited = _one(
        "{op: replace, path: loans.cit-note.maturity, value: {value: 2001-03-31, cite: C §9},"
        " effective: 1996-02-01, cite: B §2}"
    )
    term = resolve(book(NOTE, cited), date(1996, 2, 1))["loans"]["cit-note"]["maturity"]
    assert term == {"value": date(2001, 3, 31), "cite": "C §9"}


def test_stated_terms_keep_their_assumption_and_history_their_values() -> None:
    state = resolve(book(NOTE), date(1996, 2, 1))
    assert state["loans"]["cit-note"]["late_charge"]["assumption"].startswith(
        "The note charges late charges"
    )
    (change,) = history(book(NOTE, A1), "loans.cit-note.fee")
    assert change.value == 5.0
    assertions = book(NOTE, A1)
    late = next(a for a in assertions if a.path == ("loans", "cit-note", "late_charge"))
    assert late.assumption is not None and late.source == "f0.yaml"
