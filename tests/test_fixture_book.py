"""The CIT-only fixture book stays a faithful copy of the example book's CIT files."""

from __future__ import annotations

from tests.conftest import CIT_BOOK, EXAMPLE


def test_cit_fixture_matches_the_example_book() -> None:
    for name in (
        "000-cit-amendment-1.yaml",
        "003-cit-promissory-note.yaml",
        "cit-loan-and-security-agreement.yaml",
        "rates/libor-1m.csv",
        "events/cit-note-payments-1996.csv",
    ):
        assert (CIT_BOOK / name).read_text() == (EXAMPLE / name).read_text(), name
