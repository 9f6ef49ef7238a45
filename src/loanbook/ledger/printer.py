"""The ledger as text a loan officer reads: one posting a line (date, what, amount, the
accounts debited and credited, the clause), its explanation indented below, then the term
that produced the amount and the event that caused it.

Golden book tests compare this text with the expected ledger, so it is stable: amounts with
thousands separators and two decimals, columns of fixed width, nothing that depends on the
terminal."""

from __future__ import annotations

from collections.abc import Iterable

from loanbook.ledger.lines import LedgerLine


def format_line(line: LedgerLine) -> list[str]:
    """One posting: the figure line, then its memo (if any) indented."""
    what = line.kind.value.replace("_", " ")
    component = line.component.replace("_", " ")
    if component and component not in what:
        what = f"{what} ({component})"
    head = (
        f"{line.date.isoformat()}  {what:<32} {line.amount:>16,.2f}  "
        f"Dr {line.debit.value:<22} Cr {line.credit.value:<22} {line.cite}"
    )
    out = [head.rstrip()]
    if line.memo:
        out.append(f"            {line.memo}")
    out.append(f"            term {line.term or '-'}; event {line.event}")
    return out


def format_ledger(lines: Iterable[LedgerLine]) -> str:
    """Every posting in order, as text ending with a newline (empty ledger: empty text)."""
    out: list[str] = []
    for line in lines:
        out.extend(format_line(line))
    return "".join(f"{text}\n" for text in out)
