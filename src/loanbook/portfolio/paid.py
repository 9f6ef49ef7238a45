# mypy: disable-error-code="no-any-return"
"""The kernel's run of a loan with no events when every amount is paid as it falls due
(``assume_paid``): its lifetime cash flows, written straight into contiguous columns.

With no events and everything paid on its date, ``loop.run_one`` never holds an amount due
past its step: the waterfall pays each due in full, no late charge accrues, the balance is the
principal not yet due. What is left is its merge of the step streams (advance, installments,
interest, resets, level payment computed again), the same exact accrual (``Q + N / DEN``,
half-up of the cumulative total) and the same statuses, so this pass is ``run_one`` with the
dues machinery taken out, and its flows are ``run_one``'s (tests/portfolio/test_paid.py).
The usury excess is not tracked: it only lowers the interest due, which is paid, and never
exceeds the interest (a smaller rate over the same spans), while the flow is the interest.
Anything ``run_one`` would not settle itself (a status other than ``OK``) is not decided
here: the loan is marked ``FALLBACK`` and run by ``loop.run_many``.

Loans run in ``RANGE``-loan ranges, one per thread at a time; each range writes its loans'
flows one after the other from the range's first slot, so a range's flows are contiguous
(ranges are separated by the slack of the capacity bound, never copied to close it).
"""

from __future__ import annotations

import sys

import numpy as np
from numba import njit, prange

from loanbook.portfolio import jitcache
from loanbook.portfolio.kernel import (
    AM_BULLET,
    AM_LEVEL_PAYMENT,
    AM_LEVEL_PRINCIPAL,
    BIG,
    C_INTEREST,
    C_PRINCIPAL,
    DC_ACT_360,
    DC_ACT_365F,
    DC_ACT_ACT,
    F_AMORT,
    F_DC,
    F_FIXED,
    F_I_ANCHOR,
    F_I_EOM,
    F_I_MONTHS,
    F_INDEX,
    F_INITIAL,
    F_INSTALLMENT,
    F_LAG,
    F_LATE,
    F_MATURITY,
    F_PRINCIPAL,
    F_RECALC,
    F_S_ANCHOR,
    F_S_EOM,
    F_S_MONTHS,
    F_START,
    FL_INTEREST_DUE,
    FL_PRINCIPAL_DUE,
    K_ADVANCE,
    K_INTEREST,
    K_MATURITY,
    K_PRINCIPAL,
    K_RECALC,
    K_RESET,
    LCM,
    MAX_BALANCE,
    MAX_RATE,
    NONE,
    OK,
    P_INTEREST_ACCRUED,
    P_PAYMENT,
    P_PRINCIPAL_NOT_DUE,
    RATE_SCALE,
    _cycle_date,
    accrue_civil,
    civil_from_days,
    days_30_360,
    fixing_in_force,
    held,
    installment_dates,
    interest_capacity,
    interest_dates,
    month_length,
    n_installments,
    reset_capacity,
    reset_dates,
    rounded,
)
from loanbook.portfolio.loop import level_payment as _level_payment
from loanbook.portfolio.loop import year_fractions as _year_fractions

# This kernel's own copies of the functions it calls for each loan, inlined: a call of a
# compiled function with array arguments costs an atomic increment and decrement of each
# array's reference count (9% of the kernel's time, with the call of ``run_paid``).
_inline = njit(inline="always")  # not cached alone: only ever inlined, in run_many
installment_dates = _inline(installment_dates.py_func)
interest_dates = _inline(interest_dates.py_func)
reset_dates = _inline(reset_dates.py_func)
level_payment = _inline(_level_payment.py_func)
year_fractions = _inline(_year_fractions.py_func)
accrue_civil = _inline(accrue_civil.py_func)

FALLBACK = -1  # a status: the loan is run by ``loop.run_many``
RANGE = 1024  # loans per range (one thread, one set of buffers, contiguous flows)


@njit(cache=True)
def _rate_fine(rate: int) -> bool:
    return rate != NONE and 0 <= rate <= MAX_RATE


