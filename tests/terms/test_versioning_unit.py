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
