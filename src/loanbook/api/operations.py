"""The use cases of the API and the web pages, for one signed-in user.

Both front ends call these and nothing else: they add who is asking (tenancy, roles), the
four-eyes rule and HTTP-shaped errors around the same service layer the CLI uses
(``loanbook.services``, ``storage.reports``, ``storage.record``, ``storage.importer``).
No figure is computed here.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from loanbook import services
from loanbook.api.access import (
    Owners,
    Tenancy,
    can_approve,
    can_read,
    can_record_market,
    can_write,
    tenancy_of,
)
from loanbook.book import FAR_FUTURE, Book, TermDocument
from loanbook.compliance import service as compliance
from loanbook.compliance.calendar import CalendarItem
from loanbook.compliance.report import ComplianceReport
from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import Issue, LoanbookError
from loanbook.storage import reports
from loanbook.storage.access_tables import ApprovalRow
from loanbook.storage.close import last_closes
from loanbook.storage.importer import import_folder
from loanbook.storage.record import Incoming, check_events, describe_event, record_events, with_key
from loanbook.storage.store import KnownOn, Store, StoredEvent, now
from loanbook.storage.users import User
from loanbook.storage.view import BookView
from loanbook.terms.files import parse_term_file
from loanbook.terms.versioning import Change, history


# -- problems ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldProblem:
    field: str
    reason: str
    source: str = ""


class Problem(Exception):
    """An answer other than success: an HTTP status, a title and the fields at fault."""

    def __init__(
        self, status: int, title: str, detail: str = "", errors: list[FieldProblem] | None = None
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail or title
        self.errors = errors or []


def not_found(what: str) -> Problem:
    return Problem(404, "Not Found", f"no {what} (or not yours to see)")


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail)


def invalid(exc: LoanbookError) -> Problem:
    errors = [
        FieldProblem(i.field, i.reason, f"{i.file}:{i.line}" if i.line else i.file)
        for i in exc.issues
    ]
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
    return Problem(422, "Unprocessable Content", detail, errors)


@contextmanager
def problems() -> Iterator[None]:
    """A LoanbookError raised by the service layer becomes a 422 naming each field."""
    try:
        yield
    except LoanbookError as exc:
        raise invalid(exc) from None


@contextmanager
def dated(field: str = "as_of") -> Iterator[None]:
    """As ``problems``, and a date the engines cannot reach (a schedule run past 9999-12-31)
    is a 422 on the date asked, not a server error."""
    try:
        with problems():
            yield
    except (ValueError, OverflowError) as exc:
        raise Problem(
            422,
            "Unprocessable Content",
            f"{field}: {exc}",
            [FieldProblem(field, f"outside the dates the book can compute: {exc}")],
        ) from None


# -- settings ------------------------------------------------------------------------------
#: Writes held for a second user of the lender unless configured otherwise.
FOUR_EYES_KINDS = frozenset({"waiver", "acceleration", "correction", "default_rate", "document"})
DEFAULT_THRESHOLD = Decimal("1000000.00")
ELECTION_SUBJECTS = ("default_rate", "default_rate_end", "rollover", "conversion")


@dataclass(frozen=True)
class Settings:
    """What the server was started with: the four-eyes rule and where agreement texts are."""

    four_eyes: frozenset[str] = FOUR_EYES_KINDS
    payment_threshold: Decimal | None = DEFAULT_THRESHOLD
    texts: Path | None = None  # a book folder whose term files name their agreement texts


@dataclass(frozen=True)
class Outcome:
    """What a write did: recorded now (its event keys) or held for approval (its id)."""

    status: str  # recorded | already_recorded | pending | rejected
    keys: tuple[str, ...] = ()
    approval: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Approval:
    id: int
    lender: str
    loan: str
    kind: str
    summary: str
    reason: str
    maker: str
    made_at: str
    decision: str | None
    checker: str | None
    decided_at: str | None
    note: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoanRow:
    loan: str
    owners: Owners
    status: reports.LoanStatus


class Operations:
    """The book as one user may see and change it."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()
        self._tenancy: tuple[tuple[int, int], Tenancy] | None = None

    # -- the book as known on --------------------------------------------------------------
    def view(self, known_on: KnownOn = None) -> tuple[BookView, Tenancy]:
        """The book as known on ``known_on``, and who owns what (from the latest terms)."""
        with self.store.read() as conn:
            view = self.store.view(conn, known_on)
        return view, self.tenancy()

    def tenancy(self) -> Tenancy:
        """Owners of every loan and facility, recomputed only when a document is added."""
        with self.store.read() as conn:
            rows = self.store.document_rows(conn)
        mark = (len(rows), rows[-1][0] if rows else 0)
        cached = self._tenancy
        if cached is None or cached[0] != mark:
            cached = (mark, tenancy_of(Book(tuple(d for _, d in rows))))
            self._tenancy = cached
        return cached[1]

    def default_as_of(self) -> date:
        return reports.default_as_of(self.store)

    def closed_through(self) -> dict[str, date]:
        with self.store.read() as conn:
            return {loan: s.day for loan, s in last_closes(conn).items()}

    # -- reading, scoped -------------------------------------------------------------------
    def loan_owners(self, user: User, loan: str, tenancy: Tenancy | None = None) -> Owners:
        owners = (tenancy or self.tenancy()).loans.get(loan)
        if not can_read(user, owners):
            raise not_found(f"loan {loan!r}")
        assert owners is not None
        return owners

    def facility_owners(self, user: User, facility: str) -> Owners:
        owners = self.tenancy().facilities.get(facility)
        if not can_read(user, owners):
            raise not_found(f"facility {facility!r}")
        assert owners is not None
        return owners

    def loans(
        self, user: User, as_of: date, known_on: KnownOn = None, statements: bool = False
    ) -> list[LoanRow]:
        """The user's loans with their positions (read from the postings where they are
        current; ``statements``: every loan replayed, with its lines and dues)."""
        view, ten = self.view(known_on)
        mine = tuple(loan for loan in view.loans if can_read(user, ten.loans.get(loan)))
        with problems():
            found = reports.status(self.store, as_of, known_on, mine, statements)
        return [LoanRow(s.loan, ten.loans[s.loan], s) for s in found.loans]

    def facilities(self, user: User) -> list[tuple[str, Owners, tuple[str, ...]]]:
        ten = self.tenancy()
        return [
            (fid, owners, ten.facility_loans.get(fid, ()))
            for fid, owners in sorted(ten.facilities.items())
            if can_read(user, owners)
        ]

    def loan_book(self, user: User, loan: str, known_on: KnownOn) -> tuple[Book, BookView]:
        view, ten = self.view(known_on)
        self.loan_owners(user, loan, ten)
        if loan not in view.loans:  # defined only in terms recorded after known_on
            raise not_found(f"loan {loan!r} as known on {known_on}")
        return view.loan_book(loan), view

    def statement(
        self, user: User, loan: str, as_of: date, known_on: KnownOn = None
    ) -> services.Statement:
        book, view = self.loan_book(user, loan, known_on)
        with problems():
            return services.statement(book, loan, as_of, view.known_on)

    def schedule(self, user: User, loan: str, known_on: KnownOn = None) -> services.Schedule:
        book, view = self.loan_book(user, loan, known_on)
        if view.revolving_accounts(loan):
            raise Problem(
                422,
                "Unprocessable Content",
                f"{loan} is a revolving loan account: it has no installments",
                [FieldProblem("loan", "a revolving loan account has no installment schedule")],
            )
        with problems():
            return services.schedule(book, loan, view.known_on)

    def payoff(
        self, user: User, loan: str, as_of: date, known_on: KnownOn = None
    ) -> services.Payoff:
        book, view = self.loan_book(user, loan, known_on)
        with problems():
            return services.payoff(book, loan, as_of, view.known_on)

    def ledger(
        self, user: User, loan: str, as_of: date | None = None, known_on: KnownOn = None
    ) -> reports.Ledger:
        self.loan_owners(user, loan)
        with problems():
            return reports.ledger(self.store, loan, as_of, known_on)

    def terms(
        self, user: User, loan: str, as_of: date, known_on: KnownOn = None
    ) -> tuple[dict[str, Any], tuple[Change, ...]]:
        _, view = self.loan_book(user, loan, known_on)
        owners = self.tenancy().loans[loan]
        state = view.book.state(as_of, view.known_on)
        path = ("loans", loan) if loan in state["loans"] else ("revolvers", owners.facility)
        terms = state[path[0]].get(path[1], {})
        changes = tuple(
            c
            for c in history(view.book.assertions, ".".join(path))
            if c.effective <= as_of and (view.known_on is None or c.recorded <= view.known_on)
        )
        return terms, changes

    def history(self, user: User, loan: str, known_on: KnownOn = None) -> tuple[Change, ...]:
        _, view = self.loan_book(user, loan, known_on)
        owners = self.tenancy().loans[loan]
        prefix = f"loans.{loan}" if view.revolving_accounts(loan) == () else ""
        prefix = prefix or f"revolvers.{owners.facility}"
        return tuple(
            c
            for c in history(view.book.assertions, prefix)
            if view.known_on is None or c.recorded <= view.known_on
        )

    def events(self, user: User, loan: str, known_on: KnownOn = None) -> list[StoredEvent]:
        self.loan_owners(user, loan)
        with self.store.read() as conn:
            return self.store.stored_events(conn, known_on, loans=(loan,))

    def availability(
        self, user: User, facility: str, as_of: date, known_on: KnownOn = None
    ) -> services.Availability:
        self.facility_owners(user, facility)
        view, ten = self.view(known_on)
        if facility not in ten.revolvers:
            raise Problem(
                422,
                "Unprocessable Content",
                f"{facility} is not a revolving facility",
                [FieldProblem("facility", "availability applies to a revolving facility")],
            )
        with problems():
            return services.availability(
                view.facility_book(facility), facility, as_of, view.known_on
            )

    def commitment(
        self, user: User, facility: str, as_of: date, known_on: KnownOn = None
    ) -> dict[str, Any]:
        self.facility_owners(user, facility)
        view, _ = self.view(known_on)
        with problems():
            return services.commitment_json(
                services.commitment(view.book, facility, as_of, view.known_on)
            )

    # -- compliance, one facility at a time ------------------------------------------------
    def compliance_scope(
        self, user: User, facility: str, known_on: KnownOn = None
    ) -> tuple[Book, date | None, compliance.Scope]:
        """The book as known on ``known_on`` and the facility's scope (its lender, loans and
        documents), after checking the user may read the facility."""
        owners = self.facility_owners(user, facility)
        view, ten = self.view(known_on)
        documents = frozenset(
            d.id
            for d in view.book.documents
            if any(o.facility == facility for o in _touched(Book((d,)), ten))
        )
        scope = compliance.Scope(
            facility, owners.lender, frozenset(ten.facility_loans.get(facility, ())), documents
        )
        return view.book, view.known_on, scope

    def compliance(
        self, user: User, facility: str, as_of: date, known_on: KnownOn = None
    ) -> ComplianceReport:
        book, known, scope = self.compliance_scope(user, facility, known_on)
        with dated():
            return compliance.facility_compliance(book, scope, as_of, known)

    def obligations(
        self,
        user: User,
        facility: str,
        as_of: date,
        start: date,
        end: date,
        known_on: KnownOn = None,
    ) -> tuple[CalendarItem, ...]:
        book, known, scope = self.compliance_scope(user, facility, known_on)
        with dated("to"):
            return compliance.facility_obligations(book, scope, as_of, start, end, known)

    def collateral(
        self, user: User, facility: str, as_of: date, known_on: KnownOn = None
    ) -> dict[str, Any]:
        book, known, scope = self.compliance_scope(user, facility, known_on)
        with dated():
            return compliance.facility_collateral(book, scope, as_of, known)

    def document(self, user: User, doc_id: str) -> TermDocument:
        """A term document, if it speaks of something the user may see."""
        view, ten = self.view()
        doc = view.book.document(doc_id)
        if doc is None:
            raise not_found(f"document {doc_id!r}")
        touched = _touched(Book((doc,)), ten)
        if not any(can_read(user, o) for o in touched) and not _is_general(doc):
            raise not_found(f"document {doc_id!r}")
        return doc

    # -- writing ---------------------------------------------------------------------------
    def record(self, user: User, event: LoanEvent) -> Outcome:
        """Record an event for a loan the user's lender owns, or hold it for approval."""
        ten = self.tenancy()
        if event.kind is EventKind.FIXING:
            if not can_record_market(user):
                raise forbidden("recording fixings takes a lender or admin role")
        elif not can_write(user, ten.loans.get(event.loan)):
            raise forbidden(f"{user.name} ({user.role}, {user.party}) may not record for this loan")
        event = with_key(event)
        item = Incoming(event, source=f"api:{user.name}")
        reason = self.needs_approval(event)
        if reason:
            self._check(item)
            owners = ten.loans[event.loan]
            return self._hold(
                user,
                owners.lender,
                event.loan,
                event.kind.value,
                describe_event(event),
                reason,
                {"event": _event_json(event)},
            )
        with problems():
            done = record_events(self.store, [item])
        if done.added:
            return Outcome("recorded", done.added)
        return Outcome("already_recorded", done.existing)

    def needs_approval(self, event: LoanEvent) -> str:
        rule = self.settings.four_eyes
        subject = event.get("subject")
        if event.kind.value in rule:
            return f"{event.kind.value}s need a second user's approval"
        if (
            event.kind is EventKind.NOTICE
            and subject.startswith("default_rate")
            and ("default_rate" in rule)
        ):
            return "default-rate elections need a second user's approval"
        limit = self.settings.payment_threshold
        if (
            limit is not None
            and event.kind in (EventKind.PAYMENT, EventKind.PREPAYMENT)
            and event.amount is not None
            and event.amount > limit
        ):
            return f"{event.kind.value}s above {limit:,.2f} need a second user's approval"
        return ""

    def _check(self, item: Incoming) -> None:
        """Validate without writing: the maker hears of a bad event now, not at approval."""
        with self.store.read() as conn:
            view = self.store.view(conn, with_events=False)
            _, _, issues = check_events(conn, self.store, view, [item])
        if issues:
            raise invalid(LoanbookError(issues))

    def record_document(self, user: User, name: str, text: str, certificate: bool) -> Outcome:
        """A term file or borrowing-base certificate, validated exactly as ``import`` does;
        term files (amendments, waivers, consents) go through four eyes when so configured."""
        if not name.endswith((".yaml", ".yml")) or "/" in name or name.startswith("."):
            raise invalid(LoanbookError(Issue("document", "name", f"{name!r}: a NAME.yaml")))
        with problems():
            parsed = parse_term_file(text, name)
        doc = TermDocument(("certificates/" if certificate else "") + name, text, parsed)
        view, _ = self.view()
        if certificate != (parsed.certificate is not None):
            what = "a borrowing-base certificate" if certificate else "a term file"
            raise invalid(LoanbookError(Issue(name, "document", f"this is not {what}")))
        merged = tenancy_of(Book((*view.documents, doc)))
        touched = _touched(Book((doc,)), merged)
        if not touched or not all(can_write(user, o) for o in touched):
            raise forbidden(f"{user.name} may not record documents about these loans")
        lender = next(iter(touched)).lender
        if not certificate and "document" in self.settings.four_eyes:
            return self._hold(
                user,
                lender,
                ",".join(sorted({o.facility for o in touched})),
                "document",
                f"{parsed.document.kind} {parsed.document.id}: {parsed.document.title}",
                "amendments and other term documents need a second user's approval",
                {"document": {"name": name, "text": text, "certificate": certificate}},
            )
        return self._import(name, text, certificate, doc.id)

    def _import(self, name: str, text: str, certificate: bool, doc_id: str) -> Outcome:
        with tempfile.TemporaryDirectory(prefix="loanbook-doc-") as tmp:
            folder = Path(tmp)
            target = folder / "certificates" / name if certificate else folder / name
            target.parent.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
            with problems():
                report = import_folder(self.store, folder)
        if report.documents_added:
            return Outcome("recorded", report.documents_added)
        return Outcome("already_recorded", (doc_id,))

    def _hold(
        self,
        user: User,
        lender: str,
        loan: str,
        kind: str,
        summary: str,
        reason: str,
        payload: dict[str, Any],
    ) -> Outcome:
        with self.store.write() as conn:
            new_id = conn.execute(
                insert(ApprovalRow)
                .values(
                    lender=lender,
                    loan=loan,
                    kind=kind,
                    summary=summary[:500],
                    reason=reason,
                    payload=json.dumps(payload),
                    maker=user.name,
                    made_at=now(),
                    note="",
                )
                .returning(ApprovalRow.id)
            ).scalar_one()
        return Outcome("pending", approval=new_id, detail=reason)

    # -- four eyes ---------------------------------------------------------------------------
    def approvals(self, user: User, pending_only: bool = False) -> list[Approval]:
        with self.store.read() as conn:
            query = select(ApprovalRow).where(ApprovalRow.lender == user.party)
            if pending_only:
                query = query.where(ApprovalRow.decision.is_(None))
            rows = conn.execute(query.order_by(ApprovalRow.id.desc())).all()
        if user.role.value == "borrower":
            return []
        return [_approval(r) for r in rows]

    def approval(self, user: User, approval_id: int) -> Approval:
        with self.store.read() as conn:
            row = conn.execute(
                select(ApprovalRow).where(ApprovalRow.id == approval_id)
            ).one_or_none()
        if row is None or row.lender != user.party or user.role.value == "borrower":
            raise not_found(f"approval {approval_id}")
        return _approval(row)

    def decide(self, user: User, approval_id: int, approve: bool, note: str = "") -> Outcome:
        """The checker's decision: an approved write is recorded (validated again, against
        the book as it is now) and names both users; a rejected one changes nothing."""
        try:
            found = self.approval(user, approval_id)
        except Problem:  # a denied write is 403, whether or not the approval exists
            raise forbidden(f"no approval {approval_id} for {user.party} to decide") from None
        if not can_approve(user, found.lender):
            raise forbidden(f"{user.name} ({user.role}) may not decide approvals")
        if found.maker == user.name:
            raise forbidden("the maker of a change cannot approve or reject it")
        if found.decision is not None:
            raise Problem(409, "Conflict", f"approval {approval_id} was already {found.decision}")
        outcome = Outcome("rejected", approval=approval_id, detail=note)
        if approve:
            outcome = self._apply(found, user)
        self._decide_row(approval_id, "approved" if approve else "rejected", user, note, outcome)
        return outcome

    def _apply(self, found: Approval, checker: User) -> Outcome:
        source = f"api:{found.maker}, approved by {checker.name}"
        if "event" in found.payload:
            event = _event_of(found.payload["event"])
            with problems():
                done = record_events(self.store, [Incoming(event, source=source)])
            return Outcome("recorded", done.added or done.existing, found.id)
        doc = found.payload["document"]
        parsed = parse_term_file(doc["text"], doc["name"])
        out = self._import(doc["name"], doc["text"], bool(doc["certificate"]), parsed.document.id)
        return replace(out, approval=found.id)

    def _decide_row(
        self, approval_id: int, decision: str, user: User, note: str, outcome: Outcome
    ) -> None:
        text = note or (", ".join(outcome.keys) if outcome.keys else "")
        with self.store.write() as conn:
            changed = conn.execute(
                update(ApprovalRow)
                .where(ApprovalRow.id == approval_id, ApprovalRow.decision.is_(None))
                .values(decision=decision, checker=user.name, decided_at=now(), note=text)
            ).rowcount
        if changed != 1:
            raise Problem(409, "Conflict", f"approval {approval_id} was decided meanwhile")