@njit(cache=True, inline="always")
def _quote(
    row: np.ndarray,
    day: int,
    previous: int,
    idx_off: np.ndarray,
    fx_date: np.ndarray,
    fx_rate: np.ndarray,
    daily: np.ndarray,
    base: int,
) -> int:
    """``kernel.quote`` reading the fixing from ``daily`` (day ``base`` first) when it covers
    the day."""
    k = row[F_INDEX]
    if k < 0:
        return row[F_FIXED]
    j = day - row[F_LAG] - base
    if 0 <= j < daily.shape[1]:
        return held(row, daily[k, j], previous)
    return held(row, fixing_in_force(k, day - row[F_LAG], idx_off, fx_date, fx_rate), previous)


# The interest accrued since the last interest date, as this kernel keeps it: ``(q, n)``, where
# ``kernel`` keeps ``q + n / DEN`` cents. Under actual/actual (bases 365, 366 and whole years
# in one period) it is kernel's form. Under a day count of one basis B (actual/360 and the
# 30/360s: 360; actual/365F: 365) it is ``q + n / (RATE_SCALE x B)`` cents, ``n`` not reduced
# at each step: an accrual of ``a x days / (RATE_SCALE x B)`` adds ``(a // sb) x days`` to
# ``q`` and ``(a % sb) x days`` to ``n`` (``sb = RATE_SCALE x B``, a constant: no division but
# one by a constant, no carry), where kernel's form takes two divisions and a carry at every
# step. Both are the same exact rational: ``_cents`` rounds it half-up as ``kernel.rounded``
# does, ``_as_den`` gives kernel's form (the level payment reads it). ``n`` stays far from
# 64 bits: each step adds less than ``sb x days`` (3.7e11 x days), over one interest period.
SB_360 = RATE_SCALE * 360
SB_365 = RATE_SCALE * 365


@njit(cache=True, inline="always")
def _cents(q: int, n: int, dc: int) -> int:
    """The accrued ``(q, n)`` (this kernel's form for ``dc``) rounded half-up to the cent."""
    if dc == DC_ACT_ACT:
        return rounded(q, n)
    sb = SB_365 if dc == DC_ACT_365F else SB_360
    whole = n // sb
    return q + whole + (1 if 2 * (n - whole * sb) >= sb else 0)


