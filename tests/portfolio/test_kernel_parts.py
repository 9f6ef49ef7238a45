"""The kernel's shortcuts equal what they replace: the civil-date table and the arithmetic,
the loan matrix gathered from field arrays (in threads, in parallel blocks) and the matrix
filled one loan at a time from its row, the level payment's search from a hint and from the
first installment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.portfolio import engine as E
from loanbook.portfolio import form, generate
from loanbook.portfolio import kernel as K
from loanbook.portfolio.loop import level_payment, year_fractions


def test_the_civil_date_table_gives_the_arithmetics_dates_and_python_s() -> None:
    first = K._CIVIL_FIRST
    last = first + K._CIVIL.shape[0] - 1
    # the table's whole range and beyond both ends (computed there)
    for z in range(first - 800, last + 800):
        assert K.civil_from_days(z) == K._civil_arith(z)
    for z in (first - 1, first, last, last + 1, 0, -1, 30_000):
        d = form.EPOCH + timedelta(days=z)
        assert K.civil_from_days(z) == (d.year, d.month, d.day)
    assert K.civil_from_days(first) == (1900, 1, 1)
    assert K.civil_from_days(last) == (2199, 12, 31)


def _by_rows(loans: pa.Table, names: tuple[str, ...]) -> np.ndarray:
    """The matrix one loan at a time, each from a one-row table (no threads, no blocks)."""
    rows = [form.loan_matrix(loans.slice(i, 1), names) for i in range(loans.num_rows)]
    return np.concatenate(rows) if rows else np.zeros((0, K.NF), np.int64)


def test_the_gathered_matrix_is_the_row_by_row_one() -> None:
    names = E.Market.of(generate.fixings(1)).names
    loans, _ = generate.loans_and_events(300, 5)
    m = form.loan_matrix(loans, names)
    assert m.dtype == np.int64 and m.flags.c_contiguous and m.shape == (300, K.NF)
    assert np.array_equal(m, _by_rows(loans, names))
    assert np.array_equal(m, np.stack(form.loan_columns(loans, names)).T)
    assert form.loan_matrix(loans.slice(0, 0), names).shape == (0, K.NF)


def test_the_matrix_made_in_threads_is_the_one_made_in_one() -> None:
    names = E.Market.of(generate.fixings(1)).names
    loans, _ = generate.loans_and_events(70_000, 9)  # above the size made in threads
    threaded = form.loan_matrix(loans, names)
    one = np.concatenate(
        [form.loan_matrix(loans.slice(lo, 7_000), names) for lo in range(0, 70_000, 7_000)]
    )
    assert np.array_equal(threaded, one)
    assert np.array_equal(threaded[1234], _by_rows(loans.slice(1234, 1), names)[0])


@settings(max_examples=20, deadline=None)
@given(n=st.integers(0, 5_000), fields=st.integers(1, 45), seed=st.integers(0, 2**31))
def test_gather_rows_is_a_transpose(n: int, fields: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cols = rng.integers(-(2**62), 2**62, (fields, max(n, 1)))[:, :n]
    arrays = tuple(np.ascontiguousarray(c) for c in cols)
    out = np.full((n, fields), -1, np.int64)
    if n:
        K.gather_rows(arrays, 0, n, out)
    assert np.array_equal(out, cols.T)
    lo, hi = sorted(int(v) for v in rng.integers(0, n + 1, 2))
    part = np.full((n + 3, fields), -7, np.int64)
    if hi > lo:
        K.gather_rows(arrays, lo, hi, part)
    assert np.array_equal(part[: hi - lo], cols.T[lo:hi])
    assert (part[hi - lo :] == -7).all()  # nothing written past the block


def test_loan_fields_read_as_the_matrix_does() -> None:
    names = E.Market.of(generate.fixings(1)).names
    loans, _ = generate.loans_and_events(2_500, 3)
    m = form.loan_matrix(loans, names)
    fields = form.LoanFields.of(loans, names)
    assert fields.shape == m.shape
    assert np.array_equal(fields[:, K.F_MATURITY], m[:, K.F_MATURITY])
    assert np.array_equal(fields[100:1_700], m[100:1_700])
    assert np.array_equal(fields[2_400:9_999], m[2_400:])
    which = np.array([5, 3, 2_499, 0, 5])
    assert np.array_equal(fields[which], m[which])
    room = np.full((1_024, K.NF), -1, np.int64)
    for lo in range(0, 2_500, 1_024):  # one buffer, block after block (as lifetime flows)
        hi = min(lo + 1_024, 2_500)
        block = fields.rows(lo, hi, room)
        assert block.base is room or block is room
        assert np.array_equal(block, m[lo:hi])
    assert fields.rows(7, 7).shape == (0, K.NF)


def _installments(
    seed: int, count: int, dc: int
) -> tuple[np.random.Generator, int, np.ndarray, np.ndarray, np.ndarray]:
    """Random installment dates after a start, a row with day count ``dc`` and the dates'
    year fractions (``yf``), and the generator for the rest of a test's draws."""
    rng = np.random.default_rng(seed)
    start = form.day_number(date(2020, 1, 1)) + int(rng.integers(0, 3000))
    inst = start + np.cumsum(rng.integers(1, 95, count)).astype(np.int64)
    row = np.zeros(K.NF, np.int64)
    row[K.F_DC] = dc
    yf = np.empty(count, np.float64)
    year_fractions(row, inst, count, yf)
    return rng, start, inst, row, yf


#: a loan's level payment inputs: day count, rate and balance (the installments from a seed)
_PAYMENT_INPUTS = {
    "seed": st.integers(0, 2**31),
    "dc": st.sampled_from(sorted(form.DAY_COUNTS.values())),
    "rate": st.integers(0, K.MAX_RATE),
    "balance": st.integers(0, K.MAX_BALANCE),
}


