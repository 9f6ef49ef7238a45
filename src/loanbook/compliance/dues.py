"""Amounts due and when they were paid, read from the engine's ledger lines.

The engine posts each amount falling due as a debit to a *due* account (``principal_due``,
``interest_due``, ...) on its due date and each payment applied to it as a credit. Matching
credits to debits first in, first out per account gives, for every amount due, the date the
last cent of it was paid: the overdue items a payment default is judged on.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from loanbook.compliance.inputs import Due
from loanbook.ledger.lines import Account, LedgerLine

DUE_ACCOUNTS = {
    Account.PRINCIPAL_DUE: "principal",
    Account.INTEREST_DUE: "interest",
    Account.LATE_CHARGE_RECEIVABLE: "late_charge",
    Account.FEE_RECEIVABLE: "fee",
}


def dues_from_lines(lines: Iterable[LedgerLine]) -> tuple[Due, ...]:
    """Every amount due on the lines' loan, with the date it was paid in full (if it was)."""
    open_items: dict[Account, list[list[object]]] = {a: [] for a in DUE_ACCOUNTS}
    done: list[Due] = []
    ordered = sorted(enumerate(lines), key=lambda p: (p[1].date, p[0]))
    for _, line in ordered:
        if line.debit in DUE_ACCOUNTS and line.amount > 0:
            open_items[line.debit].append([line, line.amount])
        if line.credit in DUE_ACCOUNTS:
            left = line.amount
            queue = open_items[line.credit]
            while left > 0 and queue:
                first = queue[0]
                remaining = first[1]
                assert isinstance(remaining, Decimal)
                taken = min(left, remaining)
                first[1] = remaining - taken
                left -= taken
                if first[1] == 0:
                    queue.pop(0)
                    done.append(_due(first[0], line.credit, line.date))
    for account, queue in open_items.items():
        done.extend(_due(item[0], account, None) for item in queue)
    return tuple(sorted(done, key=lambda d: (d.loan, d.due_date, d.component)))


def _due(line: object, account: Account, settled: object) -> Due:
    assert isinstance(line, LedgerLine)
    return Due(
        line.loan,
        DUE_ACCOUNTS[account],
        line.date,
        line.amount,
        settled,  # type: ignore[arg-type]
        line.cite,
    )
