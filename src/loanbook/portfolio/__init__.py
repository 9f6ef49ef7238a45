"""The portfolio engine: the exact engine's cents for many loans at once.

Columnar: loans, events and fixings are Arrow tables (``form``), run by a compiled kernel
(``kernel``, Numba) in integer cents with exact rational accrual and the one rounding rule.
Loans the kernel does not cover, or cannot settle exactly in 64 bits, are run by the exact
engine (``engine.run_loan``) instead, so every figure is the exact engine's figure. It
computes; the exact engine explains (ledger lines and citations for the loans someone looks at).
"""

import os

# Numba's OpenMP threading layer keeps its idle threads spinning (libgomp's default ``active``
# wait) between parallel regions: between two chunks of lifetime flows, while Python builds
# the Arrow tables and the consumer reads them, an idle worker burned a core and a fifth of
# the run's CPU seconds (``benchmarks/README.md``). Passive waiting puts them to sleep; the
# kernels run a few long regions, so waking them costs nothing measurable. Read once, when
# libgomp loads (the first parallel kernel call); a value the user set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
