"""The engine: terms and events in, clause-cited ledger lines out. Pure: no I/O."""

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.engine.history import TermsHistory
from loanbook.engine.installments import Installment
from loanbook.engine.result import CashFlow, LoanResult, Position, RateSegment
from loanbook.engine.run import run_loan

__all__ = [
    "CashFlow",
    "EventKind",
    "Installment",
    "LoanEvent",
    "LoanResult",
    "Position",
    "RateSegment",
    "TermsHistory",
    "run_loan",
]
