# mypy: disable-error-code="no-any-return"
"""The kernel's run of each loan: one pass over its timeline in integer cents, resumable.

It reproduces ``engine.run_loan`` (``daily=False``) for the loans ``portfolio.form`` accepts,
step by step, in the exact engine's order (``engine.steps``): the advance, installments of
principal, interest due, fees, payments by the waterfall, prepayments, rate resets and the
level payment computed again (the arithmetic is described in ``kernel``).

A run to a date leaves, besides the position, the loan's *state*: everything the pass holds
after the last step on or before that date (principal, dues, the exact accrued numerators,
where each stream stands, the date of the next step). A later run to a later date may start
from it instead of from origination: it takes the same steps in the same order with the same
integers, so it gives what one run from origination gives, while a loan with no step in
between costs a few additions (its accrual and late charges to the new date). The position is
computed from a copy: accruing to the run's date and posting late charges there are not steps
and never enter the state. A state that no longer fits (a stream that would now hold an
earlier date) makes the loan run from origination again.

Loans run in blocks of ``BLOCK``, one block per thread at a time, each block with buffers
sized for its largest loan, so no loan allocates memory of its own.
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
    C_FEE,
    C_INTEREST,
    C_LATE,
    C_PRINCIPAL,
    CAPACITY,
    DC_ACT_365F,
    DEN,
    EV_FEE,
    EV_PAYMENT,
    F_AMORT,
    F_CAL,
    F_CONV,
    F_DC,
    F_I_ANCHOR,
    F_I_EOM,
    F_I_MONTHS,
    F_INDEX,
    F_INITIAL,
    F_INSTALLMENT,
    F_LATE,
    F_LATE_DC,
    F_MATURITY,
    F_PREPAY_DIRECT,
    F_PRINCIPAL,
    F_RECALC,
    F_START,
    F_USURY,
    F_WF_AFTER,
    F_WF_BEFORE,
    FL_FEE,
    FL_INTEREST_DUE,
    FL_LATE_CHARGE,
    FL_OPEN_DUE,
    FL_PRINCIPAL_DUE,
    K_ADVANCE,
    K_INTEREST,
    K_MATURITY,
    K_PAYMENT,
    K_PRINCIPAL,
    K_RECALC,
    K_RESET,
    MAX_BALANCE,
    MAX_RATE,
    MISSING_FIXING,
    NEAR_TIE,
    NEGATIVE_RATE,
    NONE,
    OK,
    OUT_OF_RANGE,
    P_FEES,
    P_INTEREST_ACCRUED,
    P_INTEREST_DUE,
    P_LATE_CHARGES,
    P_PAYMENT,
    P_PRINCIPAL_DUE,
    P_PRINCIPAL_NOT_DUE,
    P_UNAPPLIED,
    RATE_SCALE,
    REFUSED,
    accrue_civil,
    accrue_span,
    adjust,
    civil_from_days,
    installment_dates,
    interest_capacity,
    interest_dates,
    n_installments,
    next_cycle_after,
    next_reset_after,
    quote,
    reset_capacity,
    reset_dates,
    rounded,
    year_fraction_float,
)

BLOCK = 256  # loans per block (one thread, one set of buffers)
DUES_SLACK = 24  # room for open amounts due planned per loan (more: the loan runs again)
DAY_SLACK = 4  # the same for a loan run from its state: what it had and a few new ones

# state columns (one int64 row per loan); S_STATUS: HAS_STATE or NO_STATE, or UNCHANGED: the
# loan took no step, its state is the one it started from and was not written out
NO_STATE, HAS_STATE, UNCHANGED = 0, 1, 2
S_STATUS = 0
S_PND = 1
S_Q = 2
S_N = 3
S_POSTED = 4
S_LQ = 5
S_LN = 6
S_LATE_POSTED = 7
S_UQ = 8
S_UN = 9
S_UNAPPLIED = 10
S_RATE = 11
S_ACCRUED_TO = 12
S_NEXT_INST = 13
S_DONE = 14
S_PAYMENT = 15
S_P_ADV = 16
S_P_INST = 17
S_P_INT = 18
S_P_RES = 19
S_P_RR = 20
S_P_FR = 21
S_ND = 22
S_NEXT_DAY = 23  # no step before this date (a lower bound): the loan may skip to accruing
NS = 24


# -- helpers -----------------------------------------------------------------------------------
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
def _overdue(d_comp: np.ndarray, d_date: np.ndarray, d_rem: np.ndarray, nd: int, day: int) -> int:
    """The amounts due before ``day`` that bear late charges (all but late charges). Each was
    due on or before the last accrual date, so they all accrue over the same span, and one
    accrual of their sum is exactly the sum of their accruals."""
    total = 0
    for j in range(nd):
        if d_comp[j] != C_LATE and d_rem[j] > 0 and d_date[j] < day:
            total += d_rem[j]
    return total


@njit(cache=True)
def level_payment(
    row: np.ndarray,
    day: int,
    inst: np.ndarray,
    yf: np.ndarray,
    n_inst: int,
    done: int,
    balance: int,
    rate: int,
    q: int,
    n: int,
    accrued_to: int,
    lo: int = 0,
) -> tuple[int, bool]:
    """``contract._payment_recalc``: the level payment repaying the balance and the interest
    accrued to the next principal date in equal payments on the remaining principal dates
    (ACTUS annuity formula). Computed in floating point and rounded half-up; (0, False) when
    the value is within the float's error bound of a half cent (then only the exact engine
    may decide). ``yf[i]``: the year fraction from installment i-1 to i. ``lo``: an index
    every installment before which is already behind (a caller stepping through the
    installments knows it: at each reset the first still to come is nearly always the next
    one, where a bisection of every installment took a mispredicted branch per halving)."""
    # the installments still to come: those on or after ``day`` and after ``done``, a tail of
    # the dates (they are in order), found by bisection from ``lo``
    low = day if done == NONE else max(day, done + 1)
    first, hi = lo, n_inst
    if first < hi and inst[first] >= low:
        hi = first
    while first < hi:
        mid = (first + hi) // 2
        if inst[mid] < low:
            first = mid + 1
        else:
            hi = mid
    count = n_inst - first
    if count == 0:
        return balance + rounded(q, n), True
    dc = row[F_DC]
    r = rate / RATE_SCALE
    since = accrued_to if accrued_to != NONE else day
    accrued = q + n / DEN + balance * r * year_fraction_float(dc, since, inst[first])
    # running: the product of (1 + r yf) over the installments after ``first``; total: the
    # sum of its tails. Two installments a step: running * a and running * a * b are both
    # added as running * (a + a b), so each chain (running, total) takes one operation per
    # two installments where it took one per installment (a level payment recomputed at every
    # reset spends its time here). Every term is still a product of the same factors, each
    # with a rounding or two more at most: the bound below holds as before.
    running = 1.0
    total = 0.0
    i = n_inst - 1
    while i > first + 1:
        a = 1.0 + r * yf[i]
        ab = a * (1.0 + r * yf[i - 1])
        total += running * (a + ab)
        running *= ab
        i -= 2
    if i > first:
        running *= 1.0 + r * yf[i]
        total += running
    x = (balance + accrued) * running / (1.0 + total)
    whole = np.floor(x)
    # relative error of x: at most about (6 count + 10) units of 2^-53; allowed: thrice that
    bound = (8.0 * count + 32.0) * 2.3e-16 * abs(x) + 1e-9
    if abs(x - whole - 0.5) <= bound:
        return 0, False
    return int(whole) + (1 if x - whole > 0.5 else 0), True


@njit(cache=True)
def year_fractions(row: np.ndarray, inst: np.ndarray, n_inst: int, yf: np.ndarray) -> None:
    """``yf[i] = year_fraction_float(dc, inst[i - 1], inst[i])``, each date's civil date
    computed once where the day count needs it."""
    dc = row[F_DC]
    if dc <= DC_ACT_365F or n_inst < 2:
        for i in range(1, n_inst):
            yf[i] = year_fraction_float(dc, inst[i - 1], inst[i])
        return
    before = civil_from_days(inst[0])
    for i in range(1, n_inst):
        now = civil_from_days(inst[i])
        q, n = accrue_civil(0, 0, RATE_SCALE, dc, inst[i - 1], inst[i], before, now)
        yf[i] = q + n / DEN
        before = now


@njit(cache=True)
def _first_event_after(ev_date: np.ndarray, lo: int, hi: int, day: int) -> int:
    """Index of the first event of ``ev_date[lo:hi]`` (in date order) dated after ``day``
    (``hi``: none)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if ev_date[mid] <= day:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _no_event(ev_date: np.ndarray, a: int, z: int, since: int, until: int) -> bool:
    """No event of ``ev_date[a:z]`` (in date order) after ``since`` and on or before
    ``until``."""
    first = _first_event_after(ev_date, a, z, since)
    return first == z or ev_date[first] > until


