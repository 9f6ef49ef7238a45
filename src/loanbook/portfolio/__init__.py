"""The portfolio engine: the exact engine's cents for many loans at once.

Columnar: loans, events and fixings are Arrow tables (``form``), run by a compiled kernel
(``kernel``, Numba) in integer cents with exact rational accrual and the one rounding rule.
Loans the kernel does not cover, or cannot settle exactly in 64 bits, are run by the exact
engine (``engine.run_loan``) instead, so every figure is the exact engine's figure. It
computes; the exact engine explains (ledger lines and citations for the loans someone looks at).
"""