@settings(max_examples=60, deadline=None)
@given(count=st.integers(1, 80), **_PAYMENT_INPUTS)
def test_the_level_payment_from_a_hint_is_the_one_from_the_first_installment(
    seed: int, count: int, dc: int, rate: int, balance: int
) -> None:
    """Every hint at or before the first installment still to come gives the same payment
    (and the same near-tie refusal) as the search over every installment."""
    rng, start, inst, row, yf = _installments(seed, count, dc)
    q, n = int(rng.integers(0, 10**7)), int(rng.integers(0, K.DEN))
    for _ in range(6):
        day = int(rng.integers(start, int(inst[-1]) + 40))
        done_at = int(rng.integers(-1, count))
        done = K.NONE if done_at < 0 else int(min(inst[done_at], day))
        low = day if done == K.NONE else max(day, done + 1)
        first = int(np.searchsorted(inst, low))
        accrued_to = K.NONE if rng.random() < 0.3 else int(rng.integers(start, day + 1))
        full = level_payment(row, day, inst, yf, count, done, balance, rate, q, n, accrued_to)
        for lo in {0, first, int(rng.integers(0, first + 1))}:
            hinted = level_payment(
                row, day, inst, yf, count, done, balance, rate, q, n, accrued_to, lo
            )
            assert hinted == full


def _exact_level_payment(
    dc: int, inst: np.ndarray, first: int, balance: int, rate: int, q: int, n: int, since: int
) -> int:
    """``contract._payment_recalc`` in Fractions over the kernel's inputs: half-up cents."""

    def yf(s: int, e: int) -> Fraction:
        fq, fn = K.accrue_span(0, 0, K.RATE_SCALE, dc, s, e)
        return fq + Fraction(fn, K.DEN)

    r = Fraction(rate, K.RATE_SCALE)
    accrued = q + Fraction(n, K.DEN) + balance * r * yf(since, int(inst[first]))
    running, total = Fraction(1), Fraction(0)
    for i in range(len(inst) - 1, first, -1):
        running *= 1 + r * yf(int(inst[i - 1]), int(inst[i]))
        total += running
    x = (balance + accrued) * running / (1 + total)
    return int(x + Fraction(1, 2)) if x >= 0 else -int(-x + Fraction(1, 2))


@settings(max_examples=150, deadline=None)
@given(count=st.integers(1, 120), **_PAYMENT_INPUTS)
def test_the_level_payment_in_floating_point_is_the_exact_one_or_refused(
    seed: int, count: int, dc: int, rate: int, balance: int
) -> None:
    """The annuity in floating point (two installments a step) rounds to the cents of the
    same formula in Fractions, or is refused as within its error bound of a half cent: the
    bound is what keeps the kernel's level payments the exact engine's."""
    rng, start, inst, row, yf = _installments(seed, count, dc)
    q, n = int(rng.integers(0, 10**7)), int(rng.integers(0, K.DEN))
    for _ in range(8):
        first = int(rng.integers(0, count))
        day = int(inst[first - 1]) + 1 if first else start
        since = int(rng.integers(start, day + 1))
        payment, fine = level_payment(row, day, inst, yf, count, K.NONE, balance, rate, q, n, since)
        if fine:
            assert payment == _exact_level_payment(dc, inst, first, balance, rate, q, n, since)


def test_lifetime_flows_by_chunks_of_gathered_rows_are_the_whole_matrix_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many chunks (each gathered into the same buffer, computed ahead of the consumer) give
    the flows, positions and statuses of the run over the whole matrix."""
    monkeypatch.setattr(E, "FLOW_CHUNK", 97)
    fixings = generate.fixings(2)
    loans, _ = generate.loans_and_events(1_000, 21)
    lifetime = E.lifetime_prepared(loans, fixings)
    assert isinstance(lifetime.prepared.matrix, form.LoanFields)
    mine = pa.concat_tables(list(E.lifetime_flows(lifetime)))
    market = E.Market.of(fixings)
    prepared = E.Prepared.of(loans, form.table_of([], form.EVENT_SCHEMA), market.names)
    n = loans.num_rows
    pos, status = np.zeros((n, K.NP_), np.int64), np.zeros(n, np.int64)
    chunks = E._flow_chunks(prepared, market, lifetime.cals, lifetime.untils, True, pos, status)
    theirs = E._flows([p for ps in chunks for p in ps], {})
    assert mine.num_rows == theirs.num_rows > 20_000
    for name in ("loan_no", "date", "kind", "component", "amount_cents"):
        assert mine.column(name).to_pylist() == theirs.column(name).to_pylist()
    assert np.array_equal(lifetime.pos, pos) and np.array_equal(lifetime.status, status)


def test_items_made_ahead_stop_with_the_consumer_and_raise_its_errors() -> None:
    made: list[int] = []

    def items() -> Iterator[int]:
        for i in range(1_000):
            made.append(i)
            yield i

    ahead = E._ahead(items())
    assert [next(ahead) for _ in range(3)] == [0, 1, 2]
    ahead.close()  # the consumer stops: the worker stops soon after
    assert len(made) <= 6

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("no fixing")

    got: list[int] = []
    with pytest.raises(ValueError, match="no fixing"):
        for i in E._ahead(failing()):
            got.append(i)
    assert got == [1]


@pytest.mark.parametrize(("given", "kept"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_the_openmp_workers_sleep_unless_the_user_says_otherwise(
    given: str | None, kept: str
) -> None:
    """Importing the portfolio engine asks OpenMP for passive waiting (spinning workers took a
    fifth of lifetime flows' CPU), before any kernel loads libgomp; a policy the user set is
    kept."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    code = "import os, loanbook.portfolio.engine; print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == kept
