"""One run of the revolver serves every account and every query on the same day: the
revolver replays the facility day by day from its start, and each run gives every account's
result. Counted by wrapping the real ``run_facility`` (nothing is replaced)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from loanbook import book as book_module
from loanbook import services
from loanbook.engine.events import EventKind
from loanbook.ledger.lines import LineKind
from loanbook.loader import read_book
from loanbook.storage.view import BookView
from tests.conftest import EXAMPLE

LPC, LRG, FACILITY = "congress-revolver-lpc", "congress-revolver-lrg", "congress-revolver"
DAY = date(1996, 3, 31)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    calls: list[date] = []
    real: Callable[..., Any] = book_module.run_facility

    def counted(*args: Any) -> Any:
        calls.append(args[4])  # until
        return real(*args)

    monkeypatch.setattr(book_module, "run_facility", counted)
    return calls


def _applied(st: services.Statement) -> list[D]:
    return [
        ln.amount
        for ln in st.result.lines
        if ln.kind is LineKind.PAYMENT_APPLIED and ln.date == date(1996, 3, 14)
    ]


def test_statements_of_both_accounts_and_availability_share_one_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = read_book(EXAMPLE)
    calls = _counting(monkeypatch)
    lpc = services.statement(book, LPC, DAY)
    lrg = services.statement(book, LRG, DAY)
    report = services.availability(book, FACILITY, DAY)
    assert calls == [DAY]
    # 002 §6(f)-(g) on 1996-03-14: $1,000,000 - $418,118 = $581,882 to LPC's account and
    # $1,500,000 - $1,140,000 = $360,000 to LRG's
    assert (_applied(lpc), _applied(lrg)) == ([D("581882.00")], [D("360000.00")])
    assert report.outstanding == {
        LPC: lpc.position.principal_outstanding,
        LRG: lrg.position.principal_outstanding,
    }
    services.statement(book, LPC, date(1996, 4, 1))  # another day: another run
    assert calls == [DAY, date(1996, 4, 1)]


def test_a_stored_books_accounts_share_one_book(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = read_book(EXAMPLE)
    fixings = tuple(e for e in whole.events if e.kind is EventKind.FIXING)
    others = tuple(e for e in whole.events if e.kind is not EventKind.FIXING)
    view = BookView(whole.documents, whole.market, fixings, others)
    assert view.loan_book(LPC) is view.loan_book(LRG) is view.facility_book(FACILITY)
    calls = _counting(monkeypatch)
    ours = [services.statement(view.loan_book(a), a, DAY).as_json() for a in (LPC, LRG)]
    services.availability(view.facility_book(FACILITY), FACILITY, DAY)
    assert calls == [DAY]
    # the same figures as the whole book's (which runs each query on its own)
    fresh = read_book(EXAMPLE)
    assert ours == [services.statement(fresh, a, DAY).as_json() for a in (LPC, LRG)]
