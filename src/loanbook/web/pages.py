"""The web application: server-rendered pages over the same ``Operations`` as the API.

Sign in with an API token (the browser then keeps a session cookie: HttpOnly, SameSite
Strict, and a per-session token on every form); every page has the as-of / as-known-on
control; every figure links to the clause that produced it, opened in the agreement's text.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError as PydanticError

from loanbook.api import models as m
from loanbook.api.access import can_read, can_write
from loanbook.api.operations import (
    FieldProblem,
    Operations,
    Problem,
    default_events,
    facility_series,
)
from loanbook.engine.events import EventKind, LoanEvent
from loanbook.storage.users import User, close_session, open_session, session_user
from loanbook.web import chart, clauses, compliance

HERE = Path(__file__).resolve().parent
COOKIE = "loanbook_session"
templates = Jinja2Templates(directory=str(HERE / "templates"))


def money(value: Any) -> str:
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    text = f"{abs(amount):,.2f}"
    return f"({text})" if amount < 0 else text


templates.env.filters["money"] = money


def cite_href(cite: str, q: str = "") -> str:
    doc, _ = clauses.split_cite(cite or "")
    if not doc:
        return ""
    params = {"cite": cite}
    return f"/documents/{doc}?{urlencode(params)}" + (f"&{q}" if q else "") + "#clause"


templates.env.globals["cite_href"] = cite_href


# -- sessions ----------------------------------------------------------------------------------
def _ops(request: Request) -> Operations:
    found: Operations = request.app.state.ops
    return found


def _csrf(secret: str) -> str:
    return hashlib.sha256(f"csrf:{secret}".encode()).hexdigest()[:32]


def web_user(request: Request) -> User:
    secret = request.cookies.get(COOKIE, "")
    user = session_user(_ops(request).store, secret) if secret else None
    if user is None:
        raise Problem(401, "Unauthorized", "sign in with your token")
    return user


def _check_csrf(request: Request, token: str) -> None:
    secret = request.cookies.get(COOKIE, "")
    if not secret or not hmac.compare_digest(_csrf(secret), token):
        raise Problem(403, "Forbidden", "this form has expired: reload the page and try again")


# -- the as-of / known-on control ---------------------------------------------------------------
class Moment:
    """The date the page is computed as of and the date the book is read as known on."""

    def __init__(self, request: Request, ops: Operations) -> None:
        self.errors: list[str] = []
        self.as_of = self._date(request.query_params.get("as_of"), "as of")
        self.known_on = self._date(request.query_params.get("known_on"), "as known on")
        self.default = self.as_of is None
        if self.as_of is None:
            self.as_of = ops.default_as_of()

    def _date(self, text: str | None, label: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors.append(f"{label}: {text!r} is not a date (YYYY-MM-DD); ignored")
            return None

    @property
    def query(self) -> str:
        params = {}
        if not self.default and self.as_of is not None:
            params["as_of"] = self.as_of.isoformat()
        if self.known_on is not None:
            params["known_on"] = self.known_on.isoformat()
        return urlencode(params)


def _page(
    request: Request, name: str, user: User | None, status: int = 200, **values: Any
) -> HTMLResponse:
    ops = _ops(request)
    moment = values.pop("moment", None) or (Moment(request, ops) if user else None)
    context = {
        "user": user,
        "moment": moment,
        "q": moment.query if moment else "",
        "path": request.url.path,
        "csrf": _csrf(request.cookies.get(COOKIE, "")),
        "names": ops.tenancy().party_names if user else {},
        "flash": request.query_params.get("flash", ""),
        **values,
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


def _field_errors(problem: Problem) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in problem.errors:
        out.setdefault(e.field.split(".")[0] or "form", e.reason)
    return out


def _from_pydantic(exc: PydanticError) -> Problem:
    errors = [
        FieldProblem(
            ".".join(str(p) for p in err["loc"]) or "form",
            str(err["msg"]).removeprefix("Value error, "),
        )
        for err in exc.errors()
    ]
    return Problem(422, "Unprocessable Content", "check the fields marked", errors)


# -- pages ---------------------------------------------------------------------------------------
def install(app: FastAPI) -> Any:
    """Mount the pages and static files; returns the HTML error page renderer."""
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/signin", response_class=HTMLResponse, include_in_schema=False)
    def signin_form(request: Request) -> Response:
        return _page(request, "signin.html", None, next=request.query_params.get("next", "/"))

    @app.post("/signin", response_class=HTMLResponse, include_in_schema=False)
    def signin(request: Request, token: str = Form(""), next: str = Form("/")) -> Response:
        from loanbook.storage.users import authenticate

        ops = _ops(request)
        user = authenticate(ops.store, token.strip())
        if user is None:
            return _page(
                request,
                "signin.html",
                None,
                401,
                error="That token is not valid (unknown or revoked).",
                next=next,
            )
        secret = open_session(ops.store, user)
        local = next.startswith("/") and not next.startswith("//") and "\\" not in next
        target = next if local else "/"  # never a redirect off this site
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE, secret, httponly=True, samesite="strict", path="/", max_age=12 * 3600
        )
        return response

    @app.post("/signout", include_in_schema=False)
    def signout(request: Request, csrf: str = Form("")) -> Response:
        _check_csrf(request, csrf)
        close_session(_ops(request).store, request.cookies.get(COOKIE, ""))
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def portfolio(request: Request) -> Response:
        user = web_user(request)
        ops = _ops(request)
        moment = Moment(request, ops)
        assert moment.as_of is not None
        rows = ops.loans(user, moment.as_of, moment.known_on)
        by_loan = {r.loan: r for r in rows}
        groups = []
        for fid, owners, loans in ops.facilities(user):
            members = [by_loan[loan] for loan in loans if loan in by_loan]
            totals: dict[str, Decimal] = {}
            for r in members:
                p = r.status.position
                if p is None:
                    continue
                for key, value in (
                    ("principal", p.principal_outstanding),
                    ("accrued", p.interest_accrued),
                    ("due", p.total_due),
                    ("payoff", p.payoff),
                ):
                    totals[key] = totals.get(key, Decimal(0)) + value
            groups.append((fid, owners, members, totals))
        return _page(
            request,
            "portfolio.html",
            user,
            moment=moment,
            groups=groups,
            closed=ops.closed_through(),
            approvals=len(ops.approvals(user, pending_only=True)),
        )

    @app.get("/facilities/{facility}", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request, facility: str) -> Response:
        user = web_user(request)
        ops = _ops(request)
        moment = Moment(request, ops)
        assert moment.as_of is not None
        owners = ops.facility_owners(user, facility)
        ten = ops.tenancy()
        revolving = facility in ten.revolvers
        loans = ten.facility_loans.get(facility, ())
        everyone = ops.loans(user, moment.as_of, moment.known_on, statements=True)  # overdue
        rows = [r for r in everyone if r.loan in loans]
        availability = commitment = None
        problems: list[str] = []
        if revolving:
            try:
                availability = ops.availability(user, facility, moment.as_of, moment.known_on)
            except Problem as exc:
                problems.append(exc.detail)
        else:
            try:
                commitment = ops.commitment(user, facility, moment.as_of, moment.known_on)
            except Problem as exc:
                problems.append(exc.detail)
        dues: list[tuple[str, Any]] = []
        overdue: list[tuple[str, Any]] = []
        for r in rows:
            st = r.status.statement
            if st is None:
                continue
            overdue.extend((r.loan, d) for d in st.as_json()["overdue"])
            if _revolving_account(ten, r.loan):
                continue
            try:
                sched = ops.schedule(user, r.loan, moment.known_on)
            except Problem:
                continue
            upcoming = [row for row in sched.rows if row.due_date > moment.as_of][:2]
            dues.extend((r.loan, row) for row in upcoming)
        dues.sort(key=lambda item: item[1].due_date)
        series = facility_series(ops, user, facility, moment.as_of, moment.known_on)
        label = "Revolving loans outstanding" if revolving else "Principal outstanding"
        return _page(
            request,
            "facility.html",
            user,
            moment=moment,
            facility=facility,
            owners=owners,
            revolving=revolving,
            rows=rows,
            availability=availability.as_json() if availability else None,
            commitment=commitment,
            problems=problems,
            dues=dues[:6],
            overdue=overdue,
            chart=chart.svg(series, label),
            chart_label=label,
            defaults=default_events(ops, user, facility, moment.as_of, moment.known_on),
            compliance=compliance.dashboard(ops, user, facility, moment.as_of, moment.known_on),
        )

    def loan_page(
        request: Request,
        loan: str,
        user: User,
        status: int = 200,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        which: str = "",
    ) -> HTMLResponse:
        ops = _ops(request)
        moment = Moment(request, ops)
        assert moment.as_of is not None
        owners = ops.loan_owners(user, loan)
        ten = ops.tenancy()
        st = ops.statement(user, loan, moment.as_of, moment.known_on)
        terms, _ = ops.terms(user, loan, moment.as_of, moment.known_on)
        sched = None
        if not _revolving_account(ten, loan):
            try:
                sched = ops.schedule(user, loan, moment.known_on)
            except Problem:
                sched = None
        ledger = ops.ledger(user, loan, moment.as_of, moment.known_on)
        events = [
            s for s in ops.events(user, loan, moment.known_on) if s.event.date <= moment.as_of
        ]
        return _page(
            request,
            "loan.html",
            user,
            status,
            moment=moment,
            loan=loan,
            owners=owners,
            st=st,
            position=st.position,
            statement=st.as_json(),
            cites=_position_cites(terms),
            schedule=sched,
            ledger=ledger.postings[-300:],
            ledger_total=len(ledger.postings),
            events=list(reversed(events))[:50],
            writable=can_write(user, owners),
            form=form or {},
            errors=errors or {},
            which=which,
            subjects=("overadvance", "default_rate", "default_rate_end", "conversion", "rollover"),
        )

    @app.get("/loans/{loan}", response_class=HTMLResponse, include_in_schema=False)
    def loan_view(request: Request, loan: str) -> Response:
        return loan_page(request, loan, web_user(request))

    @app.post("/loans/{loan}/payment", response_class=HTMLResponse, include_in_schema=False)
    def record_payment(
        request: Request,
        loan: str,
        csrf: str = Form(""),
        date_: str = Form("", alias="date"),
        amount: str = Form(""),
        reference: str = Form(""),
    ) -> Response:
        user = web_user(request)
        _check_csrf(request, csrf)
        form = {"date": date_, "amount": amount, "reference": reference}
        try:
            body = m.PaymentIn.model_validate({k: v.strip() for k, v in form.items()})
            ev = LoanEvent(body.date, loan, EventKind.PAYMENT, body.amount, body.reference)
            outcome = _ops(request).record(user, ev)
        except PydanticError as exc:
            problem = _from_pydantic(exc)
            return loan_page(request, loan, user, 422, form, _field_errors(problem), "payment")
        except Problem as problem:
            if problem.status != 422:
                raise
            return loan_page(request, loan, user, 422, form, _field_errors(problem), "payment")
        return _after_write(
            request, loan, outcome, f"Payment of {money(body.amount)} on {body.date}"
        )

    @app.post("/loans/{loan}/notice", response_class=HTMLResponse, include_in_schema=False)
    def record_notice(
        request: Request,
        loan: str,
        csrf: str = Form(""),
        date_: str = Form("", alias="date"),
        subject: str = Form(""),
        reference: str = Form(""),
    ) -> Response:
        user = web_user(request)
        _check_csrf(request, csrf)
        form = {"date": date_, "subject": subject, "reference": reference}
        try:
            body = m.NoticeIn.model_validate({k: v.strip() for k, v in form.items()})
            detail = (("subject", body.subject),)
            ev = LoanEvent(body.date, loan, EventKind.NOTICE, None, body.reference, "", detail)
            outcome = _ops(request).record(user, ev)
        except PydanticError as exc:
            problem = _from_pydantic(exc)
            return loan_page(request, loan, user, 422, form, _field_errors(problem), "notice")
        except Problem as problem:
            if problem.status != 422:
                raise
            return loan_page(request, loan, user, 422, form, _field_errors(problem), "notice")
        return _after_write(request, loan, outcome, f"Notice ({body.subject}) of {body.date}")

    @app.get("/approvals", response_class=HTMLResponse, include_in_schema=False)
    def approvals(request: Request) -> Response:
        user = web_user(request)
        ops = _ops(request)
        found = ops.approvals(user)
        return _page(
            request,
            "approvals.html",
            user,
            pending=[a for a in found if a.decision is None],
            decided=[a for a in found if a.decision is not None][:50],
        )

    @app.post("/approvals/{approval}", response_class=HTMLResponse, include_in_schema=False)
    def decide(
        request: Request,
        approval: int,
        csrf: str = Form(""),
        action: str = Form(""),
        note: str = Form(""),
    ) -> Response:
        user = web_user(request)
        _check_csrf(request, csrf)
        try:
            outcome = _ops(request).decide(user, approval, action == "approve", note.strip())
            flash = f"Approval {approval}: {outcome.status}" + (
                f" ({', '.join(outcome.keys)})" if outcome.keys else ""
            )
        except Problem as exc:
            flash = f"Approval {approval}: {exc.detail}"
        return RedirectResponse("/approvals?" + urlencode({"flash": flash}), status_code=303)

    @app.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def document(request: Request, doc_id: str) -> Response:
        user = web_user(request)
        ops = _ops(request)
        doc = ops.document(user, doc_id)
        cite = request.query_params.get("cite", "")
        _, clause = clauses.split_cite(cite)
        text = clauses.agreement_text(ops.settings.texts, doc.model.document.source)
        located = clauses.locate(text, clause) if text is not None else None
        wanted = cite.replace("[assumed]", "").strip()
        cited = [
            (".".join(a.path), _short(a.value), a.assumption or "")
            for a in ops.view()[0].book.assertions
            if wanted
            and a.cite.replace("[assumed]", "").strip() == wanted
            and can_read_path(user, ops, a.path)
        ]
        return _page(
            request,
            "document.html",
            user,
            doc=doc,
            cite=cite,
            clause=clause,
            located=located,
            cited=cited,
        )

    def html_problem(request: Request, problem: Problem) -> Response:
        if problem.status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/signin?" + urlencode({"next": target}), status_code=303)
        user = None
        try:
            user = web_user(request)
        except Problem:
            user = None
        return _page(request, "problem.html", user, problem.status, problem=problem)

    return html_problem


def _after_write(request: Request, loan: str, outcome: Any, what: str) -> Response:
    if outcome.status == "pending":
        flash = f"{what}: held for approval by a second user (#{outcome.approval})."
    elif outcome.status == "already_recorded":
        flash = f"{what}: already recorded; nothing changed."
    else:
        flash = f"{what}: recorded."
    params = dict(request.query_params)
    params["flash"] = flash
    return RedirectResponse(f"/loans/{loan}?{urlencode(params)}", status_code=303)


def can_read_path(user: User, ops: Operations, path: tuple[str, ...]) -> bool:
    """Whether a term (by its path) belongs to something the user may see."""
    ten = ops.tenancy()
    if len(path) < 2:
        return True
    if path[0] == "loans":
        return can_read(user, ten.loans.get(path[1]))
    if path[0] in ("facilities", "revolvers"):
        return can_read(user, ten.facilities.get(path[1]))
    return True


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_short(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_short(v) for v in value)
    return str(value)


def _revolving_account(ten: Any, loan: str) -> bool:
    return loan in ten.accounts


def _position_cites(terms: dict[str, Any]) -> dict[str, str]:
    """Which clause each line of the position comes from (the terms that set it)."""

    def cite(*names: str) -> str:
        for name in names:
            term = terms.get(name)
            if isinstance(term, dict) and term.get("cite"):
                return str(term["cite"])
        return ""

    principal = cite("principal", "maximum_credit", "accounts")
    interest = cite("rate", "prime_margin")
    return {
        "principal_outstanding": principal,
        "principal_due": cite("amortization", "principal"),
        "interest_due": cite("interest_schedule", "rate", "prime_margin"),
        "interest_accrued": interest,
        "late_charges": cite("late_charge", "default_margin"),
        "fees": cite("fees", "fee"),
        "unapplied": cite("payment_order", "waterfall"),
    }
