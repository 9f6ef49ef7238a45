# mypy: disable-error-code="no-any-return"
"""The compiled kernel: one pass per loan over its timeline, in integer cents, many loans at once.

It reproduces ``engine.run_loan`` (``daily=False``) for the loans ``portfolio.form`` accepts,
step by step, in the exact engine's order (``engine.steps``): the advance, installments of
principal, interest due, fees, payments by the waterfall, prepayments, rate resets and the
level payment computed again. Amounts are integer cents. Interest and late charges accrued are
exact rationals kept as ``Q + N / DEN`` cents (``Q`` whole cents, ``0 <= N < DEN``) with
``DEN = RATE_SCALE x lcm(360, 365, 366)``: every day-count fraction of a rate in billionths has
that denominator, so the sum is exact, and rounding it half-up is ``Q + (2N >= DEN)``, the
rule of ``money.to_cents``, applied to the cumulative total as the exact engine does.

Where exactness would need more than 64 bits, or a level payment lands within a float's error
of a half cent, the loan gets a status other than ``OK`` and the caller runs it through the
exact engine instead: the kernel never approximates.

Loans are rows of an ``int64`` matrix (columns ``F_*``); dates are days since 1970-01-01.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

RATE_SCALE = 1_000_000_000  # rates are integers in billionths: 5.4375% = 54_375_000
LCM = 1_603_080  # lcm(360, 365, 366)
DEN = RATE_SCALE * LCM
NONE = -(2**62)  # an absent optional value
MAX_BALANCE = 10_000_000_000  # cents: beyond $100M a product may pass 63 bits
MAX_RATE = RATE_SCALE // 2  # 50% a year

# statuses
OK = 0
REFUSED = 1  # the exact engine refuses the run (a prepayment above the principal not yet due)
MISSING_FIXING = 2  # no fixing in force: the exact engine says which
OUT_OF_RANGE = 3  # an amount or date beyond what 64-bit exact arithmetic here covers
NEGATIVE_RATE = 4  # negative interest: the exact engine's owed-to-borrower path
NEAR_TIE = 5  # a level payment within float error of a half cent: computed exactly elsewhere
CAPACITY = 6  # more amounts due than the buffers planned for

# loan columns
F_PRINCIPAL = 0
F_START = 1
F_MATURITY = 2
F_DC = 3
F_AMORT = 4
F_INSTALLMENT = 5
F_S_ANCHOR = 6
F_S_MONTHS = 7
F_S_COUNT = 8
F_S_EOM = 9
F_I_ANCHOR = 10
F_I_MONTHS = 11
F_I_EOM = 12
F_CONV = 13
F_CAL = 14
F_INDEX = 15
F_FIXED = 16
F_MARGIN = 17
F_FLOOR = 18
F_CAP = 19
F_PCAP = 20
F_PFLOOR = 21
F_RESET = 22
F_PRULE = 23
F_R_MONTHS = 24
F_R_ANCHOR = 25
F_LAG = 26
F_INITIAL = 27
F_RECALC = 28
F_LATE = 29
F_LATE_DC = 30
F_PREPAY_DIRECT = 31
F_WF_BEFORE = 32  # 4 columns: the component order before maturity of an installment
F_WF_AFTER = 36  # 4 columns: after
F_USURY = 40  # the maximum lawful rate (NONE: none)
NF = 41

# codes
DC_ACT_360, DC_ACT_365F, DC_ACT_ACT, DC_30_360, DC_30E_360 = 0, 1, 2, 3, 4
AM_LEVEL_PRINCIPAL, AM_LEVEL_PAYMENT, AM_BULLET = 0, 1, 2
CONV_NONE, CONV_F, CONV_MF, CONV_P, CONV_MP = 0, 1, 2, 3, 4
RESET_FIXED, RESET_PERIOD_START, RESET_CYCLE = 0, 1, 2
PRULE_LOAN_DATE_MONTHLY, PRULE_MONTH_END = 0, 1
C_LATE, C_FEE, C_INTEREST, C_PRINCIPAL = 0, 1, 2, 3
EV_FEE, EV_PAYMENT, EV_PREPAYMENT = 95, 100, 105
K_PAYMENT = EV_PAYMENT  # steps of this kind and later on a date come after the day's dues
# step kinds: the exact engine's StepKind values (their order within a date)
K_ADVANCE, K_PRINCIPAL, K_INTEREST, K_RESET, K_RECALC, K_MATURITY = 10, 30, 80, 120, 125, 190
# flow kinds written for each loan
FL_INTEREST_DUE, FL_PRINCIPAL_DUE, FL_LATE_CHARGE, FL_FEE, FL_OPEN_DUE = 1, 2, 3, 4, 8
# position columns
P_PRINCIPAL_NOT_DUE, P_PRINCIPAL_DUE, P_INTEREST_ACCRUED, P_INTEREST_DUE = 0, 1, 2, 3
P_LATE_CHARGES, P_FEES, P_UNAPPLIED, P_PAYMENT = 4, 5, 6, 7
NP_ = 8
_BIG = 1 << 62


# -- dates -------------------------------------------------------------------------------------
@njit(cache=True)
def days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit(cache=True)
def civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


@njit(cache=True)
def is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


@njit(cache=True)
def month_length(y: int, m: int) -> int:
    if m == 2:
        return 29 if is_leap(y) else 28
    if m in (4, 6, 9, 11):
        return 30
    return 31


@njit(cache=True)
def is_month_end(day: int) -> bool:
    y, m, d = civil_from_days(day)
    return d == month_length(y, m)


@njit(cache=True)
def add_months(day: int, months: int, eom: bool) -> int:
    y, m, d = civil_from_days(day)
    index = y * 12 + m - 1 + months
    y2 = index // 12
    m2 = index - y2 * 12 + 1
    last = month_length(y2, m2)
    return days_from_civil(y2, m2, last if eom else min(d, last))


@njit(cache=True)
def add_cycle(anchor: int, months: int, times: int, eom: bool) -> int:
    return add_months(anchor, months * times, eom and is_month_end(anchor))


@njit(cache=True)
def adjust(day: int, conv: int, cal: int, nxt: np.ndarray, prv: np.ndarray, base: int) -> int:
    """The business-day convention ``conv`` on calendar ``cal`` (tables of the next and the
    previous business day); -1 when ``day`` is outside the tables."""
    if conv == CONV_NONE:
        return day
    i = day - base
    if i < 0 or i >= nxt.shape[1]:
        return -1
    if nxt[cal, i] == i:
        return day
    if conv == CONV_F:
        return base + nxt[cal, i]
    if conv == CONV_P:
        return base + prv[cal, i]
    y, m, _ = civil_from_days(day)
    if conv == CONV_MF:
        moved = base + nxt[cal, i]
        ym, mm, _ = civil_from_days(moved)
        return moved if (ym == y and mm == m) else base + prv[cal, i]
    moved = base + prv[cal, i]
    ym, mm, _ = civil_from_days(moved)
    return moved if (ym == y and mm == m) else base + nxt[cal, i]


# -- exact accrual -----------------------------------------------------------------------------
@njit(cache=True)
def _add(q: int, n: int, a: int, days: int, basis: int) -> tuple[int, int]:
    """(q, n) + a x days / (RATE_SCALE x basis) cents, exactly (a >= 0, basis divides LCM)."""
    sb = RATE_SCALE * basis
    q1 = a // sb
    r1 = a - q1 * sb
    t = r1 * days
    q2 = t // sb
    r2 = t - q2 * sb
    q += q1 * days + q2
    n += r2 * (LCM // basis)
    if n >= DEN or n < 0:
        carry = n // DEN
        q += carry
        n -= carry * DEN
    return q, n


@njit(cache=True)
def accrue_span(q: int, n: int, a: int, dc: int, s: int, e: int) -> tuple[int, int]:
    """(q, n) + a x year_fraction(dc, s, e) / RATE_SCALE cents (``time.year_fraction``)."""
    if dc == DC_ACT_360:
        return _add(q, n, a, e - s, 360)
    if dc == DC_ACT_365F:
        return _add(q, n, a, e - s, 365)
    sy, sm, sd = civil_from_days(s)
    ey, em, ed = civil_from_days(e)
    if dc == DC_ACT_ACT:
        if sy == ey:
            return _add(q, n, a, e - s, 366 if is_leap(sy) else 365)
        q, n = _add(q, n, a, days_from_civil(sy + 1, 1, 1) - s, 366 if is_leap(sy) else 365)
        q, n = _add(q, n, a, ey - sy - 1, 1)
        return _add(q, n, a, e - days_from_civil(ey, 1, 1), 366 if is_leap(ey) else 365)
    d1 = min(sd, 30)
    d2 = (30 if ed == 31 and d1 == 30 else ed) if dc == DC_30_360 else min(ed, 30)
    return _add(q, n, a, 360 * (ey - sy) + 30 * (em - sm) + (d2 - d1), 360)


@njit(cache=True)
def year_fraction_float(dc: int, s: int, e: int) -> float:
    q, n = accrue_span(0, 0, RATE_SCALE, dc, s, e)
    return q + n / DEN


@njit(cache=True)
def rounded(q: int, n: int) -> int:
    """Half-up to the cent of q + n / DEN (non-negative): ``money.to_cents``."""
    return q + (1 if 2 * n >= DEN else 0)


# -- market ------------------------------------------------------------------------------------
@njit(cache=True)
def fixing_in_force(
    k: int, day: int, idx_off: np.ndarray, fx_date: np.ndarray, fx_rate: np.ndarray
) -> int:
    """The rate of index ``k`` in force on ``day`` (latest fixing on or before); NONE if none."""
    lo, hi = idx_off[k], idx_off[k + 1]
    if lo == hi or fx_date[lo] > day:
        return NONE
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fx_date[mid] <= day:
            lo = mid
        else:
            hi = mid
    return fx_rate[lo]


@njit(cache=True)
def quote(
    row: np.ndarray,
    day: int,
    previous: int,
    idx_off: np.ndarray,
    fx_date: np.ndarray,
    fx_rate: np.ndarray,
) -> int:
    """``engine.rate.quote``: fixed, or index + margin held by period caps, floor and cap."""
    if row[F_INDEX] < 0:
        return row[F_FIXED]
    fixing = fixing_in_force(row[F_INDEX], day - row[F_LAG], idx_off, fx_date, fx_rate)
    if fixing == NONE:
        return NONE
    raw = fixing + row[F_MARGIN]
    if previous != NONE and row[F_PCAP] != NONE and raw > previous + row[F_PCAP]:
        raw = previous + row[F_PCAP]
    if previous != NONE and row[F_PFLOOR] != NONE and raw < previous - row[F_PFLOOR]:
        raw = previous - row[F_PFLOOR]
    if row[F_FLOOR] != NONE and raw < row[F_FLOOR]:
        raw = row[F_FLOOR]
    if row[F_CAP] != NONE and raw > row[F_CAP]:
        raw = row[F_CAP]
    return raw


# -- the timeline ------------------------------------------------------------------------------
@njit(cache=True)
def _months_between(a: int, b: int) -> int:
    ya, ma, _ = civil_from_days(a)
    yb, mb, _ = civil_from_days(b)
    return (yb - ya) * 12 + (mb - ma)


@njit(cache=True)
def installment_dates(
    row: np.ndarray, nxt: np.ndarray, prv: np.ndarray, base: int
) -> tuple[np.ndarray, int]:
    """Due dates of the installments (``installments.principal_schedule``) and the maturity
    date as the principal schedule moves it (``steps._maturity_due_date``)."""
    if row[F_AMORT] == AM_BULLET:
        out = np.empty(1, np.int64)
        out[0] = row[F_MATURITY]
        return out, row[F_MATURITY]
    count = row[F_S_COUNT]
    out = np.empty(count, np.int64)
    eom = row[F_S_EOM] != 0
    for i in range(count):
        raw = add_cycle(row[F_S_ANCHOR], row[F_S_MONTHS], i, eom)
        out[i] = adjust(raw, row[F_CONV], row[F_CAL], nxt, prv, base)
    return out, adjust(row[F_MATURITY], row[F_CONV], row[F_CAL], nxt, prv, base)


@njit(cache=True)
def interest_dates(
    row: np.ndarray, until: int, nxt: np.ndarray, prv: np.ndarray, base: int
) -> np.ndarray:
    """``steps.interest_schedule``: the cycle dates from its anchor up to the later of maturity
    and ``until``, and the maturity (closing a short stub), moved to business days, each date
    once; only those on or after the start. ``until`` is not an interest date in its own
    right: interest since the last one stays accrued, not due."""
    maturity = row[F_MATURITY]
    end = max(maturity, until)
    anchor = row[F_I_ANCHOR]
    months = row[F_I_MONTHS]
    eom = row[F_I_EOM] != 0
    cap = max(_months_between(anchor, end) // months, 0) + 4
    raw = np.empty(cap, np.int64)
    k = 0
    if end >= anchor:
        i = 0
        while True:
            d = add_cycle(anchor, months, i, eom)
            if d > end:
                break
            raw[k] = d
            k += 1
            i += 1
    found = False
    for j in range(k):
        if raw[j] == maturity:
            found = True
    if not found and maturity <= end:
        raw[k] = maturity
        k += 1
    moved = np.empty(k, np.int64)
    m = 0
    for j in range(k):
        d = adjust(raw[j], row[F_CONV], row[F_CAL], nxt, prv, base)
        if d < 0:
            return np.full(1, -1, np.int64)
        if d >= row[F_START]:
            moved[m] = d
            m += 1
    moved = np.sort(moved[:m])
    out = np.empty(m, np.int64)
    u = 0
    for j in range(m):
        if u == 0 or out[u - 1] != moved[j]:
            out[u] = moved[j]
            u += 1
    return out[:u]


@njit(cache=True)
def reset_dates(row: np.ndarray, until: int) -> np.ndarray:
    """``steps.reset_schedule`` (period starts, or a cycle) up to ``until``, from the start."""
    start = row[F_START]
    end = until + 1
    if row[F_RESET] == RESET_FIXED or row[F_INDEX] < 0:
        return np.empty(0, np.int64)
    if row[F_RESET] == RESET_PERIOD_START:
        anchor, months, eom = start, 1, False
        lead = -1
        if row[F_PRULE] == PRULE_MONTH_END:
            first_eom = add_months(start, 0, True)
            if first_eom == start:
                eom = True
            else:
                lead, anchor, eom = start, first_eom, True
    else:
        anchor = row[F_R_ANCHOR] if row[F_R_ANCHOR] != NONE else start
        months = row[F_R_MONTHS]
        eom = is_month_end(anchor)
        lead = -1
    cap = max(_months_between(anchor, end) // months, 0) + 3
    out = np.empty(cap, np.int64)
    k = 0
    if lead >= 0:
        out[k] = lead
        k += 1
    if end >= anchor:
        i = 0
        while True:
            d = add_cycle(anchor, months, i, eom)
            if d >= end:
                break
            if d >= start:
                out[k] = d
                k += 1
            i += 1
    return out[:k]


# -- the run of one loan -----------------------------------------------------------------------
@njit(cache=True)
def _principal_outstanding(pnd: int, d_comp: np.ndarray, d_rem: np.ndarray, nd: int) -> int:
    total = pnd
    for j in range(nd):
        if d_comp[j] == C_PRINCIPAL:
            total += d_rem[j]
    return total


@njit(cache=True)
def _apply_funds(
    row: np.ndarray,
    day: int,
    amount: int,
    d_comp: np.ndarray,
    d_date: np.ndarray,
    d_rem: np.ndarray,
    nd: int,
) -> tuple[int, int]:
    """The waterfall (``servicing._apply_funds``): returns (what is left, dues left)."""
    overdue = False
    for j in range(nd):
        if d_comp[j] == C_PRINCIPAL and d_rem[j] > 0 and d_date[j] < day:
            overdue = True
    col = F_WF_AFTER if overdue else F_WF_BEFORE
    left = amount
    for c in range(4):
        component = row[col + c]
        for j in range(nd):
            if left <= 0:
                break
            if d_comp[j] != component or d_rem[j] <= 0:
                continue
            paid = min(d_rem[j], left)
            d_rem[j] -= paid
            left -= paid
    m = 0
    for j in range(nd):
        if d_rem[j] > 0:
            d_comp[m] = d_comp[j]
            d_date[m] = d_date[j]
            d_rem[m] = d_rem[j]
            m += 1
    return left, m


@njit(cache=True)
def _level_payment(
    row: np.ndarray,
    day: int,
    inst: np.ndarray,
    done: int,
    balance: int,
    rate: int,
    q: int,
    n: int,
    accrued_to: int,
) -> tuple[int, bool]:
    """``contract._payment_recalc``: the level payment repaying the balance and the interest
    accrued to the next principal date in equal payments on the remaining principal dates
    (ACTUS annuity formula). Computed in floating point and rounded half-up; (0, False) when
    the value is within the float's error bound of a half cent (then only the exact engine
    may decide)."""
    count = 0
    first = -1
    for i in range(inst.shape[0]):
        if inst[i] >= day and (done == NONE or inst[i] > done):
            if first < 0:
                first = i
            count += 1
    if count == 0:
        return balance + rounded(q, n), True
    dc = row[F_DC]
    r = rate / RATE_SCALE
    since = accrued_to if accrued_to != NONE else day
    accrued = q + n / DEN + balance * r * year_fraction_float(dc, since, inst[first])
    running = 1.0
    total = 0.0
    i = inst.shape[0] - 1
    while i > first:
        running *= 1.0 + r * year_fraction_float(dc, inst[i - 1], inst[i])
        total += running
        i -= 1
    x = (balance + accrued) * running / (1.0 + total)
    whole = np.floor(x)
    # relative error of x: at most about (6 count + 10) units of 2^-53; allowed: thrice that
    bound = (8.0 * count + 32.0) * 2.3e-16 * abs(x) + 1e-9
    if abs(x - whole - 0.5) <= bound:
        return 0, False
    return int(whole) + (1 if x - whole > 0.5 else 0), True


@njit(cache=True)
def run_one(
    row: np.ndarray,
    ev_date: np.ndarray,
    ev_kind: np.ndarray,
    ev_amount: np.ndarray,
    idx_off: np.ndarray,
    fx_date: np.ndarray,
    fx_rate: np.ndarray,
    nxt: np.ndarray,
    prv: np.ndarray,
    base: int,
    until: int,
    assume_paid: bool,
    pos: np.ndarray,
    f_date: np.ndarray,
    f_kind: np.ndarray,
    f_comp: np.ndarray,
    f_amount: np.ndarray,
) -> tuple[int, int]:
    """Run one loan to ``until``; fill ``pos`` and the flow buffers; (status, flows written)."""
    want = f_date.shape[0] > 0
    nf = 0
    start = row[F_START]
    principal = row[F_PRINCIPAL]
    if principal > MAX_BALANCE or principal < 0:
        return OUT_OF_RANGE, 0
    for j in range(pos.shape[0]):
        pos[j] = 0
    pos[P_PAYMENT] = NONE
    inst, maturity_due = installment_dates(row, nxt, prv, base)
    n_inst = inst.shape[0]
    for i in range(n_inst):
        if inst[i] < 0:
            return OUT_OF_RANGE, 0
    ints = interest_dates(row, until, nxt, prv, base)
    for i in range(ints.shape[0]):
        if ints[i] < 0:
            return OUT_OF_RANGE, 0
    resets = reset_dates(row, until)
    amort = row[F_AMORT]
    level = amort == AM_LEVEL_PAYMENT
    again = level and row[F_RECALC] != 0
    # amounts of the installments (level payment: -1 until reached)
    amounts = np.full(n_inst, -1, np.int64)
    if amort == AM_BULLET:
        amounts[0] = principal
    elif amort == AM_LEVEL_PRINCIPAL:
        each = row[F_INSTALLMENT]
        if each <= 0:
            each = (2 * principal + n_inst) // (2 * n_inst)
        left = principal
        for i in range(n_inst):
            a = left if i == n_inst - 1 else min(each, left)
            amounts[i] = a
            left -= a
    payment = row[F_INSTALLMENT] if (level and row[F_INSTALLMENT] > 0) else NONE
    first_recalc = NONE
    if level and row[F_INSTALLMENT] <= 0 and n_inst > 0 and inst[0] - 1 > start:
        first_recalc = inst[0] - 1
    # dues (insertion order is due-date order)
    n_ev = ev_date.shape[0]
    cap = n_inst + ints.shape[0] + 2 * n_ev + 4
    d_comp = np.empty(cap, np.int64)
    d_date = np.empty(cap, np.int64)
    d_rem = np.empty(cap, np.int64)
    nd = 0
    pnd = 0
    q = 0
    n = 0
    posted = 0
    lq = 0
    ln = 0
    late_posted = 0
    uq = 0  # interest above the maximum lawful rate, exact (q, n)
    un = 0
    usury = row[F_USURY]
    unapplied = 0
    pending = NONE  # the date of a step whose settling waits for the next step's kind
    rate = NONE
    accrued_to = NONE
    next_installment = 0
    done = NONE
    late_rate = row[F_LATE]
    # stream pointers
    p_adv = 0
    p_inst = 0
    p_int = 0
    p_res = 0
    p_rr = 0
    p_fr = 0
    p_ev = 0
    while True:
        # the next step: the least (date, kind, seq) over the streams
        best = _BIG
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
        if p_int < ints.shape[0]:
            key = ints[p_int] * 1024 + K_INTEREST * 4
            if key < best:
                best, which = key, 2
        if p_res < resets.shape[0]:
            key = resets[p_res] * 1024 + K_RESET * 4
            if key < best:
                best, which = key, 3
        if again:
            while p_rr < resets.shape[0] and resets[p_rr] <= start:
                p_rr += 1
            if p_rr < resets.shape[0]:
                key = resets[p_rr] * 1024 + K_RECALC * 4 + 1
                if key < best:
                    best, which = key, 4
        if p_fr == 0 and first_recalc != NONE:
            key = first_recalc * 1024 + K_RECALC * 4
            if key < best:
                best, which = key, 5
        if p_ev < n_ev:
            key = ev_date[p_ev] * 1024 + ev_kind[p_ev] * 4
            if key < best:
                best, which = key, 6
        # funds held are applied once all of a day's dues have fallen due: after the last step
        # of the day before its payments (``run._Run.go``), so interest before principal
        if pending != NONE and (
            which < 0 or best // 1024 != pending or (best % 1024) // 4 >= K_PAYMENT
        ):
            if nd > 0 and unapplied > 0:
                unapplied, nd = _apply_funds(row, pending, unapplied, d_comp, d_date, d_rem, nd)
            pending = NONE
        if which < 0:
            break
        day = best // 1024
        if day > until:
            break
        # accrue to the step's date
        if accrued_to != NONE and day > accrued_to:
            balance = _principal_outstanding(pnd, d_comp, d_rem, nd)
            if rate != NONE and balance != 0:
                if balance > MAX_BALANCE:
                    return OUT_OF_RANGE, nf
                q, n = accrue_span(q, n, balance * rate, row[F_DC], accrued_to, day)
                posted = rounded(q, n)
                if usury != NONE and rate > usury:
                    a = balance * (rate - usury)
                    uq, un = accrue_span(uq, un, a, row[F_DC], accrued_to, day)
            if late_rate != NONE:
                for j in range(nd):
                    if d_comp[j] == C_LATE or d_rem[j] <= 0 or d_date[j] >= day:
                        continue
                    if d_rem[j] > MAX_BALANCE:
                        return OUT_OF_RANGE, nf
                    since = max(accrued_to, d_date[j])
                    lq, ln = accrue_span(lq, ln, d_rem[j] * late_rate, row[F_LATE_DC], since, day)
            accrued_to = day
        # apply the step
        if which == 0:
            p_adv = 1
            first = accrued_to == NONE
            if first:
                accrued_to = start
            pnd += principal
            if first and rate == NONE:
                if row[F_INITIAL] != NONE and row[F_INDEX] >= 0:
                    rate = row[F_INITIAL]
                else:
                    rate = quote(row, day, NONE, idx_off, fx_date, fx_rate)
                    if rate == NONE:
                        return MISSING_FIXING, nf
                if rate < 0:
                    return NEGATIVE_RATE, nf
                if rate > MAX_RATE:
                    return OUT_OF_RANGE, nf
        elif which == 1:
            index = p_inst
            p_inst += 1
            next_installment = index + 1
            if pnd > 0:
                amount = amounts[index]
                if amount < 0:
                    if payment == NONE:
                        balance = _principal_outstanding(pnd, d_comp, d_rem, nd)
                        payment, fine = _level_payment(
                            row, day, inst, done, balance, rate, q, n, accrued_to
                        )
                        if not fine:
                            return NEAR_TIE, nf
                    amount = max(payment - rounded(q, n), 0)
                if index == n_inst - 1 or amount > pnd:
                    amount = pnd
                amounts[index] = amount
                pnd -= amount
                if amount != 0:
                    if nd >= cap:
                        return CAPACITY, nf
                    d_comp[nd], d_date[nd], d_rem[nd] = C_PRINCIPAL, day, amount
                    nd += 1
                    if want:
                        f_date[nf], f_kind[nf], f_comp[nf], f_amount[nf] = (
                            day,
                            FL_PRINCIPAL_DUE,
                            C_PRINCIPAL,
                            amount,
                        )
                        nf += 1
            done = day
        elif which == 2:
            p_int += 1
            amount = rounded(q, n)
            excess = rounded(uq, un) if (uq != 0 or un != 0) else 0
            if amount - excess != 0:
                if amount - excess < 0:
                    return NEGATIVE_RATE, nf
                if nd >= cap:
                    return CAPACITY, nf
                d_comp[nd], d_date[nd], d_rem[nd] = C_INTEREST, day, amount - excess
                nd += 1
            if amount != 0 and want:
                f_date[nf], f_kind[nf], f_comp[nf], f_amount[nf] = (
                    day,
                    FL_INTEREST_DUE,
                    C_INTEREST,
                    amount,
                )
                nf += 1
            q, n, posted, uq, un = 0, 0, 0, 0, 0
        elif which == 3:
            p_res += 1
            previous = rate if (rate != NONE and day > start) else NONE
            rate = quote(row, day, previous, idx_off, fx_date, fx_rate)
            if rate == NONE:
                return MISSING_FIXING, nf
            if rate < 0:
                return NEGATIVE_RATE, nf
            if rate > MAX_RATE:
                return OUT_OF_RANGE, nf
        elif which == 4 or which == 5:
            if which == 4:
                p_rr += 1
            else:
                p_fr = 1
            if rate != NONE:
                balance = _principal_outstanding(pnd, d_comp, d_rem, nd)
                payment, fine = _level_payment(
                    row, day, inst, done, balance, rate, q, n, accrued_to
                )
                if not fine:
                    return NEAR_TIE, nf
        else:
            kind = ev_kind[p_ev]
            amount = ev_amount[p_ev]
            p_ev += 1
            if kind == EV_FEE:
                if amount != 0:
                    if nd >= cap:
                        return CAPACITY, nf
                    d_comp[nd], d_date[nd], d_rem[nd] = C_FEE, day, amount
                    nd += 1
                    if want:
                        f_date[nf], f_kind[nf], f_comp[nf], f_amount[nf] = (
                            day,
                            FL_FEE,
                            C_FEE,
                            amount,
                        )
                        nf += 1
            elif kind == EV_PAYMENT:
                if late_rate != NONE:
                    charge = rounded(lq, ln) - late_posted
                    if charge > 0:
                        late_posted += charge
                        if nd >= cap:
                            return CAPACITY, nf
                        d_comp[nd], d_date[nd], d_rem[nd] = C_LATE, day, charge
                        nd += 1
                        if want:
                            f_date[nf], f_kind[nf], f_comp[nf], f_amount[nf] = (
                                day,
                                FL_LATE_CHARGE,
                                C_LATE,
                                charge,
                            )
                            nf += 1
                left, nd = _apply_funds(row, day, amount, d_comp, d_date, d_rem, nd)
                unapplied += left
            else:  # prepayment
                if amount > pnd:
                    pos[0], pos[1] = amount, pnd
                    return REFUSED, nf
                left = amount
                if row[F_PREPAY_DIRECT] != 0:
                    lo, hi, step = next_installment, n_inst, 1
                else:
                    lo, hi, step = n_inst - 1, next_installment - 1, -1
                i = lo
                while i != hi:
                    if left <= 0:
                        break
                    have = amounts[i]
                    if have > 0:
                        cut = min(have, left)
                        amounts[i] = have - cut
                        left -= cut
                    i += step
                pnd -= amount
        # settle: as it falls due (ACTUS view), or from unapplied funds once the day's last
        # due has fallen due (decided when the next step is known, above)
        if assume_paid:
            if nd > 0:
                total = 0
                for j in range(nd):
                    total += d_rem[j]
                _, nd = _apply_funds(row, day, total, d_comp, d_date, d_rem, nd)
        else:
            pending = day
    # as of ``until``: accrue, post late charges, settle
    if accrued_to != NONE:
        if until > accrued_to:
            balance = _principal_outstanding(pnd, d_comp, d_rem, nd)
            if rate != NONE and balance != 0:
                if balance > MAX_BALANCE:
                    return OUT_OF_RANGE, nf
                q, n = accrue_span(q, n, balance * rate, row[F_DC], accrued_to, until)
                posted = rounded(q, n)
                if usury != NONE and rate > usury:
                    a = balance * (rate - usury)
                    uq, un = accrue_span(uq, un, a, row[F_DC], accrued_to, until)
            if late_rate != NONE:
                for j in range(nd):
                    if d_comp[j] == C_LATE or d_rem[j] <= 0 or d_date[j] >= until:
                        continue
                    if d_rem[j] > MAX_BALANCE:
                        return OUT_OF_RANGE, nf
                    since = max(accrued_to, d_date[j])
                    lq, ln = accrue_span(lq, ln, d_rem[j] * late_rate, row[F_LATE_DC], since, until)
            accrued_to = until
        if late_rate != NONE:
            charge = rounded(lq, ln) - late_posted
            if charge > 0:
                late_posted += charge
                if nd >= cap:
                    return CAPACITY, nf
                d_comp[nd], d_date[nd], d_rem[nd] = C_LATE, until, charge
                nd += 1
                if want:
                    f_date[nf], f_kind[nf], f_comp[nf], f_amount[nf] = (
                        until,
                        FL_LATE_CHARGE,
                        C_LATE,
                        charge,
                    )
                    nf += 1
        if nd > 0:
            if assume_paid:
                total = 0
                for j in range(nd):
                    total += d_rem[j]
                _, nd = _apply_funds(row, until, total, d_comp, d_date, d_rem, nd)
            elif unapplied > 0:
                unapplied, nd = _apply_funds(row, until, unapplied, d_comp, d_date, d_rem, nd)
    pos[P_PRINCIPAL_NOT_DUE] = pnd
    pos[P_INTEREST_ACCRUED] = posted
    pos[P_UNAPPLIED] = unapplied
    pos[P_PAYMENT] = payment
    for j in range(nd):
        c = d_comp[j]
        if c == C_PRINCIPAL:
            pos[P_PRINCIPAL_DUE] += d_rem[j]
        elif c == C_INTEREST:
            pos[P_INTEREST_DUE] += d_rem[j]
        elif c == C_LATE:
            pos[P_LATE_CHARGES] += d_rem[j]
        else:
            pos[P_FEES] += d_rem[j]
        if want:
            if nf >= f_date.shape[0]:
                return CAPACITY, nf
            f_date[nf], f_kind[nf], f_comp[nf], f_amount[nf] = (
                d_date[j],
                FL_OPEN_DUE,
                c,
                d_rem[j],
            )
            nf += 1
    return OK, nf


@njit(cache=True, parallel=True)
def run_many(
    loans: np.ndarray,
    ev_off: np.ndarray,
    ev_date: np.ndarray,
    ev_kind: np.ndarray,
    ev_amount: np.ndarray,
    idx_off: np.ndarray,
    fx_date: np.ndarray,
    fx_rate: np.ndarray,
    nxt: np.ndarray,
    prv: np.ndarray,
    base: int,
    untils: np.ndarray,
    assume_paid: bool,
    fl_off: np.ndarray,
    pos: np.ndarray,
    status: np.ndarray,
    f_date: np.ndarray,
    f_kind: np.ndarray,
    f_comp: np.ndarray,
    f_amount: np.ndarray,
    f_count: np.ndarray,
) -> None:
    """Every loan (rows of ``loans``) to its date in ``untils``, in parallel over loans.
    Events of loan i are ``ev_*[ev_off[i]:ev_off[i+1]]`` (in step order); its flows go to
    ``f_*[fl_off[i]:fl_off[i+1]]`` (an empty range: no flows)."""
    for i in prange(loans.shape[0]):
        a, b = ev_off[i], ev_off[i + 1]
        fa, fb = fl_off[i], fl_off[i + 1]
        s, k = run_one(
            loans[i],
            ev_date[a:b],
            ev_kind[a:b],
            ev_amount[a:b],
            idx_off,
            fx_date,
            fx_rate,
            nxt,
            prv,
            base,
            untils[i],
            assume_paid,
            pos[i],
            f_date[fa:fb],
            f_kind[fa:fb],
            f_comp[fa:fb],
            f_amount[fa:fb],
        )
        status[i] = s
        f_count[i] = k


@njit(cache=True, parallel=True)
def flow_capacity(loans: np.ndarray, ev_off: np.ndarray, untils: np.ndarray) -> np.ndarray:
    """An upper bound on the flows each loan writes: every installment, interest date, event,
    late charge and open amount due."""
    out = np.empty(loans.shape[0], np.int64)
    for i in prange(loans.shape[0]):
        row = loans[i]
        n_inst = 1 if row[F_AMORT] == AM_BULLET else row[F_S_COUNT]
        end = max(row[F_MATURITY], untils[i])
        n_int = max(_months_between(row[F_I_ANCHOR], end) // row[F_I_MONTHS], 0) + 4
        n_ev = ev_off[i + 1] - ev_off[i]
        out[i] = 2 * (n_inst + n_int + 2 * n_ev + 4)
    return out


@njit(cache=True, parallel=True)
def compact(
    fl_off: np.ndarray,
    f_count: np.ndarray,
    keep: np.ndarray,
    f_date: np.ndarray,
    f_kind: np.ndarray,
    f_comp: np.ndarray,
    f_amount: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The flows written by the loans with ``keep`` set, contiguous: (loan number, date,
    kind, component, amount)."""
    n = f_count.shape[0]
    out_off = np.zeros(n + 1, np.int64)
    for i in range(n):
        out_off[i + 1] = out_off[i] + (f_count[i] if keep[i] else 0)
    total = out_off[n]
    o_loan = np.empty(total, np.int64)
    o_date = np.empty(total, np.int64)
    o_kind = np.empty(total, np.int8)
    o_comp = np.empty(total, np.int8)
    o_amount = np.empty(total, np.int64)
    for i in prange(n):
        a = fl_off[i]
        o = out_off[i]
        for j in range(out_off[i + 1] - o):
            o_loan[o + j] = i
            o_date[o + j] = f_date[a + j]
            o_kind[o + j] = f_kind[a + j]
            o_comp[o + j] = f_comp[a + j]
            o_amount[o + j] = f_amount[a + j]
    return o_loan, o_date, o_kind, o_comp, o_amount