def _approval(r: Any) -> Approval:
    return Approval(
        r.id,
        r.lender,
        r.loan,
        r.kind,
        r.summary,
        r.reason,
        r.maker,
        r.made_at.isoformat(),
        r.decision,
        r.checker,
        r.decided_at.isoformat() if r.decided_at else None,
        r.note,
        json.loads(r.payload),
    )


def _event_json(ev: LoanEvent) -> dict[str, Any]:
    return {
        "date": ev.date.isoformat(),
        "loan": ev.loan,
        "kind": ev.kind.value,
        "amount": None if ev.amount is None else format(ev.amount, "f"),
        "reference": ev.reference,
        "key": ev.key,
        "detail": [list(p) for p in ev.detail],
    }


def _event_of(data: dict[str, Any]) -> LoanEvent:
    return LoanEvent(
        date.fromisoformat(data["date"]),
        data["loan"],
        EventKind(data["kind"]),
        None if data["amount"] is None else Decimal(data["amount"]),
        data["reference"],
        data["key"],
        tuple((str(k), str(v)) for k, v in data["detail"]),
    )


def _touched(doc_book: Book, ten: Tenancy) -> set[Owners]:
    """The owners of every loan and facility a document speaks of."""
    out: set[Owners] = set()
    for a in doc_book.assertions:
        if len(a.path) < 2:
            continue
        section, item = a.path[0], a.path[1]
        if section == "loans" and item in ten.loans:
            out.add(ten.loans[item])
        elif section in ("facilities", "revolvers") and item in ten.facilities:
            out.add(ten.facilities[item])
    for d in doc_book.documents:
        cert = d.model.certificate
        if cert is not None and cert.facility in ten.facilities:
            out.add(ten.facilities[cert.facility])
    return out


