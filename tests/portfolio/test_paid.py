"""The paid-as-due pass (``portfolio.paid``) gives exactly the general kernel's flows and
positions (``loop.run_many``) and the exact engine's cents, on random books."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.portfolio import engine as E
from loanbook.portfolio import form, generate
from loanbook.portfolio import kernel as K
from loanbook.portfolio import paid as P
from loanbook.portfolio.exactness import compare


def _no_events() -> pa.Table:
    return form.table_of([], form.EVENT_SCHEMA)


def _columns(table: pa.Table) -> list[list[int]]:
    return [
        table.column("loan_no").to_pylist(),
        table.column("date").cast(pa.int32()).to_pylist(),
        table.column("kind").combine_chunks().indices.to_pylist(),
        table.column("component").combine_chunks().indices.to_pylist(),
        table.column("amount_cents").to_pylist(),
    ]


def _both(
    loans: pa.Table, events: pa.Table, fixings: pa.Table, until: date | None
) -> tuple[list[list[int]], list[list[int]], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The flows, positions and statuses of a run with ``assume_paid`` (the paid pass for
    the loans without events) and of the general kernel alone over every loan."""
    market = E.Market.of(fixings)
    prepared = E.Prepared.of(loans, events, market.names)
    n = loans.num_rows
    untils = (
        E.lifetime_ends(prepared.matrix)
        if until is None
        else np.full(n, form.day_number(until), np.int64)
    )
    cals = E.calendars(*E._span(prepared.matrix, int(untils.min()), int(untils.max())))
    pos, status = np.zeros((n, K.NP_), np.int64), np.zeros(n, np.int64)
    pieces = [
        p for ps in E._flow_chunks(prepared, market, cals, untils, True, pos, status) for p in ps
    ]
    mine = _columns(E._flows(pieces, {}))
    g_pos, g_status = np.zeros((n, K.NP_), np.int64), np.zeros(n, np.int64)
    general = E._general_flows(prepared, market, cals, untils, True, 0, n, None, g_pos, g_status)
    theirs = _columns(E._flows([general], {}))
    return mine, theirs, pos, g_pos, status, g_status


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**31),
    loans=st.integers(min_value=1, max_value=12),
    until=st.one_of(st.none(), st.integers(min_value=0, max_value=6000)),
    history=st.one_of(st.none(), st.integers(min_value=0, max_value=2400)),
)
def test_the_paid_pass_gives_the_general_kernels_flows(
    seed: int, loans: int, until: int | None, history: int | None
) -> None:
    table, events = generate.loans_and_events(
        loans, seed, history_to=date(2020, 1, 1) + timedelta(days=history or 0)
    )
    if history is None:
        events = _no_events()
    to = None if until is None else date(2020, 1, 1) + timedelta(days=until)
    mine, theirs, pos, g_pos, status, g_status = _both(table, events, generate.fixings(seed), to)
    assert mine == theirs
    assert status.tolist() == g_status.tolist()
    ok = status == K.OK
    assert pos[ok].tolist() == g_pos[ok].tolist()


def test_several_ranges_with_loans_run_by_the_general_kernel_between() -> None:
    """More loans than one range of the paid pass, some with events (the general kernel's
    flows take their place in loan order, cutting a range), some handed over."""
    n = 2 * P.RANGE + 300
    table, events = generate.loans_and_events(n, 5, history_to=date(2020, 6, 1))
    mine, theirs, pos, g_pos, status, g_status = _both(table, events, generate.fixings(5), None)
    with_events = len(set(events.column("loan").to_pylist()))
    assert 0 < with_events < n
    assert mine == theirs
    assert status.tolist() == g_status.tolist()
    assert pos.tolist() == g_pos.tolist()


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31), loans=st.integers(1, 6))
def test_lifetime_flows_give_the_exact_engines_cents(seed: int, loans: int) -> None:
    table, _ = generate.loans_and_events(loans, seed)
    fixings = generate.fixings(seed)
    result = compare(table, _no_events(), fixings, None, assume_paid=True)
    assert result.loans == loans
    assert result.differences == ()
    lifetime = E.lifetime_prepared(table, fixings)
    streamed = [r for t in E.lifetime_flows(lifetime) for r in zip(*_columns(t), strict=True)]
    whole = E.run_portfolio(table, _no_events(), fixings, None, flows=True, assume_paid=True)
    assert whole.flows is not None
    kernel = set(np.flatnonzero(lifetime.status == K.OK).tolist())
    assert streamed == [r for r in zip(*_columns(whole.flows), strict=True) if r[0] in kernel]


