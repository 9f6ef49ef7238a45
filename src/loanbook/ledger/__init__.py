"""The ledger: dated, double-entry lines, each naming its event, term and clause."""

from loanbook.ledger.lines import Account, LedgerLine, LineKind, balances

__all__ = ["Account", "LedgerLine", "LineKind", "balances"]
