"""Loanbook: commercial financing agreements as executable, clause-cited terms.

The domain core (``money``, ``time``, ``rates``, ``terms``, ``engine``, ``ledger``) is pure:
no I/O, no framework. Storage, CLI and adapters depend on it, never the other way.
"""

__version__ = "0.1.0"
