"""Golden book tests: each case is a book written as text (term files, rate fixings, events)
and the ledger it must produce, as a loan officer reads it (``loanbook.ledger.printer``).

A case file (``cases/*.case``) is a header of ``#`` lines (what the case shows and the
arithmetic behind its figures), then sections:

    === 003-cit-promissory-note.yaml      a file of the book, by its path in the book
    === rates/libor-1m.csv
    === events/payments.csv
    === ledger cit-note to 1996-04-30     the expected ledger of a loan run to a date,
    === ledger cit-note to 1996-04-30 known 1996-02-28   ... as known on a date

To rewrite the expected ledgers after a deliberate change, run with
``LOANBOOK_GOLDEN_UPDATE=1`` and read the difference before committing it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from loanbook.ledger.printer import format_ledger
from loanbook.loader import read_book_text

CASES = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class Expected:
    header: str
    loan: str
    until: date
    known_on: date | None
    text: str


def parse_case(text: str) -> tuple[dict[str, str], list[Expected]]:
    files: dict[str, str] = {}
    expected: list[Expected] = []
    header, body = None, []
    for line in [*text.splitlines(keepends=True), "=== end\n"]:
        if line.startswith("=== "):
            if header is not None:
                content = "".join(body)
                if header.startswith("ledger "):
                    words = header.split()
                    known = date.fromisoformat(words[5]) if len(words) > 5 else None
                    expected.append(
                        Expected(header, words[1], date.fromisoformat(words[3]), known, content)
                    )
                else:
                    files[header] = content
            header, body = line[4:].strip(), []
        elif header is not None:
            body.append(line)
    return files, expected


def render(files: dict[str, str], expected: list[Expected]) -> list[str]:
    book = read_book_text(files)
    return [format_ledger(book.run(e.loan, e.until, e.known_on).lines) for e in expected]


@pytest.mark.parametrize("path", sorted(CASES.glob("*.case")), ids=lambda p: p.stem)
def test_golden_case(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    files, expected = parse_case(text)
    assert expected, f"{path.name}: no '=== ledger' section"
    actual = render(files, expected)
    if os.environ.get("LOANBOOK_GOLDEN_UPDATE"):
        for e, got in zip(expected, actual, strict=True):
            text = text.replace(f"=== {e.header}\n{e.text}", f"=== {e.header}\n{got}", 1)
        path.write_text(text, encoding="utf-8")
        return
    for e, got in zip(expected, actual, strict=True):
        assert got == e.text, f"{path.name}: {e.header}"


def test_the_text_entry_point_reads_the_same_book_as_the_folder() -> None:
    from loanbook.loader import read_book
    from tests.conftest import CIT_BOOK

    files = {
        p.relative_to(CIT_BOOK).as_posix(): p.read_text(encoding="utf-8")
        for p in CIT_BOOK.rglob("*")
        if p.suffix in (".yaml", ".csv")
    }
    from_text, from_folder = read_book_text(files), read_book(CIT_BOOK)
    assert [d.id for d in from_text.documents] == [d.id for d in from_folder.documents]
    assert from_text.events == from_folder.events
    assert from_text.run("cit-note", date(1996, 12, 31)) == from_folder.run(
        "cit-note", date(1996, 12, 31)
    )


def test_text_errors_name_the_file_and_line() -> None:
    from loanbook.errors import ValidationError

    files, _ = parse_case((CASES / "cit-note-late-payment.case").read_text(encoding="utf-8"))
    files["events/remittances.csv"] += "1996-05-11,cit-note,payment,12x,typo,k2\n"
    with pytest.raises(ValidationError) as exc:
        read_book_text(files)
    (issue,) = exc.value.issues
    assert (issue.file, issue.line, issue.field) == ("events/remittances.csv", 3, "amount")
