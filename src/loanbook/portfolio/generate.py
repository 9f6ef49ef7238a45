# mypy: disable-error-code="no-any-return"
"""A synthetic book in the portfolio form: fixed and floating loans, rate paths, payment
histories. Seeded, so the same ``(loans, seed)`` gives the same tables on any machine.

The loans mix what the portfolio engine covers: level principal, level payment and bullet;
every day count, business-day convention and calendar; fixed rates and index + margin with
floors, caps, period caps, resets at Interest Rate Periods or on a cycle, fixing lags; late
charges; custom waterfalls and prepayment orders. The history has payments near each due date
(some late, short, missed or over), prepayments and fees, recorded up to ``history_to``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from loanbook.portfolio import form

INDEXES = ("SOFR-1M", "PRIME")
FIRST_START = date(2020, 1, 1)
HISTORY_TO = date(2026, 6, 30)
_E9 = 1_000_000_000


def _month_start(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[M]")


def _add_months(month: np.ndarray, months: np.ndarray) -> np.ndarray:
    return month + months.astype("timedelta64[M]")


def _month_end(month: np.ndarray) -> np.ndarray:
    return (month + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")


def fixings(seed: int, first: date = date(2018, 1, 1), last: date = date(2036, 12, 31)) -> pa.Table:
    """Monthly SOFR-1M fixings (a random walk, 0.05% to 8%) and Prime changing every one to
    four months; rates in billionths, multiples of 0.00001%."""
    rng = np.random.default_rng(seed + 1)
    names: list[str] = []
    days: list[np.ndarray] = []
    rates: list[np.ndarray] = []
    months = np.arange(
        np.datetime64(first, "M"), np.datetime64(last, "M") + 1, dtype="datetime64[M]"
    )
    steps = rng.normal(0, 0.0015, len(months))
    walk = np.clip(0.025 + np.cumsum(steps), 0.0005, 0.08)
    sofr = (np.round(walk * 1e7) * 100).astype(np.int64)
    names += ["SOFR-1M"] * len(months)
    days.append(months.astype("datetime64[D]"))
    rates.append(sofr)
    picks = np.sort(rng.choice(len(months), size=len(months) // 2, replace=False))
    prime_days = months[picks].astype("datetime64[D]") + rng.integers(0, 27, len(picks))
    prime = sofr[picks] + 3 * _E9 // 100
    names += ["PRIME"] * len(picks)
    days.append(prime_days.astype("datetime64[D]"))
    rates.append(prime)
    return pa.table(
        {
            "index": pa.array(names, pa.string()),
            "date": pa.array(np.concatenate(days)),
            "rate_e9": pa.array(np.concatenate(rates), pa.int64()),
        },
        schema=form.FIXING_SCHEMA,
    )


def loans_and_events(
    n: int, seed: int, history_to: date = HISTORY_TO, first_number: int = 0
) -> tuple[pa.Table, pa.Table]:
    """``n`` loans and their recorded events."""
    rng = np.random.default_rng(seed)
    span = (date(2025, 12, 31) - FIRST_START).days
    start = np.datetime64(FIRST_START) + rng.integers(0, span, n).astype("timedelta64[D]")
    amort = rng.choice(["level_principal", "level_payment", "bullet"], size=n, p=[0.5, 0.35, 0.15])
    months = rng.choice([1, 1, 1, 3], size=n)
    count = np.maximum(rng.integers(12, 61, n) // months, 2)
    eom = rng.random(n) < 0.2
    day = rng.integers(1, 29, n)
    first_month = _add_months(_month_start(start), months)
    anchor = np.where(
        eom,
        _month_end(first_month),
        first_month.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]"),
    )
    last_month = _add_months(first_month, months * (count - 1))
    maturity = np.where(
        eom,
        _month_end(last_month),
        last_month.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]"),
    )
    principal = rng.integers(1_000_000, 500_000_000, n)  # $10,000.00 to $5,000,000.00
    floating = rng.random(n) < 0.5
    index = np.where(floating, rng.choice(list(INDEXES), size=n), "")
    fixed = (rng.integers(16, 97, n) * 125 * _E9 // 100_000).astype(np.int64)  # 2% to 12%
    margin = np.where(floating, rng.integers(2, 21, n) * 25 * _E9 // 10_000, 0)
    has_floor = floating & (rng.random(n) < 0.4)
    floor = np.where(has_floor, rng.integers(0, 5, n) * _E9 // 100, 0)
    has_cap = floating & (rng.random(n) < 0.3)
    cap = np.where(has_cap, rng.integers(8, 15, n) * _E9 // 100, 0)
    has_pcap = floating & (rng.random(n) < 0.15)
    pcap = np.where(has_pcap, rng.integers(1, 5, n) * 25 * _E9 // 10_000, 0)
    reset = np.where(floating, rng.choice(["period_start", "cycle"], size=n, p=[0.7, 0.3]), "fixed")
    rule = np.where(
        reset == "period_start", rng.choice(["month_end", "loan_date_monthly"], size=n), ""
    )
    reset_months = np.where(reset == "cycle", rng.choice([1, 3], size=n), 0)
    lag = np.where(floating, rng.choice([0, 0, 2, 5], size=n), 0)
    late = rng.random(n) < 0.6
    late_rate = np.where(late, rng.choice([12, 18, 24], size=n) * _E9 // 100, 0)
    day_counts = [dc.value for dc in form.DAY_COUNTS]
    conventions = [c.value for c in form.CONVENTIONS]
    wf_after = rng.choice(
        ["late_charge,interest,principal", "interest,principal,late_charge"], size=n, p=[0.8, 0.2]
    )
    prepay = rng.choice(["inverse", "direct"], size=n, p=[0.8, 0.2])
    has_usury = rng.random(n) < 0.1
    usury = rng.integers(5, 12, n) * _E9 // 100  # often below the rate: interest credited
    installment = np.zeros(n, dtype=np.int64)
    given = (amort == "level_principal") & (rng.random(n) < 0.3)
    installment[given] = (principal[given] // count[given] // 100 * 100).astype(np.int64)
    ids = [f"L{first_number + i:07d}" for i in range(n)]
    loans = pa.table(
        {
            "loan": pa.array(ids, pa.string()),
            "principal_cents": pa.array(principal, pa.int64()),
            "start": pa.array(start),
            "maturity": pa.array(maturity),
            "day_count": pa.array(rng.choice(day_counts, size=n)),
            "amortization": pa.array(amort),
            "installment_cents": pa.array(installment, pa.int64()),
            "schedule_anchor": pa.array(anchor),
            "schedule_months": pa.array(months.astype(np.int32)),
            "schedule_count": pa.array(count.astype(np.int32)),
            "schedule_eom": pa.array(eom),
            "interest_anchor": pa.array(anchor),
            "interest_months": pa.array(months.astype(np.int32)),
            "interest_eom": pa.array(eom),
            "convention": pa.array(rng.choice(conventions, size=n, p=[0.4, 0.2, 0.2, 0.1, 0.1])),
            "calendar": pa.array(rng.choice(list(form.CALENDARS), size=n, p=[0.2, 0.3, 0.3, 0.2])),
            "rate_index": pa.array(index),
            "fixed_rate_e9": pa.array(np.where(floating, 0, fixed), pa.int64()),
            "margin_e9": pa.array(margin, pa.int64()),
            "floor_e9": pa.array(floor, pa.int64(), mask=~has_floor),
            "cap_e9": pa.array(cap, pa.int64(), mask=~has_cap),
            "period_cap_e9": pa.array(pcap, pa.int64(), mask=~has_pcap),
            "period_floor_e9": pa.array(pcap, pa.int64(), mask=~has_pcap),
            "reset": pa.array(reset),
            "period_rule": pa.array(rule),
            "reset_months": pa.array(reset_months.astype(np.int32)),
            "reset_anchor": pa.array(np.zeros(n, "datetime64[D]"), mask=np.ones(n, bool)),
            "fixing_lag_days": pa.array(lag.astype(np.int32)),
            "initial_rate_e9": pa.array(np.zeros(n, np.int64), mask=np.ones(n, bool)),
            "recalculate_on_reset": pa.array(floating & (amort == "level_payment")),
            "late_charge_e9": pa.array(late_rate, pa.int64(), mask=~late),
            "late_charge_day_count": pa.array(np.full(n, "actual/360")),
            "waterfall_before": pa.array(np.full(n, "interest,principal")),
            "waterfall_after": pa.array(wf_after),
            "prepayment_order": pa.array(prepay),
            "usury_max_e9": pa.array(usury, pa.int64(), mask=~has_usury),
        },
        schema=form.LOAN_SCHEMA,
    )
    events = _history(rng, loans, principal, count, months, anchor, floating, fixed, history_to)
    return loans, events


def _history(
    rng: np.random.Generator,
    loans: pa.Table,
    principal: np.ndarray,
    count: np.ndarray,
    months: np.ndarray,
    anchor: np.ndarray,
    floating: np.ndarray,
    fixed: np.ndarray,
    history_to: date,
) -> pa.Table:
    """Payments near each due date up to ``history_to``: the installment plus an estimate of
    the interest, 8% of them late, 5% short, 4% missed, 5% over; a prepayment on 6% of loans;
    a fee on 3%."""
    n = len(principal)
    rate = np.where(floating, 0.065, fixed / _E9)
    amort = np.asarray(loans.column("amortization").to_numpy(zero_copy_only=False))
    k = np.repeat(np.arange(n), count)
    j = np.arange(len(k)) - np.repeat(np.cumsum(count) - count, count)
    month = _add_months(_month_start(anchor[k]), months[k] * j)
    due = np.minimum(
        month.astype("datetime64[D]")
        + (anchor[k] - _month_start(anchor[k]).astype("datetime64[D]")),
        _month_end(month),
    )
    left = principal[k] * (1 - j / count[k])
    per = months[k] / 12 * rate[k]
    interest = left * per
    part = np.where(amort[k] == "level_principal", principal[k] / count[k], 0.0)
    level = amort[k] == "level_payment"
    annuity = principal[k] * per / (1 - (1 + per) ** (-count[k].astype(float)))
    amount = np.where(level, annuity, part + interest)
    amount = np.where((amort[k] == "bullet") & (j == count[k] - 1), amount + principal[k], amount)
    u = rng.random(len(k))
    amount = np.where(u < 0.05, amount * 0.6, amount)
    amount = np.where((u >= 0.05) & (u < 0.10), amount * 1.1, amount)
    keep = u >= 0.14
    delay = np.where(
        rng.random(len(k)) < 0.08, rng.integers(5, 40, len(k)), rng.integers(0, 3, len(k))
    )
    when = due + delay.astype("timedelta64[D]")
    keep &= when <= np.datetime64(history_to)
    cents = np.round(amount).astype(np.int64)
    keep &= cents > 0
    loan_ids = np.asarray(loans.column("loan").to_numpy(zero_copy_only=False))
    ev_loan = [loan_ids[k[keep]]]
    ev_date = [when[keep]]
    ev_kind = [np.full(int(keep.sum()), "payment")]
    ev_amount = [cents[keep]]
    pre = np.flatnonzero(rng.random(n) < 0.06)
    if len(pre):
        offset = rng.integers(30, 400, len(pre)).astype("timedelta64[D]")
        ev_loan.append(loan_ids[pre])
        ev_date.append(anchor[pre] + offset)
        ev_kind.append(np.full(len(pre), "prepayment"))
        ev_amount.append((principal[pre] * rng.uniform(0.02, 0.3, len(pre))).astype(np.int64))
    fee = np.flatnonzero(rng.random(n) < 0.03)
    if len(fee):
        ev_loan.append(loan_ids[fee])
        ev_date.append(anchor[fee] + rng.integers(0, 200, len(fee)).astype("timedelta64[D]"))
        ev_kind.append(np.full(len(fee), "fee"))
        ev_amount.append(rng.integers(5_000, 100_000, len(fee)))
    loan_col = np.concatenate(ev_loan)
    date_col = np.concatenate(ev_date)
    order = np.lexsort((date_col, loan_col))
    return pa.table(
        {
            "loan": pa.array(loan_col[order], pa.string()),
            "date": pa.array(date_col[order]),
            "kind": pa.array(np.concatenate(ev_kind)[order], pa.string()),
            "amount_cents": pa.array(np.concatenate(ev_amount)[order], pa.int64()),
        },
        schema=form.EVENT_SCHEMA,
    )
