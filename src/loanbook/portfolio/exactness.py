"""The portfolio engine checked against the exact engine, loan by loan, to the cent.

``compare`` runs every loan through ``engine.run_loan`` from the same row and requires the
same position (every amount of ``engine.Position``) and the same flows (each interest and
principal amount due, late charge and fee, with its date, and every amount left due). Used by
the property test and by ``benchmarks/portfolio.py --exactness``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from loanbook.engine import run_loan
from loanbook.engine.history import TermsHistory
from loanbook.errors import LoanbookError
from loanbook.portfolio import form
from loanbook.portfolio.engine import (
    POSITION_COLUMNS,
    REFUSED_BY_EXACT,
    _from_result,
    lifetime_end,
    run_portfolio,
)


@dataclass(frozen=True)
class Comparison:
    loans: int  # loans compared
    by_kernel: int  # of which the kernel computed
    flows: int  # flows compared
    differences: tuple[str, ...]  # one line per loan that differs


def compare(
    loans: pa.Table,
    events: pa.Table,
    fixings: pa.Table,
    until: date | None,
    *,
    assume_paid: bool = False,
) -> Comparison:
    result = run_portfolio(loans, events, fixings, until, flows=True, assume_paid=assume_paid)
    assert result.flows is not None
    market = form.market_of(fixings)
    by_loan: dict[str, list[dict[str, object]]] = defaultdict(list)
    for ev in events.to_pylist():
        by_loan[str(ev["loan"])].append(ev)
    flow_no = result.flows.column("loan_no").to_numpy()
    f_date = result.flows.column("date").cast(pa.int32()).to_numpy()
    f_kind = result.flows.column("kind").combine_chunks().indices.to_numpy()
    f_comp = result.flows.column("component").combine_chunks().indices.to_numpy()
    f_amount = result.flows.column("amount_cents").to_numpy()
    bounds = np.searchsorted(flow_no, np.arange(loans.num_rows + 1))
    methods = result.loans.column("method").to_pylist()
    positions = np.stack(
        [result.loans.column(f"{c}_cents").to_numpy() for c in POSITION_COLUMNS], axis=1
    )
    diffs: list[str] = []
    n_flows = 0
    for i, row in enumerate(loans.to_pylist()):
        try:
            res = run_loan(
                TermsHistory.single(form.terms_of(row)),
                form.events_of(by_loan.get(row["loan"], [])),
                market,
                until or lifetime_end(row),
                assume_paid=assume_paid,
            )
        except LoanbookError:
            if methods[i] != REFUSED_BY_EXACT:
                diffs.append(f"{row['loan']}: the exact engine refuses, the portfolio does not")
            continue
        pos, flows = _from_result(res)
        a, b = bounds[i], bounds[i + 1]
        mine = sorted(
            zip(
                f_date[a:b].tolist(),
                f_kind[a:b].tolist(),
                f_comp[a:b].tolist(),
                f_amount[a:b].tolist(),
                strict=True,
            )
        )
        theirs = sorted(flows)
        n_flows += len(theirs)
        if list(positions[i]) != list(pos[:7]) or mine != theirs:
            diffs.append(
                f"{row['loan']} ({methods[i]}): position {list(positions[i])} vs exact "
                f"{list(pos[:7])}; flows differ: {sorted(set(mine) ^ set(theirs))[:6]}"
            )
    return Comparison(loans.num_rows, methods.count("portfolio"), n_flows, tuple(diffs))