def test_flow_columns_are_reused_only_once_nothing_refers_to_them() -> None:
    pool = E._Pool()
    first = pool.take(100)
    for col in first:
        col[:] = 1
    table = pa.Table.from_batches([E._flow_batch([c[10:20] for c in first])], E._FLOW_SCHEMA)
    del first, col
    amounts = table.column("amount_cents").to_numpy()
    del table
    second = pool.take(100)
    second[4][:] = 7
    assert amounts.tolist() == [1] * 10  # still held through the NumPy view: not reused
    assert pool.sets[1] is second
    del amounts
    assert pool.take(50) is pool.sets[0]  # free again: reused
    assert len(pool.sets) == 2


def test_a_loan_handed_over_before_plain_loans_and_one_with_events() -> None:
    """Loan 0 goes to the exact engine (beyond 64-bit range: no kernel flows), loans 1 and 2
    take the paid pass, loan 3 has events: its general flows go after loans 1 and 2."""
    table, events = generate.loans_and_events(4, 3, history_to=date(2030, 1, 1))
    principal = table.column("principal_cents").to_pylist()
    principal[0] = 20_000_000_000  # $200M: beyond MAX_BALANCE
    table = table.set_column(
        table.schema.get_field_index("principal_cents"),
        "principal_cents",
        pa.array(principal, pa.int64()),
    )
    last = table.column("loan")[3]
    events = events.filter(pc.equal(events.column("loan"), last))
    assert events.num_rows > 0
    mine, theirs, pos, g_pos, status, g_status = _both(table, events, generate.fixings(3), None)
    assert status.tolist() == g_status.tolist()
    assert status[0] == K.OUT_OF_RANGE and (status[1:] == K.OK).all()
    assert pos[1:].tolist() == g_pos[1:].tolist()
    assert sorted(set(mine[0])) == [1, 2, 3]
    assert mine == theirs


def _reschedule(table: pa.Table, every: int) -> pa.Table:
    """``table`` with the interest schedule no longer the principal schedule on every loan
    but each ``every``-th: monthly interest where principal is quarterly, an interest anchor a
    week earlier, and a maturity five days after the last installment (a short last period)."""
    n = table.num_rows
    k = np.arange(n) % every
    months = table.column("schedule_months").to_numpy()
    anchor = table.column("interest_anchor").to_numpy()
    maturity = table.column("maturity").to_numpy()
    week, five = np.timedelta64(7, "D"), np.timedelta64(5, "D")
    changes = {
        "interest_months": pa.array(np.where((k == 1) & (months == 3), 1, months), pa.int32()),
        "interest_anchor": pa.array(np.where(k == 2, anchor - week, anchor)),
        "maturity": pa.array(np.where(k == 3, maturity + five, maturity)),
    }
    for name, values in changes.items():
        table = table.set_column(table.schema.get_field_index(name), name, values)
    return table


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31))
def test_interest_schedules_apart_from_the_principal_schedule(seed: int) -> None:
    """The paid pass takes the interest dates from the installments' only where the two
    schedules are one and end at the maturity: the loans where they are not (other cycle,
    other anchor, a maturity after the last installment) give the general kernel's flows and
    the exact engine's cents."""
    table = _reschedule(generate.loans_and_events(40, seed)[0], 5)
    fixings = generate.fixings(seed)
    mine, theirs, pos, g_pos, status, g_status = _both(table, _no_events(), fixings, None)
    assert mine == theirs
    assert status.tolist() == g_status.tolist()
    assert pos.tolist() == g_pos.tolist()
    result = compare(table, _no_events(), fixings, None, assume_paid=True)
    assert result.loans == 40
    assert result.differences == ()