# -- one loan ----------------------------------------------------------------------------------
@njit(cache=True)
def run_one(
    row: np.ndarray,
    ev_date: np.ndarray,
    ev_kind: np.ndarray,
    ev_amount: np.ndarray,
    ea: int,
    ez: int,
    idx_off: np.ndarray,
    fx_date: np.ndarray,
    fx_rate: np.ndarray,
    nxt: np.ndarray,
    prv: np.ndarray,
    base: int,
    until: int,
    assume_paid: bool,
    since: int,
    st_in: np.ndarray,
    am_in: np.ndarray,
    a0: int,
    du_in: np.ndarray,
    d0: int,
    keep_quiet: bool,
    pos: np.ndarray,
    st_out: np.ndarray,
    am_out: np.ndarray,
    du_out: np.ndarray,
    f_date: np.ndarray,
    f_kind: np.ndarray,
    f_comp: np.ndarray,
    f_amount: np.ndarray,
    fo: int,
    f_cap: int,
    inst: np.ndarray,
    ints: np.ndarray,
    resets: np.ndarray,
    amounts: np.ndarray,
    yf: np.ndarray,
    d_comp: np.ndarray,
    d_date: np.ndarray,
    d_rem: np.ndarray,
) -> tuple[int, int]:
    """Run one loan to ``until``; fill ``pos``, its state (``st_out``, the amounts of the
    installments not yet due in ``am_out``, the open dues in ``du_out``: rows of component,
    date, amount) and the flow buffers from ``fo`` (``f_cap`` rows; none: no flows); (status,
    flows written). Its events are ``ev_*[ea:ez]`` (all of them), its installments' amounts
    from ``am_in[a0]`` and its open dues from ``du_in[d0]``: whole arrays and offsets, not
    views, as for the flows (a view per loan costs two atomic updates of the array's reference
    count, which the threads contend for). With ``st_in[S_STATUS] == HAS_STATE`` the run starts
    from that state, as of ``since``. A loan with no step writes no state (``UNCHANGED``)
    unless ``keep_quiet``."""
    want = f_cap > 0
    nf = 0
    for j in range(pos.shape[0]):
        pos[j] = 0
    pos[P_PAYMENT] = NONE
    st_out[S_STATUS] = NO_STATE
    start = row[F_START]
    principal = row[F_PRINCIPAL]
    late_rate = row[F_LATE]
    usury = row[F_USURY]
    if principal > MAX_BALANCE or principal < 0 or late_rate > MAX_RATE:
        return OUT_OF_RANGE, 0
    n_inst = n_installments(row)
    n_ev = ez
    resume = st_in[S_STATUS] == HAS_STATE
    p_ev = _first_event_after(ev_date, ea, ez, since) if resume else ea
    # a loan with no step up to ``until`` only accrues: its streams are not needed
    quiet = resume and st_in[S_NEXT_DAY] > until and (p_ev == n_ev or ev_date[p_ev] > until)
    n_int = n_res = 0
    maturity_due = NONE
    first_recalc = NONE
    level = row[F_AMORT] == AM_LEVEL_PAYMENT
    again = level and row[F_RECALC] != 0
    cap = d_comp.shape[0]
    p_int_base = p_res_base = p_rr_base = 0
    if not quiet:
        if resume:
            # only the interest and reset dates after ``since`` (those before were taken);
            # and none may come before it that the run to ``since`` did not have (a cycle
            # date beyond its end moved back by a business-day rule): if one does, the loan
            # runs from origination
            end_then = max(since, row[F_MATURITY])
            end_now = max(until, row[F_MATURITY])
            if end_now > end_then:
                raw = next_cycle_after(
                    row[F_I_ANCHOR], row[F_I_MONTHS], row[F_I_EOM] != 0, end_then
                )
                if raw <= end_now and adjust(raw, row[F_CONV], row[F_CAL], nxt, prv, base) <= since:
                    resume = False
                    p_ev = ea
        # a loan run from its state reads no date of the installments it took before the last
        maturity_due = installment_dates(
            row, nxt, prv, base, inst, st_in[S_P_INST] if resume else 0
        )
        if maturity_due < 0:
            return OUT_OF_RANGE, 0
        after = since if resume else NONE
        n_int = interest_dates(row, until, nxt, prv, base, ints, after)
        if n_int < 0:
            return OUT_OF_RANGE, 0
        n_res = reset_dates(row, until, resets, after)
        if resume:
            p_int_base, p_res_base, p_rr_base = st_in[S_P_INT], st_in[S_P_RES], st_in[S_P_RR]
        if level and row[F_INSTALLMENT] <= 0 and n_inst > 0 and inst[0] - 1 > start:
            first_recalc = inst[0] - 1
    nd = 0
    if resume:
        pnd = st_in[S_PND]
        q, n, posted = st_in[S_Q], st_in[S_N], st_in[S_POSTED]
        lq, ln, late_posted = st_in[S_LQ], st_in[S_LN], st_in[S_LATE_POSTED]
        uq, un = st_in[S_UQ], st_in[S_UN]
        unapplied = st_in[S_UNAPPLIED]
        rate = st_in[S_RATE]
        accrued_to = st_in[S_ACCRUED_TO]
        next_installment = st_in[S_NEXT_INST]
        done = st_in[S_DONE]
        payment = st_in[S_PAYMENT]
        p_adv, p_inst, p_fr = st_in[S_P_ADV], st_in[S_P_INST], st_in[S_P_FR]
        p_int = p_res = p_rr = 0  # the streams hold only the dates after ``since``
        if quiet:
            p_int_base, p_res_base, p_rr_base = st_in[S_P_INT], st_in[S_P_RES], st_in[S_P_RR]
        nd = st_in[S_ND]
        if nd > cap:
            return CAPACITY, 0
        for j in range(nd):
            d_comp[j], d_date[j], d_rem[j] = du_in[d0 + j, 0], du_in[d0 + j, 1], du_in[d0 + j, 2]
        if not quiet:
            for i in range(n_inst):
                amounts[i] = am_in[a0 + i - p_inst] if i >= p_inst else 0
        next_day = st_in[S_NEXT_DAY]
    else:
        pnd = q = n = posted = lq = ln = late_posted = uq = un = unapplied = 0
        rate = accrued_to = done = NONE
        payment = NONE
        if level and row[F_INSTALLMENT] > 0:
            payment = row[F_INSTALLMENT]
        next_installment = p_adv = p_inst = p_int = p_res = p_rr = p_fr = 0
        next_day = NONE
        amort = row[F_AMORT]
        for i in range(n_inst):
            amounts[i] = -1  # level payment: computed when reached
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
    pending = NONE  # the date of a step whose settling waits for the next step's kind
    yf_ready = False  # the year fractions between installments, computed when first needed
    while not quiet:
        # the next step: the least (date, kind, seq) over the streams
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
        day = best // 1024 if which >= 0 else NONE
        if which < 0 or day > until:
            # the state: no step before the earliest date a stream may still give (streams
            # end at ``until``; beyond it, interest dates are cycle dates only, the maturity
            # being before: the next one moved to a business day)
            nxt_day = day if which >= 0 else BIG
            if p_int == n_int:
                after = next_cycle_after(
                    row[F_I_ANCHOR], row[F_I_MONTHS], row[F_I_EOM] != 0, max(until, row[F_MATURITY])
                )
                moved = adjust(after, row[F_CONV], row[F_CAL], nxt, prv, base)
                nxt_day = min(nxt_day, moved if moved >= 0 else until + 1)
            if p_res == n_res:
                r = next_reset_after(row, until)
                if r != NONE:
                    nxt_day = min(nxt_day, r)
            next_day = max(nxt_day, until + 1)
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
                late_base = _overdue(d_comp, d_date, d_rem, nd, day)
                if late_base > MAX_BALANCE:
                    return OUT_OF_RANGE, nf
                if late_base > 0:
                    lq, ln = accrue_span(
                        lq, ln, late_base * late_rate, row[F_LATE_DC], accrued_to, day
                    )
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
                        if not yf_ready:
                            year_fractions(row, inst, n_inst, yf)
                            yf_ready = True
                        payment, fine = level_payment(
                            row, day, inst, yf, n_inst, done, balance, rate, q, n, accrued_to
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
                        f_date[fo + nf], f_kind[fo + nf], f_comp[fo + nf], f_amount[fo + nf] = (
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
                f_date[fo + nf], f_kind[fo + nf], f_comp[fo + nf], f_amount[fo + nf] = (
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
                if not yf_ready:
                    year_fractions(row, inst, n_inst, yf)
                    yf_ready = True
                payment, fine = level_payment(
                    row, day, inst, yf, n_inst, done, balance, rate, q, n, accrued_to
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
                        f_date[fo + nf], f_kind[fo + nf], f_comp[fo + nf], f_amount[fo + nf] = (
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
                            f_date[fo + nf], f_kind[fo + nf], f_comp[fo + nf], f_amount[fo + nf] = (
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
    # the state after the last step on or before ``until`` (``S_ND`` says how much room the
    # dues need when they do not fit)
    written = keep_quiet or not quiet
    if written:
        st_out[S_ND] = nd
    else:
        st_out[S_STATUS] = UNCHANGED
    if written and nd <= du_out.shape[0] and n_inst - p_inst <= am_out.shape[0]:
        st_out[S_STATUS] = HAS_STATE
        st_out[S_PND] = pnd
        st_out[S_Q], st_out[S_N], st_out[S_POSTED] = q, n, posted
        st_out[S_LQ], st_out[S_LN], st_out[S_LATE_POSTED] = lq, ln, late_posted
        st_out[S_UQ], st_out[S_UN] = uq, un
        st_out[S_UNAPPLIED] = unapplied
        st_out[S_RATE] = rate
        st_out[S_ACCRUED_TO] = accrued_to
        st_out[S_NEXT_INST] = next_installment
        st_out[S_DONE] = done
        st_out[S_PAYMENT] = payment
        st_out[S_P_ADV], st_out[S_P_INST], st_out[S_P_INT] = p_adv, p_inst, p_int_base + p_int
        st_out[S_P_RES], st_out[S_P_RR] = p_res_base + p_res, p_rr_base + p_rr
        st_out[S_P_FR] = p_fr
        st_out[S_ND] = nd
        st_out[S_NEXT_DAY] = next_day
        for j in range(nd):
            du_out[j, 0], du_out[j, 1], du_out[j, 2] = d_comp[j], d_date[j], d_rem[j]
        if quiet:  # no step: the amounts as they were
            for i in range(n_inst - p_inst):
                am_out[i] = am_in[a0 + i]
        else:
            for i in range(p_inst, n_inst):
                am_out[i - p_inst] = amounts[i]
    # as of ``until``: accrue, post late charges, settle (on copies: not steps, not state)
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
                late_base = _overdue(d_comp, d_date, d_rem, nd, until)
                if late_base > MAX_BALANCE:
                    return OUT_OF_RANGE, nf
                if late_base > 0:
                    lq, ln = accrue_span(
                        lq, ln, late_base * late_rate, row[F_LATE_DC], accrued_to, until
                    )
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
                    f_date[fo + nf], f_kind[fo + nf], f_comp[fo + nf], f_amount[fo + nf] = (
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
            if nf >= f_cap:
                return CAPACITY, nf
            f_date[fo + nf], f_kind[fo + nf], f_comp[fo + nf], f_amount[fo + nf] = (
                d_date[j],
                FL_OPEN_DUE,
                c,
                d_rem[j],
            )
            nf += 1
    return OK, nf


# -- many loans --------------------------------------------------------------------------------
@njit(cache=True, parallel=True, nogil=True)
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
    since: int,
    st_in: np.ndarray,
    am_in_off: np.ndarray,
    am_in: np.ndarray,
    du_in_off: np.ndarray,
    du_in: np.ndarray,
    st_d: np.ndarray,
    am_d_off: np.ndarray,
    am_d: np.ndarray,
    du_d_off: np.ndarray,
    du_d: np.ndarray,
    src: np.ndarray,
    keep_quiet: np.ndarray,
    pos: np.ndarray,
    status: np.ndarray,
    st_out: np.ndarray,
    am_out_lo: np.ndarray,
    am_out_hi: np.ndarray,
    am_out: np.ndarray,
    du_out_lo: np.ndarray,
    du_out_hi: np.ndarray,
    du_out: np.ndarray,
    fl_off: np.ndarray,
    f_date: np.ndarray,
    f_kind: np.ndarray,
    f_comp: np.ndarray,
    f_amount: np.ndarray,
    f_count: np.ndarray,
) -> None:
    """Every loan (rows of ``loans``) to its date in ``untils``, blocks of loans in parallel.

    Events of loan i are ``ev_*[ev_off[i]:ev_off[i+1]]`` (in step order). Its state in:
    ``st_in[i]`` (``S_STATUS`` NO_STATE: from origination), the amounts of its installments
    not yet due ``am_in[am_in_off[i]:...]``, its open dues ``du_in[du_in_off[i]:...]`` (rows of
    component, date, amount); or, when ``src[i] >= 0``, row ``j = src[i]`` of the same arrays
    of a second state (``st_d[j]``, ``am_d[am_d_off[j]:...]``, ``du_d[du_d_off[j]:...]``: the
    loans that moved since the first). Its state out likewise: amounts in
    ``am_out[am_out_lo[i]:am_out_hi[i]]``, dues in ``du_out[du_out_lo[i]:du_out_hi[i]]`` (a
    loan whose dues need more room keeps no state; ``st_out[i, S_ND]`` says how much);
    ``st_out`` with no rows: keep no state; a loan with no step writes none (``UNCHANGED``)
    unless ``keep_quiet[i]``. Its flows go to ``f_*[fl_off[i]:fl_off[i+1]]``
    (an empty range: no flows)."""
    n = loans.shape[0]
    keep = st_out.shape[0] > 0
    n_blocks = (n + BLOCK - 1) // BLOCK
    for b in prange(n_blocks):
        lo = b * BLOCK
        hi = min(lo + BLOCK, n)
        # buffers for the largest loan of the block
        m_inst = m_int = m_res = m_due = 1
        for i in range(lo, hi):
            j = src[i]
            if j < 0:
                nd_in = du_in_off[i + 1] - du_in_off[i]
                has, next_day = st_in[i, S_STATUS] == HAS_STATE, st_in[i, S_NEXT_DAY]
            else:
                nd_in = du_d_off[j + 1] - du_d_off[j]
                has, next_day = st_d[j, S_STATUS] == HAS_STATE, st_d[j, S_NEXT_DAY]
            if (
                has
                and next_day > untils[i]
                and _no_event(ev_date, ev_off[i], ev_off[i + 1], since, untils[i])
            ):
                # ``run_one``'s quiet loan: its open dues and a late charge, no schedule
                m_due = max(m_due, nd_in + 4)
                continue
            row = loans[i]
            ni = n_installments(row)
            ci = interest_capacity(row, untils[i])
            m_inst = max(m_inst, ni)
            m_int = max(m_int, ci)
            m_res = max(m_res, reset_capacity(row, untils[i]))
            m_due = max(m_due, ni + ci + 2 * (ev_off[i + 1] - ev_off[i]) + 4 + nd_in)
        inst = np.empty(m_inst, np.int64)
        ints = np.empty(m_int, np.int64)
        resets = np.empty(m_res, np.int64)
        amounts = np.empty(m_inst, np.int64)
        yf = np.empty(m_inst, np.float64)
        d_comp = np.empty(m_due, np.int64)
        d_date = np.empty(m_due, np.int64)
        d_rem = np.empty(m_due, np.int64)
        spare = np.zeros(NS, np.int64)
        for i in range(lo, hi):
            a, z = ev_off[i], ev_off[i + 1]
            fa, fb = fl_off[i], fl_off[i + 1]
            j = src[i]
            if j < 0:
                si, ai, a0, du, d0 = st_in[i], am_in, am_in_off[i], du_in, du_in_off[i]
            else:
                si, ai, a0, du, d0 = st_d[j], am_d, am_d_off[j], du_d, du_d_off[j]
            if keep:
                so = st_out[i]
                ao = am_out[am_out_lo[i] : am_out_hi[i]]
                do = du_out[du_out_lo[i] : du_out_hi[i]]
            else:
                so = spare
                ao = am_out[0:0]
                do = du_out[0:0]
            s, k = run_one(
                loans[i],
                ev_date,
                ev_kind,
                ev_amount,
                a,
                z,
                idx_off,
                fx_date,
                fx_rate,
                nxt,
                prv,
                base,
                untils[i],
                assume_paid,
                since,
                si,
                ai,
                a0,
                du,
                d0,
                keep_quiet[i],
                pos[i],
                so,
                ao,
                do,
                f_date,
                f_kind,
                f_comp,
                f_amount,
                fa,
                fb - fa,
                inst,
                ints,
                resets,
                amounts,
                yf,
                d_comp,
                d_date,
                d_rem,
            )
            status[i] = s
            f_count[i] = k
            if s != OK:
                so[S_STATUS] = NO_STATE


@njit(cache=True, parallel=True)
def flow_capacity(loans: np.ndarray, ev_off: np.ndarray, untils: np.ndarray) -> np.ndarray:
    """An upper bound on the flows each loan writes: every installment, interest date, event,
    late charge and open amount due."""
    out = np.empty(loans.shape[0], np.int64)
    for i in prange(loans.shape[0]):
        row = loans[i]
        n_ev = ev_off[i + 1] - ev_off[i]
        out[i] = 2 * (n_installments(row) + interest_capacity(row, untils[i]) + 2 * n_ev + 4)
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
    first_loan: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The flows written by the loans with ``keep`` set, contiguous: (loan number, date,
    kind, component, amount); loan numbers count from ``first_loan``."""
    n = f_count.shape[0]
    out_off = np.zeros(n + 1, np.int64)
    for i in range(n):
        out_off[i + 1] = out_off[i] + (f_count[i] if keep[i] else 0)
    total = out_off[n]
    o_loan = np.empty(total, np.int64)
    o_date = np.empty(total, np.int32)
    o_kind = np.empty(total, np.int8)
    o_comp = np.empty(total, np.int8)
    o_amount = np.empty(total, np.int64)
    for i in prange(n):
        a = fl_off[i]
        o = out_off[i]
        for j in range(out_off[i + 1] - o):
            o_loan[o + j] = first_loan + i
            o_date[o + j] = f_date[a + j]
            o_kind[o + j] = f_kind[a + j]
            o_comp[o + j] = f_comp[a + j]
            o_amount[o + j] = f_amount[a + j]
    return o_loan, o_date, o_kind, o_comp, o_amount


@njit(cache=True, parallel=True, nogil=True)
def pack_state(
    loans: np.ndarray,
    st: np.ndarray,
    rows: np.ndarray,
    am_lo: np.ndarray,
    am: np.ndarray,
    du_lo: np.ndarray,
    du: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The state as stored, of the loans ``rows``: the amounts of installments not yet due and
    the open dues of each loan with a state, contiguous, with their offsets (loans without a
    state: none)."""
    n = rows.shape[0]
    a_off = np.zeros(n + 1, np.int64)
    d_off = np.zeros(n + 1, np.int64)
    for k in range(n):
        i = rows[k]
        has = st[i, S_STATUS] == HAS_STATE
        rest = n_installments(loans[i]) - st[i, S_P_INST] if has else 0
        a_off[k + 1] = a_off[k] + rest
        d_off[k + 1] = d_off[k] + (st[i, S_ND] if has else 0)
    a_out = np.empty(a_off[n], np.int64)
    d_out = np.empty((d_off[n], 3), np.int64)
    for k in prange(n):
        i = rows[k]
        a0, s0 = a_off[k], am_lo[i]
        for j in range(a_off[k + 1] - a0):
            a_out[a0 + j] = am[s0 + j]
        d0, t0 = d_off[k], du_lo[i]
        for j in range(d_off[k + 1] - d0):
            d_out[d0 + j, 0] = du[t0 + j, 0]
            d_out[d0 + j, 1] = du[t0 + j, 1]
            d_out[d0 + j, 2] = du[t0 + j, 2]
    return a_off, a_out, d_off, d_out


# Cached machine code compiled from other sources than these is dropped (jitcache says why).
jitcache.guard(
    sys.modules[__name__],
    (
        sys.modules["loanbook.portfolio.kernel"],
        sys.modules[__name__],
    ),
)
