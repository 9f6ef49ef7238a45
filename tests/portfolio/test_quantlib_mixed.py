"""The mixed book's QuantLib peer (``benchmarks/quantlib_mixed.py``) computes the portfolio
engine's cash flows where its model is the engine's: fixed rates, level principal or bullet,
no calendar, no end-of-month rule. (Elsewhere it is QuantLib's simpler model of the loan, in
its own favour: the benchmark's speed ratio, not a cross-check.)"""

from __future__ import annotations

import numpy as np
import pytest
from benchmarks.quantlib_mixed import MixedPeer

from loanbook.portfolio import generate
from loanbook.portfolio.engine import lifetime_flows, lifetime_prepared


@pytest.mark.parametrize("seed", [3, 17])
def test_quantlib_gives_the_engines_cents_where_its_model_is_the_engines(seed: int) -> None:
    fixings = generate.fixings(seed)
    loans, _ = generate.loans_and_events(600, seed)
    cents = np.zeros(loans.num_rows, np.int64)
    for chunk in lifetime_flows(lifetime_prepared(loans, fixings)):
        np.add.at(
            cents, chunk.column("loan_no").to_numpy(), chunk.column("amount_cents").to_numpy()
        )
    peer = MixedPeer(fixings)
    checked = 0
    for i, r in enumerate(loans.to_pylist()):
        same = r["amortization"] != "level_payment" and not r["rate_index"]
        if not same or r["schedule_eom"] or r["calendar"] != "none":
            continue
        count, total = peer.flows(r)
        # QuantLib's amounts are not rounded to the cent: at most half a cent a flow apart
        assert abs(total * 100 - cents[i]) <= count / 2, r["loan"]
        checked += 1
    assert checked >= 20
