"""The HTTP API under ``/api/v1``: reads for everything the CLI shows, writes of events and
documents (idempotent with ``Idempotency-Key``), and the four-eyes queue.

Each route checks who is asking, calls ``Operations`` (the service layer) and shapes the
answer as a pydantic model; none computes a figure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from loanbook.api import models as m
from loanbook.api import problems
from loanbook.api.access import can_write
from loanbook.api.operations import FieldProblem, Operations, Outcome, Problem
from loanbook.compliance.report import calendar_report_json, defaults_json
from loanbook.engine.events import EventKind, LoanEvent
from loanbook.storage import idempotency
from loanbook.storage.users import User, authenticate

bearer = HTTPBearer(auto_error=False, description="an API token from `loanbook users add`")


def _problem_schema(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {MEDIA: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


MEDIA = problems.MEDIA
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem_schema("no valid token"),
    404: _problem_schema("not found, or not yours to see"),
    422: _problem_schema("a field is invalid: each named with the reason"),
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    200: {"model": m.WriteOut, "description": "already recorded: nothing changed"},
    202: {"model": m.WriteOut, "description": "held for a second user's approval"},
    400: _problem_schema("the body is not JSON"),
    403: _problem_schema("not yours to change"),
    409: _problem_schema("a request with this Idempotency-Key is still in flight"),
}

router = APIRouter(responses=READ_ERRORS)


def ops(request: Request) -> Operations:
    found: Operations = request.app.state.ops
    return found


def api_user(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    if creds is None or creds.scheme.lower() != "bearer":
        raise Problem(401, "Unauthorized", "send Authorization: Bearer TOKEN")
    user = authenticate(ops(request).store, creds.credentials)
    if user is None:
        raise Problem(401, "Unauthorized", "unknown or revoked token")
    return user


Ops = Annotated[Operations, Depends(ops)]
Caller = Annotated[User, Depends(api_user)]
LoanId = Annotated[str, Path(description="loan id, e.g. cit-note")]
FacilityId = Annotated[str, Path(description="facility id, e.g. congress-revolver")]
AsOf = Annotated[date | None, Query(description="as of this date (default: the last day closed)")]
KnownOn = Annotated[
    date | None, Query(description="as the book knew it at the end of this day (default: now)")
]
IdemKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="a retried POST with the same key is recorded once",
    ),
]


def _as_of(o: Operations, as_of: date | None) -> date:
    return as_of if as_of is not None else o.default_as_of()


# -- who am I --------------------------------------------------------------------------------
@router.get("/me", response_model=m.Me, summary="The signed-in user")
def me(user: Caller) -> m.Me:
    return m.Me(name=user.name, role=user.role.value, party=user.party)


# -- facilities ------------------------------------------------------------------------------
@router.get("/facilities", response_model=list[m.FacilityOut], summary="Facilities you may see")
def facilities(o: Ops, user: Caller) -> list[m.FacilityOut]:
    ten = o.tenancy()
    return [
        m.FacilityOut(
            facility=fid,
            lender=owners.lender,
            borrowers=sorted(owners.borrowers),
            loans=list(loans),
            revolving=fid in ten.revolvers,
        )
        for fid, owners, loans in o.facilities(user)
    ]


@router.get("/facilities/{facility}", response_model=m.FacilityOut, summary="One facility")
def facility(facility: FacilityId, o: Ops, user: Caller) -> m.FacilityOut:
    owners = o.facility_owners(user, facility)
    ten = o.tenancy()
    return m.FacilityOut(
        facility=facility,
        lender=owners.lender,
        borrowers=sorted(owners.borrowers),
        loans=list(ten.facility_loans.get(facility, ())),
        revolving=facility in ten.revolvers,
    )


@router.get(
    "/facilities/{facility}/availability",
    response_model=m.AvailabilityOut,
    summary="Borrowing base line by line, availability and overadvance",
)
def availability(
    facility: FacilityId, o: Ops, user: Caller, as_of: AsOf = None, known_on: KnownOn = None
) -> Any:
    return o.availability(user, facility, _as_of(o, as_of), known_on).as_json()


@router.get(
    "/facilities/{facility}/commitment",
    response_model=m.CommitmentOut,
    summary="Commitment cap, formula parts, loans made and room left",
)
def commitment(
    facility: FacilityId, o: Ops, user: Caller, as_of: AsOf = None, known_on: KnownOn = None
) -> Any:
    return o.commitment(user, facility, _as_of(o, as_of), known_on)


# -- compliance ------------------------------------------------------------------------------
@router.get(
    "/facilities/{facility}/compliance",
    response_model=m.ComplianceOut,
    summary="Covenant tests, Events of Default, the lender's options, conditions, next dues",
)
def compliance(
    facility: FacilityId, o: Ops, user: Caller, as_of: AsOf = None, known_on: KnownOn = None
) -> Any:
    report = o.compliance(user, facility, _as_of(o, as_of), known_on)
    return {"facility": facility, **_jsonable(report.as_json())}


@router.get(
    "/facilities/{facility}/defaults",
    response_model=m.DefaultsOut,
    summary="Events of Default with status, cause, waiver and timeline; the lender's options",
)
def defaults(
    facility: FacilityId, o: Ops, user: Caller, as_of: AsOf = None, known_on: KnownOn = None
) -> Any:
    report = o.compliance(user, facility, _as_of(o, as_of), known_on)
    return {"facility": facility, **_jsonable(defaults_json(report))}


@router.get(
    "/facilities/{facility}/calendar",
    response_model=m.CalendarOut,
    summary="The obligations calendar: every dated duty from `from` to `to`, with its status",
)
def obligations(
    facility: FacilityId,
    o: Ops,
    user: Caller,
    start: Annotated[date, Query(alias="from", description="first date")],
    end: Annotated[date, Query(alias="to", description="last date")],
    as_of: Annotated[date | None, Query(description="statuses as of (default: `to`)")] = None,
    known_on: KnownOn = None,
) -> Any:
    if end < start:
        raise Problem(
            422,
            "Unprocessable Content",
            f"to {end} is before from {start}",
            [FieldProblem("to", f"{end} is before from {start}")],
        )
    day = as_of if as_of is not None else end
    items = o.obligations(user, facility, day, start, end, known_on)
    return {
        "facility": facility,
        "known_on": known_on,
        **_jsonable(calendar_report_json(items, start, end, day)),
    }


@router.get(
    "/facilities/{facility}/collateral",
    response_model=m.CollateralOut,
    summary="Collateral items and where they are, liens, consents, guarantors",
)
def collateral(
    facility: FacilityId, o: Ops, user: Caller, as_of: AsOf = None, known_on: KnownOn = None
) -> Any:
    data = o.collateral(user, facility, _as_of(o, as_of), known_on)
    return {"facility": facility, "known_on": known_on, "collateral": _jsonable(data)}


# -- loans -----------------------------------------------------------------------------------
@router.get("/loans", response_model=m.Loans, summary="Every loan you may see, with its position")
def loans(o: Ops, user: Caller, as_of: AsOf = None, known_on: KnownOn = None) -> m.Loans:
    day = _as_of(o, as_of)
    rows = o.loans(user, day, known_on)
    out = []
    for r in rows:
        data = r.status.as_json()
        out.append(
            m.LoanSummary(
                facility=r.owners.facility,
                lender=r.owners.lender,
                borrowers=sorted(r.owners.borrowers),
                **data,
            )
        )
    return m.Loans(as_of=day, known_on=known_on, loans=out)


@router.get("/loans/{loan}/terms", response_model=m.TermsOut, summary="Terms in force, cited")
def terms(
    loan: LoanId, o: Ops, user: Caller, as_of: AsOf = None, known_on: KnownOn = None
) -> m.TermsOut:
    day = _as_of(o, as_of)
    found, changes = o.terms(user, loan, day, known_on)
    return m.TermsOut(
        loan=loan,
        as_of=day,
        known_on=known_on,
        terms=_jsonable(found),
        amendments=[_change(c, with_value=False) for c in changes if c.op != "set"],
    )


@router.get("/loans/{loan}/history", response_model=m.HistoryOut, summary="Who changed what")
def term_history(loan: LoanId, o: Ops, user: Caller, known_on: KnownOn = None) -> m.HistoryOut:
    changes = o.history(user, loan, known_on)
    return m.HistoryOut(loan=loan, known_on=known_on, changes=[_change(c) for c in changes])


@router.get("/loans/{loan}/schedule", response_model=m.ScheduleOut, summary="Installments")
def schedule(loan: LoanId, o: Ops, user: Caller, known_on: KnownOn = None) -> Any:
    return o.schedule(user, loan, known_on).as_json()


@router.get(
    "/loans/{loan}/statement",
    response_model=m.StatementOut,
    summary="Due, paid, overdue and accrued, line by line with clauses",
)
def statement(
    loan: LoanId, o: Ops, user: Caller, as_of: AsOf = None, known_on: KnownOn = None
) -> Any:
    return o.statement(user, loan, _as_of(o, as_of), known_on).as_json()


@router.get("/loans/{loan}/payoff", response_model=m.PayoffOut, summary="Payoff quote")
def payoff(loan: LoanId, o: Ops, user: Caller, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return o.payoff(user, loan, _as_of(o, as_of), known_on).as_json()


@router.get("/loans/{loan}/ledger", response_model=m.LedgerOut, summary="Postings, paged")
def ledger(
    loan: LoanId,
    o: Ops,
    user: Caller,
    as_of: AsOf = None,
    known_on: KnownOn = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Any:
    found = o.ledger(user, loan, as_of, known_on)
    data = found.as_json()
    return {
        **data,
        "known_on": known_on.isoformat() if known_on else None,
        "total": len(data["lines"]),
        "offset": offset,
        "limit": limit,
        "lines": data["lines"][offset : offset + limit],
    }


@router.get("/loans/{loan}/events", response_model=m.EventsOut, summary="The loan's event log")
def events(loan: LoanId, o: Ops, user: Caller, known_on: KnownOn = None) -> m.EventsOut:
    found = o.events(user, loan, known_on)
    return m.EventsOut(
        loan=loan,
        known_on=known_on,
        events=[
            m.EventOut(
                id=s.id,
                key=s.event.key,
                date=s.event.date,
                loan=s.event.loan,
                kind=s.event.kind.value,
                amount=None if s.event.amount is None else format(s.event.amount, "f"),
                reference=s.event.reference,
                detail=dict(s.event.detail),
                recorded_at=s.recorded_at.isoformat(),
                recorded_by=s.source,
            )
            for s in found
        ],
    )


# -- writes ----------------------------------------------------------------------------------
def _respond(status: int, body: Any, replayed: bool | None) -> JSONResponse:
    headers = {} if replayed is None else {"Idempotent-Replayed": "true" if replayed else "false"}
    media = problems.MEDIA if status >= 400 else "application/json"
    return JSONResponse(body, status, headers=headers, media_type=media)


def write(
    request: Request,
    o: Operations,
    user: User,
    key: str | None,
    payload: Any,
    action: Callable[[], Outcome],
) -> JSONResponse:
    """Run a write once per Idempotency-Key: the replay answers what the first answered."""

    def run() -> tuple[int, Any]:
        try:
            out = action()
        except Problem as exc:
            return exc.status, problems.body(exc, request.url.path)
        status = {"recorded": 201, "pending": 202}.get(out.status, 200)
        body = m.WriteOut(
            status=out.status, keys=list(out.keys), approval=out.approval, detail=out.detail
        )
        return status, body.model_dump(mode="json")

    if key is None:
        return _respond(*run(), None)
    text = json.dumps(payload, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()
    path = request.url.path
    claimed = idempotency.claim(o.store, user.id, key, request.method, path, digest)
    if claimed.claim is idempotency.Claim.REPLAY:
        assert claimed.status is not None
        return _respond(claimed.status, claimed.body, True)
    if claimed.claim is idempotency.Claim.MISMATCH:
        raise Problem(
            422,
            "Unprocessable Content",
            "this Idempotency-Key was used with a different request",
            [FieldProblem("Idempotency-Key", "already used with a different request")],
        )
    if claimed.claim is idempotency.Claim.IN_FLIGHT:
        raise Problem(409, "Conflict", "a request with this Idempotency-Key is still in flight")
    assert claimed.id is not None
    try:
        status, body = run()
    except BaseException:
        idempotency.release(o.store, claimed.id)
        raise
    idempotency.finish(o.store, claimed.id, status, body)
    return _respond(status, body, False)


def _event(
    loan: str,
    kind: EventKind,
    body: Any,
    amount: Any = None,
    detail: tuple[tuple[str, str], ...] = (),
) -> LoanEvent:
    return LoanEvent(body.date, loan, kind, amount, body.reference, body.key or "", detail)


def _details(**values: object) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in values.items() if v not in (None, ""))


W = {"status_code": 201, "response_model": m.WriteOut, "responses": WRITE_ERRORS}


@router.post("/loans/{loan}/payments", summary="Record a payment", **W)  # type: ignore[arg-type]
def post_payment(
    loan: LoanId, body: m.PaymentIn, request: Request, o: Ops, user: Caller, key: IdemKey = None
) -> JSONResponse:
    ev = _event(loan, EventKind.PAYMENT, body, body.amount)
    return write(request, o, user, key, body.model_dump(mode="json"), lambda: o.record(user, ev))


@router.post("/loans/{loan}/prepayments", summary="Record a prepayment", **W)  # type: ignore[arg-type]
def post_prepayment(
    loan: LoanId, body: m.PrepaymentIn, request: Request, o: Ops, user: Caller, key: IdemKey = None
) -> JSONResponse:
    ev = _event(loan, EventKind.PREPAYMENT, body, body.amount)
    return write(request, o, user, key, body.model_dump(mode="json"), lambda: o.record(user, ev))


@router.post("/loans/{loan}/advances", summary="Record an advance", **W)  # type: ignore[arg-type]
def post_advance(
    loan: LoanId, body: m.AdvanceIn, request: Request, o: Ops, user: Caller, key: IdemKey = None
) -> JSONResponse:
    ev = _event(
        loan, EventKind.ADVANCE, body, body.amount, _details(type=body.type, months=body.months)
    )
    return write(request, o, user, key, body.model_dump(mode="json"), lambda: o.record(user, ev))


@router.post("/loans/{loan}/fees", summary="Charge a fee to the loan account", **W)  # type: ignore[arg-type]
def post_fee(
    loan: LoanId, body: m.FeeIn, request: Request, o: Ops, user: Caller, key: IdemKey = None
) -> JSONResponse:
    ev = _event(loan, EventKind.FEE, body, body.amount, _details(cite=body.cite))
    return write(request, o, user, key, body.model_dump(mode="json"), lambda: o.record(user, ev))


@router.post("/loans/{loan}/notices", summary="Record a notice", **W)  # type: ignore[arg-type]
def post_notice(
    loan: LoanId, body: m.NoticeIn, request: Request, o: Ops, user: Caller, key: IdemKey = None
) -> JSONResponse:
    ev = _event(loan, EventKind.NOTICE, body, None, _details(subject=body.subject))
    return write(request, o, user, key, body.model_dump(mode="json"), lambda: o.record(user, ev))


@router.post("/loans/{loan}/waivers", summary="Record a waiver (four eyes)", **W)  # type: ignore[arg-type]
def post_waiver(
    loan: LoanId, body: m.WaiverIn, request: Request, o: Ops, user: Caller, key: IdemKey = None
) -> JSONResponse:
    ev = _event(loan, EventKind.WAIVER, body, None, _details(subject=body.subject))
    return write(request, o, user, key, body.model_dump(mode="json"), lambda: o.record(user, ev))


@router.post("/loans/{loan}/elections", summary="Record an election by notice", **W)  # type: ignore[arg-type]
def post_election(
    loan: LoanId, body: m.ElectionIn, request: Request, o: Ops, user: Caller, key: IdemKey = None
) -> JSONResponse:
    detail = _details(subject=body.subject, type=body.type, months=body.months)
    ev = _event(loan, EventKind.NOTICE, body, None, detail)
    return write(request, o, user, key, body.model_dump(mode="json"), lambda: o.record(user, ev))


@router.post("/loans/{loan}/accelerations", summary="Accelerate (four eyes)", **W)  # type: ignore[arg-type]
def post_acceleration(
    loan: LoanId,
    body: m.AccelerationIn,
    request: Request,
    o: Ops,
    user: Caller,
    key: IdemKey = None,
) -> JSONResponse:
    ev = _event(loan, EventKind.ACCELERATION, body)
    return write(request, o, user, key, body.model_dump(mode="json"), lambda: o.record(user, ev))


@router.post("/loans/{loan}/corrections", summary="Reverse an event (four eyes)", **W)  # type: ignore[arg-type]
def post_correction(
    loan: LoanId, body: m.CorrectionIn, request: Request, o: Ops, user: Caller, key: IdemKey = None
) -> JSONResponse:
    def action() -> Outcome:
        target = next((s.event for s in o.events(user, loan) if s.event.key == body.reverses), None)
        if target is None:
            raise Problem(
                422,
                "Unprocessable Content",
                f"no event {body.reverses!r} for {loan}",
                [FieldProblem("reverses", f"no event with key {body.reverses!r} for {loan}")],
            )
        ev = LoanEvent(
            target.date,
            loan,
            EventKind.CORRECTION,
            None,
            body.reference,
            body.key or "",
            (("reverses", body.reverses),),
        )
        return o.record(user, ev)

    if not o.tenancy().loans.get(loan) or not _writable(o, user, loan):
        raise Problem(403, "Forbidden", f"{user.name} may not record for this loan")
    return write(request, o, user, key, body.model_dump(mode="json"), action)


def _writable(o: Operations, user: User, loan: str) -> bool:
    return can_write(user, o.tenancy().loans.get(loan))


@router.post("/fixings", summary="Record a rate fixing (market data)", **W)  # type: ignore[arg-type]
def post_fixing(
    body: m.FixingIn, request: Request, o: Ops, user: Caller, key: IdemKey = None
) -> JSONResponse:
    ev = LoanEvent(
        body.date,
        body.index,
        EventKind.FIXING,
        body.rate_percent,
        body.reference,
        body.key or "",
        (("index", body.index),),
    )
    return write(request, o, user, key, body.model_dump(mode="json"), lambda: o.record(user, ev))


@router.post("/documents", summary="Record a term file or certificate", **W)  # type: ignore[arg-type]
def post_document(
    body: m.DocumentIn, request: Request, o: Ops, user: Caller, key: IdemKey = None
) -> JSONResponse:
    return write(
        request,
        o,
        user,
        key,
        body.model_dump(mode="json"),
        lambda: o.record_document(user, body.name, body.text, body.certificate),
    )


# -- four eyes -------------------------------------------------------------------------------
@router.get("/approvals", response_model=m.ApprovalsOut, summary="The maker-checker queue")
def approvals(
    o: Ops, user: Caller, pending: Annotated[bool, Query(description="pending only")] = False
) -> m.ApprovalsOut:
    return m.ApprovalsOut(approvals=[_approval(a) for a in o.approvals(user, pending)])


@router.get("/approvals/{approval}", response_model=m.ApprovalOut, summary="One held write")
def approval(approval: Annotated[int, Path(ge=1, le=2**31 - 1)], o: Ops, user: Caller) -> Any:
    return _approval(o.approval(user, approval))


@router.post("/approvals/{approval}/approve", summary="Approve (a second user)", **W)  # type: ignore[arg-type]
def approve(
    approval: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: m.DecisionIn,
    request: Request,
    o: Ops,
    user: Caller,
    key: IdemKey = None,
) -> JSONResponse:
    return write(
        request,
        o,
        user,
        key,
        body.model_dump(mode="json"),
        lambda: o.decide(user, approval, True, body.note),
    )


@router.post("/approvals/{approval}/reject", summary="Reject (a second user)", **W)  # type: ignore[arg-type]
def reject(
    approval: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: m.DecisionIn,
    request: Request,
    o: Ops,
    user: Caller,
    key: IdemKey = None,
) -> JSONResponse:
    return write(
        request,
        o,
        user,
        key,
        body.model_dump(mode="json"),
        lambda: o.decide(user, approval, False, body.note),
    )


# -- helpers ---------------------------------------------------------------------------------
def _approval(a: Any) -> m.ApprovalOut:
    return m.ApprovalOut(
        id=a.id,
        lender=a.lender,
        loan=a.loan,
        kind=a.kind,
        summary=a.summary,
        reason=a.reason,
        maker=a.maker,
        made_at=a.made_at,
        decision=a.decision,
        checker=a.checker,
        decided_at=a.decided_at,
        note=a.note,
    )


def _change(c: Any, with_value: bool = True) -> m.TermChange:
    return m.TermChange(
        path=c.path,
        op=c.op,
        effective=c.effective,
        recorded=c.recorded,
        document=c.document,
        cite=c.cite,
        value=_jsonable(c.value) if with_value else None,
    )


def _jsonable(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)
