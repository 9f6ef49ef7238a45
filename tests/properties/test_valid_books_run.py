"""Any book `validate` accepts runs in the engine without an exception (issue 8): random
standalone notes, written as term files, validated, then run to past maturity and scheduled."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loanbook import services
from loanbook.errors import ValidationError
from loanbook.loader import read_book

DAY_COUNTS = ["365/360", "Actual/365", "30/360 (bond basis)", "actual/actual", "30E/360"]


@st.composite
def notes(draw: st.DrawFn) -> tuple[str, str, date]:
    start = draw(st.dates(date(1995, 1, 1), date(2030, 12, 31)))
    months = draw(st.integers(1, 120))
    anchor = start + timedelta(days=draw(st.integers(1, 45)))
    kind = draw(st.sampled_from(["bullet", "level_principal", "level_payment"]))
    count = draw(st.integers(1, months))
    principal = draw(st.decimals("100", "50000000", places=2))
    maturity = draw(
        st.sampled_from([anchor, start + timedelta(days=30 * months), start + timedelta(days=1)])
    )
    floating = draw(st.booleans())
    rate = (
        f"{{index: IDX, margin: {draw(st.decimals('-2', '12', places=3))}%, reset: daily}}"
        if floating
        else f"{{fixed: {draw(st.decimals('0', '30', places=3))}%}}"
    )
    amort = f"{{kind: {kind}}}"
    if kind != "bullet":
        extra = ""
        if kind == "level_payment" and draw(st.booleans()):
            extra = f", installment: {draw(st.decimals('1', '5000000', places=2))}"
        amort = (
            f"{{kind: {kind}{extra}, schedule: {{anchor: {anchor}, cycle: monthly, "
            f"eom: false, count: {count}}}}}"
        )
    text = f"""document: {{id: n, title: A note, kind: note, date: {start}}}
loans:
  x:
    borrower: {{value: b, cite: n 1}}
    lender: {{value: l, cite: n 1}}
    principal: {{value: {principal}, cite: n 1}}
    start: {{value: {start}, cite: n 1}}
    maturity: {{value: {maturity}, cite: n 1}}
    day_count: {{value: {draw(st.sampled_from(DAY_COUNTS))}, cite: n 1}}
    rate: {{value: {rate}, cite: n 1}}
    interest_schedule: {{value: {{anchor: {anchor}, cycle: monthly, eom: false}}, cite: n 1}}
    amortization: {{value: {amort}, cite: n 1}}
    usury_max_rate: {{value: 25%, cite: n 1}}
"""
    figure = draw(
        st.sampled_from(
            [
                "installments_total",
                "installment",
                "installment_count",
                "final_payment",
                "balloon",
                "total_interest",
            ]
        )
    )
    if draw(st.booleans()):  # half the books state a figure (mostly wrong: refused, no crash)
        text += (
            f"checks:\n  - {{loan: x, figure: {figure}, cite: n 2, "
            f"value: {draw(st.decimals('0', '1000000', places=2))}}}\n"
        )
    fixings = f"index,date,rate_percent\nIDX,{start - timedelta(days=3)},5.25\n"
    return text, fixings, maturity


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes())
def test_a_book_validate_accepts_runs(note: tuple[str, str, date]) -> None:
    text, fixings, maturity = note
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "note.yaml").write_text(text, encoding="utf-8")
        (folder / "rates").mkdir()
        (folder / "rates" / "idx.csv").write_text(fixings, encoding="utf-8")
        try:
            book = read_book(folder)
        except ValidationError:
            return  # refused with reasons: nothing to run
        book.run("x", maturity + timedelta(days=40))
        services.schedule(book, "x")
