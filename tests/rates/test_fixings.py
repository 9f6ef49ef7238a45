"""Rate fixings: the CSV reader (every bad row named by file, line and field, all at once),
"the fixing in force on a date", changes between two dates, and merging late fixings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from loanbook.errors import MissingFixingError, ValidationError
from loanbook.rates import Fixing, Market
from loanbook.rates.fixings import parse_fixings_csv

GOOD = """index,date,rate_percent
LIBOR-1M,1996-01-02,5.62891

PRIME, 1996-02-01 , 8.25
LIBOR-1M,1996-01-31,5.4375
"""


def test_rows_become_fractions_with_their_file_and_line() -> None:
    assert parse_fixings_csv(GOOD, "rates/x.csv") == (
        Fixing("LIBOR-1M", date(1996, 1, 2), D("0.0562891"), "rates/x.csv:2"),
        Fixing("PRIME", date(1996, 2, 1), D("0.0825"), "rates/x.csv:4"),
        Fixing("LIBOR-1M", date(1996, 1, 31), D("0.054375"), "rates/x.csv:5"),
    )


def test_every_bad_row_is_reported_at_once() -> None:
    text = (
        "index,date,rate_percent\n"
        "LIBOR-1M,1996-01-02,5.6\n"
        "LIBOR-1M,1996-01-02\n"  # 3: two columns
        "LIBOR-1M,02/01/1996,5.6\n"  # 4: not ISO
        "LIBOR-1M,1996-02-01,five\n"  # 5: not a number
        ",1996-02-01,5.6\n"  # 6: no index
        "LIBOR-1M,1996-01-02,5.7\n"  # 7: duplicate of line 2
        "LIBOR-1M,1996-03-01,5.5\n"  # fine
    )
    with pytest.raises(ValidationError) as exc:
        parse_fixings_csv(text, "r.csv")
    assert [(i.file, i.line, i.field, i.reason) for i in exc.value.issues] == [
        ("r.csv", 3, "row", "expected 3 columns, got 2"),
        ("r.csv", 4, "date", "'02/01/1996' is not a YYYY-MM-DD date"),
        (
            "r.csv",
            5,
            "rate_percent",
            "'five' is not a decimal rate (ASCII digits and at most one decimal point,"
            " e.g. 1234.56; no separators, spaces, signs or exponents)",
        ),
        ("r.csv", 6, "index", "empty index name"),
        ("r.csv", 7, "date", "duplicate fixing for LIBOR-1M on 1996-01-02"),
    ]


@pytest.mark.parametrize("text", ["", "date,index,rate_percent\n", "index,date\n"])
def test_a_wrong_header_is_refused_on_line_1(text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_fixings_csv(text, "r.csv")
    assert [(i.file, i.line, i.field, i.reason) for i in exc.value.issues] == [
        ("r.csv", 1, "header", "expected index,date,rate_percent")
    ]


def test_the_fixing_in_force_and_the_changes_between_two_dates() -> None:
    market = Market.of(parse_fixings_csv(GOOD, "x.csv"))
    libor = market.index("LIBOR-1M")
    assert libor.in_force(date(1996, 1, 2)).rate == D("0.0562891")  # on its date
    assert libor.in_force(date(1996, 1, 30)).rate == D("0.0562891")
    assert libor.in_force(date(1996, 1, 31)).rate == D("0.054375")
    assert libor.in_force(date(2001, 1, 1)).rate == D("0.054375")  # until the next one
    assert libor.changes_between(date(1996, 1, 1), date(1996, 2, 1)) == (
        date(1996, 1, 2),
        date(1996, 1, 31),
    )
    assert libor.changes_between(date(1996, 1, 2), date(1996, 1, 31)) == ()  # open interval
    with pytest.raises(MissingFixingError) as exc:
        libor.in_force(date(1996, 1, 1))
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "rates",
        "LIBOR-1M",
        "no fixing in force on 1996-01-01 (first fixing: 1996-01-02)",
    )


def test_an_unknown_index_lists_the_known_ones() -> None:
    with pytest.raises(MissingFixingError) as exc:
        Market.of(parse_fixings_csv(GOOD, "x.csv")).index("SOFR")
    assert exc.value.issues[0].reason == "unknown index 'SOFR' (known: LIBOR-1M, PRIME)"
    with pytest.raises(MissingFixingError, match=r"\(known: none loaded\)"):
        Market().index("SOFR")


def test_a_late_fixing_replaces_the_one_of_the_same_date() -> None:
    market = Market.of(parse_fixings_csv(GOOD, "x.csv"))
    late = Fixing("LIBOR-1M", date(1996, 1, 31), D("0.064375"), "event")
    merged = market.merged([late, Fixing("SOFR", date(2018, 4, 3), D("0.018"))])
    assert merged.index("LIBOR-1M").in_force(date(1996, 2, 5)) == late
    assert merged.index("LIBOR-1M").in_force(date(1996, 1, 5)).rate == D("0.0562891")
    assert sorted(merged.indexes) == ["LIBOR-1M", "PRIME", "SOFR"]
    assert market.index("LIBOR-1M").in_force(date(1996, 2, 5)).rate == D("0.054375")  # unchanged
