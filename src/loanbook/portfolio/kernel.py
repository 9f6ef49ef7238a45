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

import sys
import threading

import numpy as np
from numba import njit, prange

from loanbook.portfolio import jitcache

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
BIG = 1 << 62  # beyond every step key (date x 1024 + kind x 4 + seq)


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
def _civil_arith(z: int) -> tuple[int, int, int]:
    """The (year, month, day) of day number ``z`` (days from 1970-01-01), by arithmetic
    (Howard Hinnant's ``civil_from_days``)."""
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


def _civil_table(first: int, last: int) -> np.ndarray:
    """Each day's civil date from day ``first`` to ``last``, packed ``y << 9 | m << 5 | d``."""
    days = np.arange(first, last + 1).astype("datetime64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years).astype(np.int64) + 1
    d = (days - months).astype(np.int64) + 1
    return ((y << 9) | (m << 5) | d).astype(np.int32)


_CIVIL_FIRST = -25_567  # 1900-01-01
#: a table lookup in place of the arithmetic (about 47 ns a date against a few: the day counts
#: of the calendar need both ends of every accrual); dates outside 1900-2199 are computed
_CIVIL = _civil_table(_CIVIL_FIRST, 84_005)  # to 2199-12-31


@njit(cache=True, inline="always")
def civil_from_days(z: int) -> tuple[int, int, int]:
    """The (year, month, day) of day number ``z`` (days from 1970-01-01)."""
    j = z - _CIVIL_FIRST
    if 0 <= j < _CIVIL.shape[0]:
        v = int(_CIVIL[j])
        return v >> 9, (v >> 5) & 15, v & 31
    return _civil_arith(z)


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


@njit(cache=True, inline="always")
def adjust(day: int, conv: int, cal: int, nxt: np.ndarray, prv: np.ndarray, base: int) -> int:
    """The business-day convention ``conv`` on calendar ``cal`` (tables of the days to the
    next and to the previous business day); -1 when ``day`` is outside the tables."""
    if conv == CONV_NONE:
        return day
    i = day - base
    if i < 0 or i >= nxt.shape[1]:
        return -1
    ahead = nxt[cal, i]
    if ahead == 0:
        return day
    if conv == CONV_F:
        return day + ahead
    if conv == CONV_P:
        return day + prv[cal, i]
    y, m, _ = civil_from_days(day)
    if conv == CONV_MF:
        moved = day + ahead
        ym, mm, _ = civil_from_days(moved)
        return moved if (ym == y and mm == m) else day + prv[cal, i]
    moved = day + prv[cal, i]
    ym, mm, _ = civil_from_days(moved)
    return moved if (ym == y and mm == m) else day + ahead


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
    return accrue_civil(q, n, a, dc, s, e, civil_from_days(s), civil_from_days(e))


@njit(cache=True)
def accrue_civil(
    q: int,
    n: int,
    a: int,
    dc: int,
    s: int,
    e: int,
    sc: tuple[int, int, int],
    ec: tuple[int, int, int],
) -> tuple[int, int]:
    """``accrue_span`` by a day count of the calendar (actual/actual, 30/360, 30E/360), the
    civil dates of ``s`` and ``e`` given (a caller accruing date after date has them)."""
    sy = sc[0]
    ey = ec[0]
    if dc == DC_ACT_ACT:
        if sy == ey:
            return _add(q, n, a, e - s, 366 if is_leap(sy) else 365)
        q, n = _add(q, n, a, days_from_civil(sy + 1, 1, 1) - s, 366 if is_leap(sy) else 365)
        q, n = _add(q, n, a, ey - sy - 1, 1)
        return _add(q, n, a, e - days_from_civil(ey, 1, 1), 366 if is_leap(ey) else 365)
    return _add(q, n, a, days_30_360(dc, sc, ec), 360)


@njit(cache=True, inline="always")
def days_30_360(dc: int, sc: tuple[int, int, int], ec: tuple[int, int, int]) -> int:
    """The days from civil date ``sc`` to ``ec`` by 30/360 (``DC_30_360``, the US rule) or
    30E/360 (``DC_30E_360``)."""
    sy, sm, sd = sc
    ey, em, ed = ec
    d1 = min(sd, 30)
    d2 = (30 if ed == 31 and d1 == 30 else ed) if dc == DC_30_360 else min(ed, 30)
    return 360 * (ey - sy) + 30 * (em - sm) + (d2 - d1)


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
    return held(row, fixing, previous)


@njit(cache=True)
def held(row: np.ndarray, fixing: int, previous: int) -> int:
    """The floating rate of ``fixing`` (NONE: none) held by period caps, floor and cap."""
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
# Each stream is written into a caller's buffer (no allocation per loan) and is sorted by
# construction: cycle dates increase, and every business-day convention moves dates monotonically
# (a later raw date never lands before an earlier one's adjusted date), so no sort is needed.
@njit(cache=True)
def _months_between(a: int, b: int) -> int:
    ya, ma, _ = civil_from_days(a)
    yb, mb, _ = civil_from_days(b)
    return (yb - ya) * 12 + (mb - ma)


def _month_firsts(first_year: int, last_year: int) -> np.ndarray:
    """Day number of the 1st of every month from ``first_year`` to ``last_year`` and of the
    January after (so consecutive entries give each month's length)."""
    out = np.empty((last_year - first_year + 1) * 12 + 1, np.int64)
    for j in range(out.shape[0]):
        y, m = divmod(first_year * 12 + j, 12)
        out[j] = days_from_civil(y, m + 1, 1)
    return out


_FIRST_YEAR = 1900
#: a table lookup in place of two civil-date conversions per cycle date (most of the cost of
#: generating a loan's dates); dates outside these years are computed
_MONTH_FIRSTS = _month_firsts(_FIRST_YEAR, 2299)


@njit(cache=True, inline="always")
def _cycle_date(ya: int, ma: int, da: int, eom: bool, months: int) -> int:
    """``add_months`` of the anchor (ya, ma, da) by ``months``, its civil date known."""
    index = ya * 12 + ma - 1 + months
    j = index - _FIRST_YEAR * 12
    if 0 <= j < _MONTH_FIRSTS.shape[0] - 1:
        first = _MONTH_FIRSTS[j]
        length = _MONTH_FIRSTS[j + 1] - first
        return first - 1 + (length if eom else min(da, length))
    y2 = index // 12
    m2 = index - y2 * 12 + 1
    last = month_length(y2, m2)
    return days_from_civil(y2, m2, last if eom else min(da, last))


@njit(cache=True)
def next_cycle_after(anchor: int, months: int, eom: bool, day: int) -> int:
    """The first date ``add_cycle(anchor, months, i, eom)`` (i >= 0) after ``day``."""
    ya, ma, da = civil_from_days(anchor)
    eom = eom and da == month_length(ya, ma)
    i = max(_months_between(anchor, day) // months - 1, 0)
    while True:
        d = _cycle_date(ya, ma, da, eom, months * i)
        if d > day:
            return d
        i += 1


@njit(cache=True)
def n_installments(row: np.ndarray) -> int:
    return 1 if row[F_AMORT] == AM_BULLET else row[F_S_COUNT]


@njit(cache=True)
def installment_dates(
    row: np.ndarray, nxt: np.ndarray, prv: np.ndarray, base: int, out: np.ndarray, taken: int = 0
) -> int:
    """Due dates of the installments (``installments.principal_schedule``) into ``out``;
    returns the maturity date as the principal schedule moves it
    (``steps._maturity_due_date``), -1 when a date falls outside the business-day tables.

    ``taken``: installments already taken (a run from a state). Only the first date, the
    last one taken and those after are generated; the ones between read as the last taken
    (a run from a state never reads them but as dates on or before the last installment's)."""
    conv, cal = row[F_CONV], row[F_CAL]
    if row[F_AMORT] == AM_BULLET:
        out[0] = row[F_MATURITY]
        return row[F_MATURITY]
    count = row[F_S_COUNT]
    anchor = row[F_S_ANCHOR]
    ya, ma, da = civil_from_days(anchor)
    eom = row[F_S_EOM] != 0 and da == month_length(ya, ma)
    step = row[F_S_MONTHS]
    lo = min(max(taken - 1, 0), count)
    for i in range(count):
        if 0 < i < lo:
            continue
        d = adjust(_cycle_date(ya, ma, da, eom, step * i), conv, cal, nxt, prv, base)
        if d < 0:
            return -1
        out[i] = d
    for i in range(1, lo):
        out[i] = out[lo]
    return adjust(row[F_MATURITY], conv, cal, nxt, prv, base)


@njit(cache=True)
def interest_capacity(row: np.ndarray, until: int) -> int:
    end = max(row[F_MATURITY], until)
    return max(_months_between(row[F_I_ANCHOR], end) // row[F_I_MONTHS], 0) + 4


@njit(cache=True)
def interest_dates(
    row: np.ndarray,
    until: int,
    nxt: np.ndarray,
    prv: np.ndarray,
    base: int,
    out: np.ndarray,
    after: int = NONE,
) -> int:
    """``steps.interest_schedule`` into ``out`` (at least ``interest_capacity`` long): the
    cycle dates from its anchor up to the later of maturity and ``until``, and the maturity
    (closing a short stub), moved to business days, each date once; only those on or after
    the start. ``until`` is not an interest date in its own right: interest since the last one
    stays accrued, not due. Returns the count, -1 when a date is outside the tables. With
    ``after``: only the dates after it (generated from a little before it, not from the
    anchor: a cycle date moves by a few days at most)."""
    maturity = row[F_MATURITY]
    end = max(maturity, until)
    anchor = row[F_I_ANCHOR]
    months = row[F_I_MONTHS]
    conv, cal, start = row[F_CONV], row[F_CAL], row[F_START]
    ya, ma, da = civil_from_days(anchor)
    eom = row[F_I_EOM] != 0 and da == month_length(ya, ma)
    pending_maturity = maturity <= end
    k = 0
    i = 0
    low = start
    if after != NONE:
        i = max(_months_between(anchor, after) // months - 2, 0)
        low = max(start, after + 1)
    # Two simple loops: the raw dates in order (the maturity once, where it falls), then each
    # moved to a business day. One loop doing both measured three times slower: the business-
    # day rule's branches inside the generating loop's.
    while True:
        raw = _cycle_date(ya, ma, da, eom, months * i) if end >= anchor else end + 1
        if raw > end:
            raw = NONE
        if pending_maturity and (raw == NONE or maturity <= raw):
            if raw != maturity:  # a maturity that is a cycle date comes once
                out[k] = maturity
                k += 1
            pending_maturity = False
        if raw == NONE:
            break
        out[k] = raw
        k += 1
        i += 1
    m = 0
    for j in range(k):  # ``m <= j``: each date is read before its slot is written
        d = adjust(out[j], conv, cal, nxt, prv, base)
        if d < 0:
            return -1
        if d >= low and (m == 0 or out[m - 1] != d):
            out[m] = d
            m += 1
    return m


@njit(cache=True)
def _reset_anchor(row: np.ndarray) -> tuple[int, int, bool, int]:
    """(anchor, months, eom, lead) of the reset stream (``steps.reset_schedule``)."""
    start = row[F_START]
    if row[F_RESET] == RESET_PERIOD_START:
        anchor, months, eom, lead = start, 1, False, -1
        if row[F_PRULE] == PRULE_MONTH_END:
            first_eom = add_months(start, 0, True)
            if first_eom == start:
                eom = True
            else:
                lead, anchor, eom = start, first_eom, True
        return anchor, months, eom, lead
    anchor = row[F_R_ANCHOR] if row[F_R_ANCHOR] != NONE else start
    return anchor, row[F_R_MONTHS], is_month_end(anchor), -1


@njit(cache=True)
def has_resets(row: np.ndarray) -> bool:
    return row[F_RESET] != RESET_FIXED and row[F_INDEX] >= 0


@njit(cache=True)
def reset_capacity(row: np.ndarray, until: int) -> int:
    if not has_resets(row):
        return 0
    anchor, months, _, _ = _reset_anchor(row)
    return max(_months_between(anchor, until + 1) // months, 0) + 3


@njit(cache=True)
def reset_dates(row: np.ndarray, until: int, out: np.ndarray, after: int = NONE) -> int:
    """``steps.reset_schedule`` (period starts, or a cycle) up to ``until``, from the start,
    into ``out`` (at least ``reset_capacity`` long); returns the count. With ``after``: only
    the dates after it."""
    if not has_resets(row):
        return 0
    start = row[F_START]
    end = until + 1
    anchor, months, eom, lead = _reset_anchor(row)
    ya, ma, da = civil_from_days(anchor)
    eom = eom and da == month_length(ya, ma)
    k = 0
    if lead >= 0 and (after == NONE or lead > after):
        out[k] = lead
        k += 1
    low = start if after == NONE else max(start, after + 1)
    if end >= anchor:
        i = 0 if after == NONE else max(_months_between(anchor, after) // months - 1, 0)
        while True:
            d = _cycle_date(ya, ma, da, eom, months * i)
            if d >= end:
                break
            if d >= low:
                out[k] = d
                k += 1
            i += 1
    return k


@njit(cache=True)
def next_reset_after(row: np.ndarray, day: int) -> int:
    """The first reset date after ``day`` (resets are not moved to business days)."""
    if not has_resets(row):
        return NONE
    anchor, months, eom, _ = _reset_anchor(row)
    return max(next_cycle_after(anchor, months, eom, day), row[F_START])


# -- the loans' matrix -------------------------------------------------------------------------
_BLOCK = 1024  # loans per block of ``gather_rows``
#: One parallel kernel call at a time: they already use every core, and Numba's fallback
#: threading layer (workqueue) refuses calls from two threads at once. The kernels release the
#: GIL, so a thread running another partition reads, writes or runs the exact engine meanwhile.
KERNEL_LOCK = threading.Lock()


@njit(cache=True, parallel=True, nogil=True)
def gather_rows(columns: tuple[np.ndarray, ...], lo: int, hi: int, out: np.ndarray) -> None:
    """``out[i - lo, f] = columns[f][i]`` for the loans ``lo`` to ``hi``: the row-major
    (loan, field) matrix of one array per field, blocks of loans in parallel. A block reads
    each field's run in sequence and writes its rows while they are in the cache, and each
    thread faults in the pages of its own rows."""
    nf = len(columns)
    for b in prange((hi - lo + _BLOCK - 1) // _BLOCK):
        a = lo + b * _BLOCK
        z = min(a + _BLOCK, hi)
        for f in range(nf):
            values = columns[f]
            for i in range(a, z):
                out[i - lo, f] = values[i]


# Cached machine code compiled from other sources than these is dropped (jitcache says why).
jitcache.guard(sys.modules[__name__], (sys.modules[__name__],))