def _is_general(doc: TermDocument) -> bool:
    return not Book((doc,)).state(FAR_FUTURE)["loans"] and doc.model.certificate is None


# -- the facility dashboard ----------------------------------------------------------------------
@dataclass(frozen=True)
class SeriesPoint:
    """Outstanding principal and (revolving facilities) availability on one day."""

    day: date
    outstanding: Decimal
    availability: Decimal | None


_PRINCIPAL = ("principal_receivable", "principal_due")


def _month_ends(start: date, end: date) -> list[date]:
    out = []
    year, month = start.year, start.month
    while True:
        nxt = date(year + month // 12, month % 12 + 1, 1)
        last = nxt.fromordinal(nxt.toordinal() - 1)
        if last > end:
            break
        if last >= start:
            out.append(last)
        year, month = nxt.year, nxt.month
    if not out or out[-1] != end:
        out.append(end)
    return out


def outstanding_by_day(lines: Any, days: list[date]) -> list[Decimal]:
    """Principal outstanding at the end of each day (one pass over the ledger lines)."""
    ordered = sorted(lines, key=lambda line: line.date)
    out: list[Decimal] = []
    balance = Decimal(0)
    n = 0
    for day in days:
        while n < len(ordered) and ordered[n].date <= day:
            line = ordered[n]
            if line.debit.value in _PRINCIPAL:
                balance += line.amount
            if line.credit.value in _PRINCIPAL:
                balance -= line.amount
            n += 1
        out.append(balance)
    return out


def facility_series(
    ops: Operations, user: User, facility: str, as_of: date, known_on: KnownOn = None
) -> list[SeriesPoint]:
    """Month-end outstanding against availability, from one run of each loan to ``as_of``.
    For a revolving facility: its revolving loan accounts, and availability on each day from
    the service's own ``Availability`` record (the latest certificate and the terms then in
    force); for a term facility: the principal of its notes."""
    from loanbook.revolving.borrowing_base import borrowing_base, latest_certificate

    ops.facility_owners(user, facility)
    view, ten = ops.view(known_on)
    members = [loan for loan in ten.facility_loans.get(facility, ()) if loan in view.loans]
    if not members:
        return []
    with problems():
        starts = [view.start_of(loan) for loan in members]
        days = _month_ends(min(starts), as_of) if min(starts) <= as_of else []
        per_loan = {loan: outstanding_by_day(view.run(loan, as_of).lines, days) for loan in members}
    revolving = facility in ten.revolvers
    certs = view.book.certificates(view.known_on) if revolving else ()
    points = []
    for n, day in enumerate(days):
        outstanding = {loan: values[n] for loan, values in per_loan.items()}
        total = sum(outstanding.values(), Decimal(0))
        avail: Decimal | None = None
        if revolving:
            total = sum(
                (v for k, v in outstanding.items() if k in view.revolving_accounts(k)), Decimal(0)
            )
            try:
                terms = view.book.revolver_terms(facility, day, view.known_on)
                base = borrowing_base(latest_certificate(certs, facility, day), terms)
                accounts = {a: outstanding.get(a, Decimal(0)) for a in terms.accounts.values()}
                avail = services.Availability(facility, day, terms, base, accounts, "").availability
            except LoanbookError:
                avail = None
        points.append(SeriesPoint(day, total, avail))
    return points


@dataclass(frozen=True)
class FacilityEvent:
    """An event the dashboard lists under defaults, waivers and elections."""

    loan: str
    day: date
    kind: str
    subject: str
    reference: str
    cite: str
    recorded_by: str


def default_events(
    ops: Operations, user: User, facility: str, as_of: date, known_on: KnownOn = None
) -> list[FacilityEvent]:
    """Accelerations, waivers and default-rate or overadvance notices of the facility's loans,
    effective on or before ``as_of`` and known by ``known_on``."""
    ops.facility_owners(user, facility)
    ten = ops.tenancy()
    loans = ten.facility_loans.get(facility, ())
    with ops.store.read() as conn:
        stored = ops.store.stored_events(
            conn,
            known_on,
            loans=loans,
            kinds=(EventKind.ACCELERATION, EventKind.WAIVER, EventKind.NOTICE),
        )
    return [
        FacilityEvent(
            s.event.loan,
            s.event.date,
            s.event.kind.value,
            s.event.get("subject"),
            s.event.reference,
            s.event.get("cite"),
            s.source,
        )
        for s in stored
        if s.event.date <= as_of
    ]