@njit(cache=True, inline="always")
def _as_den(q: int, n: int, dc: int) -> tuple[int, int]:
    """The accrued ``(q, n)`` in ``kernel``'s form: ``q + n / DEN``, ``0 <= n < DEN``."""
    if dc == DC_ACT_ACT:
        return q, n
    basis = 365 if dc == DC_ACT_365F else 360
    sb = RATE_SCALE * basis
    whole = n // sb
    return q + whole, (n - whole * sb) * (LCM // basis)


@njit(cache=True, inline="always")
def _accrue(
    q: int,
    n: int,
    a: int,
    dc: int,
    s: int,
    e: int,
    sc: tuple[int, int, int],
    ec: tuple[int, int, int],
) -> tuple[int, int]:
    """(q, n) + a x year_fraction(dc, s, e) / RATE_SCALE cents in this kernel's form for
    ``dc``, with the civil dates of ``s`` and ``e`` where the day count needs them (``sc``,
    ``ec``: each date's computed once, not at both ends of its spans)."""
    if dc == DC_ACT_ACT:
        return accrue_civil(q, n, a, dc, s, e, sc, ec)
    if dc == DC_ACT_365F:
        q1 = a // SB_365
        return q + q1 * (e - s), n + (a - q1 * SB_365) * (e - s)
    days = e - s if dc == DC_ACT_360 else days_30_360(dc, sc, ec)
    q1 = a // SB_360
    return q + q1 * days, n + (a - q1 * SB_360) * days


NOT_SO = -2


@njit(cache=True, inline="always")
def _interest_as_installments(
    row: np.ndarray, until: int, inst: np.ndarray, n_inst: int, out: np.ndarray
) -> int:
    """``kernel.interest_dates`` where they are the installments' dates: the interest
    schedule is the principal schedule (the same anchor, cycle and end-of-month rule, hence
    the same dates moved alike), its last date is the maturity and none comes after it by
    ``until``; the installments' dates on or after the start, each once. ``NOT_SO``
    otherwise (``interest_dates`` then generates them)."""
    if (
        row[F_AMORT] == AM_BULLET
        or n_inst < 1
        or row[F_I_ANCHOR] != row[F_S_ANCHOR]
        or row[F_I_MONTHS] != row[F_S_MONTHS]
        or row[F_I_EOM] != row[F_S_EOM]
    ):
        return NOT_SO
    maturity = row[F_MATURITY]
    ya, ma, da = civil_from_days(row[F_I_ANCHOR])
    eom = row[F_I_EOM] != 0 and da == month_length(ya, ma)
    months = row[F_I_MONTHS]
    if _cycle_date(ya, ma, da, eom, months * (n_inst - 1)) != maturity:
        return NOT_SO
    if _cycle_date(ya, ma, da, eom, months * n_inst) <= max(maturity, until):
        return NOT_SO
    start = row[F_START]
    m = 0
    for j in range(n_inst):
        d = inst[j]
        if d >= start and (m == 0 or out[m - 1] != d):
            out[m] = d
            m += 1
    return m


@njit(cache=True, inline="always")
def run_paid(
    row: np.ndarray,
    until: int,
    loan_no: int,
    idx_off: np.ndarray,
    fx_date: np.ndarray,
    fx_rate: np.ndarray,
    daily: np.ndarray,
    nxt: np.ndarray,
    prv: np.ndarray,
    base: int,
    pos: np.ndarray,
    o_loan: np.ndarray,
    o_date: np.ndarray,
    o_kind: np.ndarray,
    o_comp: np.ndarray,
    o_amount: np.ndarray,
    at: int,
    inst: np.ndarray,
    ints: np.ndarray,
    resets: np.ndarray,
    yf: np.ndarray,
) -> int:
    """``loop.run_one`` of one loan with no events, ``assume_paid``, to ``until``: its flows
    written from ``o_*[at]`` and its position into ``pos``; returns the flows written, or -1
    where ``run_one`` would give a status other than ``OK`` (nothing is then decided here)."""
    start = row[F_START]
    principal = row[F_PRINCIPAL]
    if principal > MAX_BALANCE or principal < 0 or row[F_LATE] > MAX_RATE:
        return -1
    n_inst = n_installments(row)
    maturity_due = installment_dates(row, nxt, prv, base, inst)
    if maturity_due < 0:
        return -1
    n_int = _interest_as_installments(row, until, inst, n_inst, ints)
    if n_int == NOT_SO:
        n_int = interest_dates(row, until, nxt, prv, base, ints)
    if n_int < 0:
        return -1
    n_res = reset_dates(row, until, resets)
    amort = row[F_AMORT]
    level = amort == AM_LEVEL_PAYMENT
    again = level and row[F_RECALC] != 0
    first_recalc = NONE
    if level and row[F_INSTALLMENT] <= 0 and n_inst > 0 and inst[0] - 1 > start:
        first_recalc = inst[0] - 1
    payment = row[F_INSTALLMENT] if level and row[F_INSTALLMENT] > 0 else NONE
    each = row[F_INSTALLMENT]
    if amort == AM_LEVEL_PRINCIPAL and each <= 0:
        each = (2 * principal + n_inst) // (2 * n_inst)
    # the level-principal amounts of ``run_one`` as they fall due: ``min(each, left)`` of the
    # principal not yet allotted, the last installment taking what is left
    allotted = 0
    pnd = q = n = 0
    rate = accrued_to = done = NONE
    dc = row[F_DC]
    civil = dc > DC_ACT_365F
    no_civil = (0, 0, 0)
    civil_to = no_civil  # the civil date of ``accrued_to`` (day counts of the calendar)
    p_adv = p_inst = p_int = p_res = p_rr = p_fr = 0
    yf_ready = False
    w = at
    while True:
        # The next step, picked exactly as ``loop.run_one`` picks it (without its events
        # stream): written out in both kernels because a shared function measured 1.3 to 2
        # times slower here, even inlined; ``tests/portfolio/test_paid.py`` holds the two to
        # the same flows.
        best = BIG
        which = -1
        if p_adv == 0:
            best, which = start * 1024 + K_ADVANCE * 4, 0
        if p_inst < n_inst:
            kind = K_PRINCIPAL
            if p_inst == n_inst - 1 and inst[p_inst] == maturity_due:
                kind = K_MATURITY
            key = inst[p_inst] * 1024 + kind * 4
            if key < best:
                best, which = key, 1
        if p_int < n_int:
            key = ints[p_int] * 1024 + K_INTEREST * 4
            if key < best:
                best, which = key, 2
        if p_res < n_res:
            key = resets[p_res] * 1024 + K_RESET * 4
            if key < best:
                best, which = key, 3
        if again:
            while p_rr < n_res and resets[p_rr] <= start:
                p_rr += 1
            if p_rr < n_res:
                key = resets[p_rr] * 1024 + K_RECALC * 4 + 1
                if key < best:
                    best, which = key, 4
        if p_fr == 0 and first_recalc != NONE:
            key = first_recalc * 1024 + K_RECALC * 4
            if key < best:
                best, which = key, 5
        if which < 0:
            break
        day = best // 1024
        if day > until:
            break
        if accrued_to != NONE and day > accrued_to:
            civil_day = civil_from_days(day) if civil else no_civil
            if rate != NONE and pnd != 0:
                if pnd > MAX_BALANCE:
                    return -1
                q, n = _accrue(q, n, pnd * rate, dc, accrued_to, day, civil_to, civil_day)
            accrued_to, civil_to = day, civil_day
        if which == 0:
            p_adv = 1
            first = accrued_to == NONE
            if first:
                accrued_to = start
                civil_to = civil_from_days(start) if civil else no_civil
            pnd += principal
            if first and rate == NONE:
                if row[F_INITIAL] != NONE and row[F_INDEX] >= 0:
                    rate = row[F_INITIAL]
                else:
                    rate = _quote(row, day, NONE, idx_off, fx_date, fx_rate, daily, base)
                if not _rate_fine(rate):
                    return -1
        elif which == 1:
            index = p_inst
            p_inst += 1
            if amort == AM_LEVEL_PRINCIPAL:
                amount = (
                    principal - allotted if index == n_inst - 1 else min(each, principal - allotted)
                )
                allotted += amount
            elif amort == AM_BULLET:
                amount = principal
            else:
                amount = -1
            if pnd > 0:
                if amount < 0:
                    if payment == NONE:
                        if not yf_ready:
                            year_fractions(row, inst, n_inst, yf)
                            yf_ready = True
                        qd, nd = _as_den(q, n, dc)
                        payment, fine = level_payment(
                            row, day, inst, yf, n_inst, done, pnd, rate, qd, nd, accrued_to, index
                        )
                        if not fine:
                            return -1
                    amount = max(payment - _cents(q, n, dc), 0)
                if index == n_inst - 1 or amount > pnd:
                    amount = pnd
                pnd -= amount
                if amount != 0:
                    o_loan[w], o_date[w], o_kind[w] = loan_no, day, FL_PRINCIPAL_DUE
                    o_comp[w], o_amount[w] = C_PRINCIPAL, amount
                    w += 1
            done = day
            # Interest due on the same date is the next step (no kind of step falls between
            # an installment of principal and interest on a date; the maturity's principal
            # comes after both): taken now, without picking among the streams again.
            if p_int < n_int and ints[p_int] == day and inst[index] != maturity_due:
                which = 2
        if which == 2:
            p_int += 1
            amount = _cents(q, n, dc)
            if amount != 0:
                o_loan[w], o_date[w], o_kind[w] = loan_no, day, FL_INTEREST_DUE
                o_comp[w], o_amount[w] = C_INTEREST, amount
                w += 1
            q, n = 0, 0
        elif which == 3:
            p_res += 1
            previous = rate if (rate != NONE and day > start) else NONE
            rate = _quote(row, day, previous, idx_off, fx_date, fx_rate, daily, base)
            if not _rate_fine(rate):
                return -1
        elif which >= 4:
            if which == 4:
                p_rr += 1
            else:
                p_fr = 1
            if rate != NONE:
                if not yf_ready:
                    year_fractions(row, inst, n_inst, yf)
                    yf_ready = True
                qd, nd = _as_den(q, n, dc)
                payment, fine = level_payment(
                    row, day, inst, yf, n_inst, done, pnd, rate, qd, nd, accrued_to, p_inst
                )
                if not fine:
                    return -1
    if accrued_to != NONE and until > accrued_to and rate != NONE and pnd != 0:
        if pnd > MAX_BALANCE:
            return -1
        civil_day = civil_from_days(until) if civil else no_civil
        q, n = _accrue(q, n, pnd * rate, dc, accrued_to, until, civil_to, civil_day)
    for j in range(pos.shape[0]):
        pos[j] = 0
    pos[P_PRINCIPAL_NOT_DUE] = pnd
    pos[P_INTEREST_ACCRUED] = _cents(q, n, dc)
    pos[P_PAYMENT] = payment
    return w - at


@njit(cache=True, parallel=True, nogil=True)
def capacity(loans: np.ndarray, untils: np.ndarray) -> np.ndarray:
    """An upper bound on the flows ``run_paid`` writes for each loan: one per installment
    and per interest date."""
    out = np.empty(loans.shape[0], np.int64)
    for i in prange(loans.shape[0]):
        out[i] = n_installments(loans[i]) + interest_capacity(loans[i], untils[i])
    return out


@njit(cache=True, parallel=True, nogil=True)
def run_many(
    loans: np.ndarray,
    untils: np.ndarray,
    first_loan: int,
    ev_off: np.ndarray,
    idx_off: np.ndarray,
    fx_date: np.ndarray,
    fx_rate: np.ndarray,
    daily: np.ndarray,
    nxt: np.ndarray,
    prv: np.ndarray,
    base: int,
    cap_off: np.ndarray,
    pos: np.ndarray,
    status: np.ndarray,
    o_loan: np.ndarray,
    o_date: np.ndarray,
    o_kind: np.ndarray,
    o_comp: np.ndarray,
    o_amount: np.ndarray,
    f_lo: np.ndarray,
) -> np.ndarray:
    """``run_paid`` over every loan without events (``ev_off[i + 1] == ev_off[i]``; the
    others are ``FALLBACK``), ranges in parallel; loan i's flows
    start at ``f_lo[i]`` (loan numbers count from ``first_loan``) and a range's end where
    its next begins; returns where each range's flows end (``status``: ``OK`` or
    ``FALLBACK``; a loan of ``FALLBACK`` wrote none)."""
    n = loans.shape[0]
    n_ranges = (n + RANGE - 1) // RANGE
    ends = np.empty(n_ranges, np.int64)
    for r in prange(n_ranges):
        lo = r * RANGE
        hi = min(lo + RANGE, n)
        m_inst = m_int = m_res = 1
        for i in range(lo, hi):
            m_inst = max(m_inst, n_installments(loans[i]))
            m_int = max(m_int, interest_capacity(loans[i], untils[i]))
            m_res = max(m_res, reset_capacity(loans[i], untils[i]))
        inst = np.empty(m_inst, np.int64)
        ints = np.empty(m_int, np.int64)
        resets = np.empty(m_res, np.int64)
        yf = np.empty(m_inst, np.float64)
        w = cap_off[lo]
        for i in range(lo, hi):
            f_lo[i] = w
            if ev_off[i + 1] > ev_off[i]:
                status[i] = FALLBACK
                continue
            k = run_paid(
                loans[i], untils[i], first_loan + i, idx_off, fx_date, fx_rate, daily,
                nxt, prv, base, pos[i], o_loan, o_date, o_kind, o_comp, o_amount, w,
                inst, ints, resets, yf,
            )  # fmt: skip
            if k < 0:
                status[i] = FALLBACK
            else:
                status[i] = OK
                w += k
        ends[r] = w
    return ends


# Cached machine code compiled from other sources than these is dropped (jitcache says why).
jitcache.guard(
    sys.modules[__name__],
    (
        sys.modules["loanbook.portfolio.kernel"],
        sys.modules["loanbook.portfolio.loop"],
        sys.modules[__name__],
    ),
)
