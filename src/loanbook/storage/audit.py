"""``loanbook check``: the proof that the stored ledger is right.

1. Every posting balances (its debit entries equal its credit entries, in cents, in SQL),
   and so does the whole book.
2. Every reversal reverses an existing, unreversed posting of the same loan, line for line.
3. Replay: for every loan, the postings in force equal, line for line, what the engine
   produces from exactly what the book knew when it closed the loan's last day.
4. An index has one rate a date: a book stored before fixings were checked may hold two
   (a fixings file row and a fixing event, or two fixing events), of which the engines
   silently take one; each is listed with where it is.
Loans the book has learned something about since (a backdated event not yet run) are listed
as pending: the next ``loanbook run`` posts their corrections.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, case, func, select

from loanbook.errors import LoanbookError
from loanbook.ledger.lines import LedgerLine
from loanbook.money import fmt
from loanbook.storage.close import LoanState, knowledge_now, last_closes
from loanbook.storage.documents import document_problems
from loanbook.storage.postings import StoredPosting, active, load_postings, reversal
from loanbook.storage.schema import EntryRow, PostingRow
from loanbook.storage.store import Store, Watermark


@dataclass
class CheckReport:
    postings: int = 0
    debits_cents: int = 0
    credits_cents: int = 0
    unbalanced: list[str] = field(default_factory=list)
    bad_reversals: list[str] = field(default_factory=list)
    replay_mismatches: dict[str, list[str]] = field(default_factory=dict)
    loans_checked: int = 0
    pending: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # stored documents that do not stand
    fixings: list[str] = field(default_factory=list)  # an index and date with two rates

    @property
    def ok(self) -> bool:
        return (
            not self.documents
            and not self.fixings
            and not self.unbalanced
            and not self.bad_reversals
            and not self.replay_mismatches
            and self.debits_cents == self.credits_cents
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "postings": self.postings,
            "debits": fmt(_money(self.debits_cents)),
            "credits": fmt(_money(self.credits_cents)),
            "unbalanced": self.unbalanced,
            "bad_reversals": self.bad_reversals,
            "loans_checked": self.loans_checked,
            "replay_mismatches": self.replay_mismatches,
            "pending": self.pending,
            "documents": self.documents,
            "fixings": self.fixings,
        }


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def check(store: Store, replay: bool = True) -> CheckReport:
    report = CheckReport()
    with store.read() as conn:
        _balances(conn, report)
        postings = load_postings(conn)
        report.postings = len(postings)
        _reversals(postings, report)
        report.documents = document_problems(conn, store)  # incl. compliance (documents.py)
        market_only = store.view(conn, with_events=False, documents=False)
        report.fixings = market_only.fixings_seen().conflicts()
        if replay:
            _replay(conn, store, postings, report)
    return report


def _balances(conn: Connection, report: CheckReport) -> None:
    debit = func.sum(case((EntryRow.side == "debit", EntryRow.amount_cents), else_=0))
    credit = func.sum(case((EntryRow.side == "credit", EntryRow.amount_cents), else_=0))
    total_d, total_c = conn.execute(select(debit, credit)).one()
    report.debits_cents, report.credits_cents = int(total_d or 0), int(total_c or 0)
    per_posting = (
        select(EntryRow.loan, EntryRow.posted_on, EntryRow.seq, debit.label("d"), credit.label("c"))
        .group_by(EntryRow.loan, EntryRow.posted_on, EntryRow.seq)
        .subquery()
    )
    rows = conn.execute(
        select(
            PostingRow.loan, PostingRow.posted_on, PostingRow.seq, per_posting.c.d, per_posting.c.c
        )
        .outerjoin(
            per_posting,
            (per_posting.c.loan == PostingRow.loan)
            & (per_posting.c.posted_on == PostingRow.posted_on)
            & (per_posting.c.seq == PostingRow.seq),
        )
        .where(
            (per_posting.c.d.is_(None))
            | (per_posting.c.d != per_posting.c.c)
            | (per_posting.c.d <= 0)
        )
    ).all()
    for r in rows:
        report.unbalanced.append(
            f"{r.loan} {r.posted_on} #{r.seq}: debits {_money(int(r.d or 0))} "
            f"!= credits {_money(int(r.c or 0))}"
        )


def _reversals(postings: list[StoredPosting], report: CheckReport) -> None:
    by_ref = {(p.loan, p.ref): p for p in postings}
    seen: dict[tuple[str, tuple[date, int]], StoredPosting] = {}
    for p in postings:
        if p.reverses is None:
            continue
        where = f"{p.loan} {p.posted_on} #{p.seq}"
        original = by_ref.get((p.loan, p.reverses))
        if original is None:
            report.bad_reversals.append(f"{where}: reverses a posting that does not exist")
        elif original.reverses is not None:
            report.bad_reversals.append(f"{where}: reverses a reversal")
        elif reversal(original.line) != p.line:
            report.bad_reversals.append(f"{where}: is not the reverse of what it reverses")
        elif (p.loan, p.reverses) in seen:
            report.bad_reversals.append(f"{where}: reverses a posting already reversed")
        seen[(p.loan, p.reverses)] = p


def _replay(
    conn: Connection, store: Store, postings: list[StoredPosting], report: CheckReport
) -> None:
    states = last_closes(conn)
    by_loan: dict[str, list[StoredPosting]] = defaultdict(list)
    for p in postings:
        by_loan[p.loan].append(p)
    for loan in sorted(set(by_loan) - set(states)):
        report.replay_mismatches[loan] = ["postings for a loan that was never closed"]
    now_upto = store.watermark(conn)
    current, base = knowledge_now(conn, now_upto)
    groups: dict[Watermark, list[tuple[str, LoanState]]] = defaultdict(list)
    for loan, state in sorted(states.items()):
        groups[state.knowledge.watermark].append((loan, state))
        if not state.knowledge.same_inputs(current.get(loan, base)):
            report.pending.append(loan)
    for upto, items in groups.items():
        view = store.view(conn, upto=upto)
        then, then_base = knowledge_now(conn, upto)
        for loan, state in items:
            report.loans_checked += 1
            if not then.get(loan, then_base).same_inputs(state.knowledge):
                # An event with an earlier id committed after the close read the log.
                if loan not in report.pending:
                    report.pending.append(loan)
                continue
            stored = [p.line for p in active(by_loan.get(loan, []))]
            try:
                replayed = list(view.run(loan, state.day, daily=True).lines)
            except LoanbookError as exc:
                report.replay_mismatches[loan] = [f"replay failed: {i}" for i in exc.issues]
                continue
            diff = _diff(stored, replayed)
            if diff:
                report.replay_mismatches[loan] = diff


def _diff(stored: list[LedgerLine], replayed: list[LedgerLine], limit: int = 10) -> list[str]:
    have, want = Counter(stored), Counter(replayed)
    out = [f"stored, not in replay: {_show(line)}" for line in (have - want).elements()]
    out += [f"in replay, not stored: {_show(line)}" for line in (want - have).elements()]
    return out[:limit] + ([f"... {len(out) - limit} more"] if len(out) > limit else [])


def _show(line: LedgerLine) -> str:
    return (
        f"{line.date} {line.kind.value} {line.amount} {line.debit.value}/{line.credit.value} "
        f"{line.event} ({line.cite})"
    )
