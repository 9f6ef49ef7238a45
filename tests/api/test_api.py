"""The API over a real database: the same figures as the service layer, writes recorded
once, problems as RFC 9457, known-on reads, users named on events. Tests of what the
database does (figures, writes, idempotency, record time) run on SQLite and PostgreSQL;
the rest on SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from loanbook import services
from loanbook.storage import idempotency
from loanbook.storage.schema import EventRow
from loanbook.storage.users import revoke
from tests.api.conftest import Api

STATEMENT = "/api/v1/loans/cit-note/statement"


def statement(api: Api, user: str = "cit-ops", **params: str) -> dict[str, Any]:
    response = api.client.get(STATEMENT, params=params, headers=api.headers(user))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_health_needs_no_token(api_sqlite: Api) -> None:
    api = api_sqlite
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": api.store.dialect, "revision": "0002"}


def test_statement_is_the_service_figure_to_the_cent(api: Api) -> None:
    data = statement(api, as_of="1997-01-31")
    # 48 installments of 94,893.75 from 1996-04-30; the nine of Apr-Dec 1996 were paid, so
    # 4,554,900.00 - 9 x 94,893.75 = 3,700,856.25 is outstanding, of which the January 1997
    # installment (94,893.75) is due and unpaid.
    assert data["principal_outstanding"] == "3700856.25"
    assert data["principal_due"] == "94893.75"
    # The example book billed 121,981.96 for January 1997: 94,893.75 + 27,088.21 interest.
    assert data["interest_due"] == "27088.21"
    assert data["total_due"] == "121981.96"
    expected = services.statement(api.store.book(), "cit-note", _d("1997-01-31")).as_json()
    assert data == expected  # the API adds nothing and loses nothing


def test_payment_changes_the_statement_and_names_its_user(api: Api) -> None:
    response = api.client.post(
        "/api/v1/loans/cit-note/payments",
        json={"date": "1997-01-31", "amount": "121981.96", "reference": "wire 1997-01"},
        headers=api.headers("cit-ops"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "recorded"
    after = statement(api, as_of="1997-01-31")
    assert after["total_due"] == "0.00"
    # 3,700,856.25 - 94,893.75 = 3,605,962.50; the 27,088.21 went to interest first (003 ¶1).
    assert after["principal_outstanding"] == "3605962.50" and after["principal_due"] == "0.00"
    with api.store.read() as conn:
        row = conn.execute(select(EventRow).where(EventRow.reference == "wire 1997-01")).one()
    assert row.source == "api:cit-ops"
    events = api.get("cit-ops", "/api/v1/loans/cit-note/events").json()["events"]  # type: ignore[attr-defined]
    assert events[-1]["recorded_by"] == "api:cit-ops" and events[-1]["amount"] == "121981.96"


def test_known_on_hides_what_was_recorded_later(api: Api) -> None:
    api.client.post(
        "/api/v1/loans/cit-note/payments",
        json={"date": "1997-01-31", "amount": "121981.96"},
        headers=api.headers("cit-ops"),
    )
    before = statement(api, "cit-auditor", as_of="1997-01-31", known_on="2021-01-01")
    assert before["total_due"] == "121981.96" and before["known_on"] == "2021-01-01"
    assert statement(api, "cit-auditor", as_of="1997-01-31")["total_due"] == "0.00"


def test_idempotency_key_replays_the_first_response(api: Api) -> None:
    url = "/api/v1/loans/cit-note/payments"
    body = {"date": "1997-01-31", "amount": "1000.00", "reference": "retry me"}
    headers = api.headers("cit-ops", **{"Idempotency-Key": "client-42"})
    first = api.client.post(url, json=body, headers=headers)
    again = api.client.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.headers["Idempotent-Replayed"] == "false"
    assert again.headers["Idempotent-Replayed"] == "true"
    with api.store.read() as conn:
        rows = conn.execute(select(EventRow).where(EventRow.reference == "retry me")).all()
    assert len(rows) == 1
    other = api.client.post(url, json={**body, "amount": "1000.01"}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    # The same key from another user is that user's own key.
    mine = api.client.post(
        url, json=body, headers=api.headers("cit-admin", **{"Idempotency-Key": "client-42"})
    )
    assert mine.status_code == 200 and mine.json()["status"] == "already_recorded"


def test_idempotency_key_in_flight_is_409(api_sqlite: Api) -> None:
    api = api_sqlite
    url = "/api/v1/loans/cit-note/payments"
    body = {"date": "1997-01-31", "amount": "5.00", "reference": "", "key": None}
    user = next(u for u, _ in _users(api) if u.name == "cit-ops")
    digest = _digest(body)
    claimed = idempotency.claim(api.store, user.id, "slow-1", "POST", url, digest)
    assert claimed.claim is idempotency.Claim.NEW  # a first request still running
    response = api.client.post(
        url, json=body, headers=api.headers("cit-ops", **{"Idempotency-Key": "slow-1"})
    )
    assert response.status_code == 409
    assert response.json()["title"] == "Conflict"


def test_a_bad_field_is_named_and_nothing_is_recorded(api_sqlite: Api) -> None:
    api = api_sqlite
    with api.store.read() as conn:
        before = len(conn.execute(select(EventRow.id)).all())
    for body, field in (
        ({"date": "1997-02-30", "amount": "10.00"}, "date"),
        ({"date": "1997-01-31", "amount": 12.5}, "amount"),
        ({"date": "1997-01-31", "amount": "12,5.0x"}, "amount"),
        ({"date": "1997-01-31", "amount": "-10.00"}, "amount"),
        ({"date": "1997-01-31"}, "amount"),
    ):
        response = api.client.post(
            "/api/v1/loans/cit-note/payments", json=body, headers=api.headers("cit-ops")
        )
        assert response.status_code == 422, (body, response.text)
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["status"] == 422 and problem["type"] == "about:blank"
        assert field in [e["field"] for e in problem["errors"]], problem
    with api.store.read() as conn:
        assert len(conn.execute(select(EventRow.id)).all()) == before


def test_a_second_rate_for_a_fixed_day_is_422_and_the_same_rate_is_one_event(api: Api) -> None:
    # The example book's Prime is 8.25 from 1996-02-01 (rates/prime.csv:11).
    url, headers = "/api/v1/fixings", api.headers("cit-ops")
    with api.store.read() as conn:
        before = conn.execute(select(EventRow.id, EventRow.key)).all()
    typo = {"index": "PRIME", "date": "1996-02-01", "rate_percent": "8.52", "key": "typo"}
    response = api.client.post(url, json=typo, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "amount",
            "reason": "PRIME on 1996-02-01 is already 8.25 in the book (from rates/prime.csv:11)",
            "source": "api:cit-ops",
        }
    ]
    with api.store.read() as conn:
        assert conn.execute(select(EventRow.id, EventRow.key)).all() == before
    same = {**typo, "rate_percent": "8.25", "key": "as-filed"}
    first = api.client.post(url, json=same, headers=headers)
    assert first.status_code == 201 and first.json()["status"] == "recorded", first.text
    again = api.client.post(url, json=same, headers=headers)
    assert again.status_code == 200 and again.json()["status"] == "already_recorded"


def test_a_fixing_rate_is_read_as_the_cli_reads_it(api: Api) -> None:
    """``rate_percent`` is a rate in percent to eight places, as ``record fixing --amount``
    and the events files take it (it was read as money, two places: LIBOR's 5.4375 was
    refused)."""
    url, headers = "/api/v1/fixings", api.headers("cit-ops")
    libor = {"index": "LIBOR-1M", "date": "1996-01-31", "key": "libor-0131"}
    # rates/libor-1m.csv:3 has 5.4375 on 1996-01-31: the same rate is one more event
    same = api.client.post(url, json={**libor, "rate_percent": "5.4375"}, headers=headers)
    assert same.status_code == 201 and same.json()["status"] == "recorded", same.text
    other = api.client.post(
        url, json={**libor, "rate_percent": "5.43751", "key": "libor-typo"}, headers=headers
    )
    assert other.status_code == 422, other.text
    assert other.json()["errors"][0]["reason"] == (
        "LIBOR-1M on 1996-01-31 is already 5.4375 in the book (from rates/libor-1m.csv:3)"
    )
    for bad in ("5.123456789", "5,4375", "1e1", "2000"):
        body = {**libor, "rate_percent": bad, "key": "libor-bad"}
        refused = api.client.post(url, json=body, headers=headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == ["rate_percent"], bad


def test_tokens_are_checked_and_revocable(api_sqlite: Api) -> None:
    api = api_sqlite
    assert api.client.get("/api/v1/me").status_code == 401
    bad = api.client.get("/api/v1/me", headers={"Authorization": "Bearer lbk_nope"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    me = api.get("lpc-treasurer", "/api/v1/me")
    assert me.json() == {"name": "lpc-treasurer", "role": "borrower", "party": "lpc"}  # type: ignore[attr-defined]
    assert revoke(api.store, "lpc-treasurer") == 1
    assert api.get("lpc-treasurer", "/api/v1/me").status_code == 401  # type: ignore[attr-defined]


def test_borrower_sees_its_loans_across_lenders(api_sqlite: Api) -> None:
    api = api_sqlite
    loans = api.get("lpc-treasurer", "/api/v1/loans?as_of=1996-12-31").json()["loans"]  # type: ignore[attr-defined]
    mine = {row["loan"] for row in loans}
    # LPC borrows from CIT (the note) and from Congress (its revolving account, its notes).
    assert mine == {
        "cit-note",
        "congress-revolver-lpc",
        "lpc-arizona-real-estate-loan",  # named in 001 (its term file since issue 9)
        "lpc-ny-real-estate-loan-a",
        "lpc-ny-real-estate-loan-b",
        "lpc-second-restated-note",
    }
    cit = api.get("cit-ops", "/api/v1/loans?as_of=1996-12-31").json()["loans"]  # type: ignore[attr-defined]
    assert [row["loan"] for row in cit] == ["cit-note"]


def test_reads_cover_what_the_cli_shows(api_sqlite: Api) -> None:
    api = api_sqlite
    get = lambda url: api.get("congress-ops", url)  # noqa: E731
    avail = get("/api/v1/facilities/congress-revolver/availability?as_of=2002-06-30").json()  # type: ignore[attr-defined]
    expected = services.availability(api.store.book(), "congress-revolver", _d("2002-06-30"))
    assert avail == expected.as_json()
    sched = get("/api/v1/loans/lpc-second-restated-note/schedule").json()  # type: ignore[attr-defined]
    assert sched["installments"][0]["principal"] == "50000.00"
    payoff = get("/api/v1/loans/lpc-second-restated-note/payoff?as_of=1997-06-30").json()  # type: ignore[attr-defined]
    # 2,400,000.00 less 24 monthly installments of 50,000.00 (1996-03..1997-06 = 16 paid) and
    # the 418,118.00 prepaid under 002 §6(g) in inverse order of maturity: 1,181,882.00.
    assert payoff["principal"] == "1181882.00"
    terms = get("/api/v1/loans/cit-note/terms?as_of=1996-06-30")
    assert terms.status_code == 404  # a Congress user does not see CIT's note
    terms = api.get("cit-ops", "/api/v1/loans/cit-note/terms?as_of=1996-06-30").json()  # type: ignore[attr-defined]
    assert terms["terms"]["principal"] == {"value": "4554900.00", "cite": "003 ¶1"}
    assert any(a["cite"] == "000 §2(b)" for a in terms["amendments"])
    page = api.get("cit-ops", "/api/v1/loans/cit-note/ledger?limit=5&offset=0").json()  # type: ignore[attr-defined]
    assert page["limit"] == 5 and page["total"] == 0  # nothing closed yet in this book
    history = api.get("cit-ops", "/api/v1/loans/cit-note/history").json()  # type: ignore[attr-defined]
    assert {c["document"] for c in history["changes"]} >= {"003", "000"}


def _d(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


def _users(api: Api) -> Any:
    from loanbook.storage.users import users

    return users(api.store)


def _digest(body: dict[str, Any]) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
