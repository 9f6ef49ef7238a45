"""The web pages through the app (sign-in, forms, clause links, the as-of control); the
real browser drives the same pages in ``test_browser``."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.conftest import Api


def signed_in(api: Api, user: str = "cit-ops") -> TestClient:
    client = api.client
    response = client.post("/signin", data={"token": api.tokens[user], "next": "/approvals"})
    assert response.status_code == 200 and response.url.path == "/approvals"
    return client


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


def test_pages_need_a_session(api_sqlite: Api) -> None:
    response = api_sqlite.client.get("/loans/cit-note", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Floans%2Fcit-note"
    bad = api_sqlite.client.post("/signin", data={"token": "lbk_wrong", "next": "/"})
    assert bad.status_code == 401 and "not valid" in bad.text


def test_portfolio_and_dashboard(api_sqlite: Api) -> None:
    client = signed_in(api_sqlite)
    page = client.get("/?as_of=1997-01-31").text
    assert "cit-facility" in page and "congress-revolver" not in page
    # 4,554,900.00 - 9 x 94,893.75 paid in 1996 = 3,700,856.25
    assert "3,700,856.25" in page
    dash = client.get("/facilities/cit-facility?as_of=1997-01-31").text
    assert "Next dues" in dash and "<svg" in dash and "Room left" in dash
    assert "1997-02-28" in dash  # the next installment after 1997-01-31


def test_revolver_dashboard_shows_the_borrowing_base(api_sqlite: Api) -> None:
    client = signed_in(api_sqlite, "congress-ops")
    dash = client.get("/facilities/congress-revolver?as_of=2002-06-30").text
    # The certificate of 2002-06-30: borrowing base 11,272,000.00, availability 3,369,545.61
    # (the same figures as `loanbook availability`; see tests/revolving).
    assert "11,272,000.00" in dash and "3,369,545.61" in dash
    assert "inventory at north-canton-oh is not eligible" in dash
    assert "Covenant headroom" in dash


def test_dashboard_shows_compliance_with_its_clauses(api_sqlite: Api) -> None:
    """The August 2002 working-capital test as known on 2002-10-30: 30,120,000.00 -
    24,910,000.00 = 5,210,000.00 against 5,500,000.00, headroom (290,000.00), -5.27 %; the
    breach and the cross-defaults continue, so the default rate is open from 2002-05-01."""
    client = signed_in(api_sqlite, "congress-ops")
    dash = client.get("/facilities/congress-revolver?as_of=2002-10-30&known_on=2002-10-30").text
    assert "not tracked" not in dash
    covenants = dash[dash.index('id="covenants"') : dash.index('id="options"')]
    assert "5,210,000.00" in covenants and "(290,000.00)" in covenants and "-5.27" in covenants
    # Each figure opens its clause, as known on the page's date.
    link = re.search(r'<a class="fig" href="([^"]+)"[^>]*>\(290,000.00\)</a>', covenants)
    assert link and link.group(1).startswith("/documents/congress-afa?cite=")
    assert "known_on=2002-10-30" in link.group(1)
    eods = dash[dash.index('id="events-of-default"') : dash.index('id="conditions"')]
    assert "covenant:working-capital@2002-08-31" in eods and "continuing" in eods
    options = dash[dash.index('id="options"') : dash.index('id="events-of-default"')]
    assert "default rate" in options and "2002-05-01" in options
    assert "congress-afa §10.2" in options  # acceleration
    # As known on 2002-11-01 (after 004): the August test is gone, the Other Indebtedness
    # cross-defaults are waived by Exhibit A §1 until 2003-01-03.
    later = client.get("/facilities/congress-revolver?as_of=2002-11-15&known_on=2002-11-01").text
    assert "5,210,000.00" not in later
    eods = later[later.index('id="events-of-default"') : later.index('id="conditions"')]
    assert "waived" in eods and "other-indebtedness" in eods and "004 Exhibit A §1" in eods
    nxt = later[later.index('id="obligations"') :]
    assert "2003-01-03" in nxt and "004 §2" in nxt  # the Renewal Date
    # Loan B's conditions (001 §3) were open until met in May 1996.
    early = client.get("/facilities/congress-revolver?as_of=1996-04-30").text
    conds = early[early.index('id="conditions"') : early.index('id="obligations"')]
    assert "survey" in conds.lower() and "1996-05-31" in conds


def test_payment_form_validates_and_records(api_sqlite: Api) -> None:
    client = signed_in(api_sqlite)
    page = client.get("/loans/cit-note?as_of=1997-01-31").text
    assert 'id="total-due">121,981.96<' in page
    token = csrf(page)
    bad = client.post(
        "/loans/cit-note/payment?as_of=1997-01-31",
        data={"csrf": token, "date": "1997-01-31", "amount": "12,5x", "reference": ""},
    )
    assert bad.status_code == 422
    assert "Nothing was recorded" in bad.text and "is not a decimal amount" in bad.text
    assert 'id="total-due">121,981.96<' in bad.text
    forged = client.post(
        "/loans/cit-note/payment", data={"csrf": "0" * 32, "date": "1997-01-31", "amount": "1"}
    )
    assert forged.status_code == 403
    done = client.post(
        "/loans/cit-note/payment?as_of=1997-01-31",
        data={"csrf": token, "date": "1997-01-31", "amount": "121981.96", "reference": "wire"},
    )
    assert done.status_code == 200 and "recorded." in done.text
    assert 'id="total-due">0.00<' in done.text
    assert "api:cit-ops" in done.text  # the event log names the user


def test_every_figure_links_to_its_clause_in_the_agreement(api_sqlite: Api) -> None:
    client = signed_in(api_sqlite)
    page = client.get("/loans/cit-note?as_of=1997-01-31").text
    links = set(re.findall(r'class="fig" href="([^"]+)"', page))
    assert links and all(link.startswith("/documents/") for link in links)
    clause = client.get("/documents/003?cite=003%20%C2%B61").text
    passage = re.search(r'<mark id="clause">(.*?)</mark>', clause, re.S)
    assert passage and "FOR VALUE RECEIVED" in passage.group(1)
    assert "4554900" in clause  # the term citing it: loans.cit-note.principal
    amendment = client.get("/documents/000?cite=000%20%C2%A72(b)").text
    passage = re.search(r'<mark id="clause">(.*?)</mark>', amendment, re.S)
    assert passage and "Interest Rate Period" in passage.group(1)


def test_as_known_on_shows_the_book_as_it_was(api_sqlite: Api) -> None:
    client = signed_in(api_sqlite)
    api_sqlite.client.post(
        "/api/v1/loans/cit-note/payments",
        json={"date": "1997-01-31", "amount": "121981.96"},
        headers=api_sqlite.headers("cit-ops"),
    )
    now = client.get("/loans/cit-note?as_of=1997-01-31").text
    then = client.get("/loans/cit-note?as_of=1997-01-31&known_on=2021-01-01").text
    assert 'id="total-due">0.00<' in now and 'id="total-due">121,981.96<' in then


def test_a_borrower_reads_but_does_not_record(api_sqlite: Api) -> None:
    client = signed_in(api_sqlite, "lpc-treasurer")
    page = client.get("/loans/cit-note?as_of=1997-01-31").text
    assert "Read only" in page and "Record a payment" not in page
    other = signed_in(api_sqlite, "lrg-treasurer").get("/loans/cit-note")
    assert other.status_code == 404


def test_the_approval_queue(api_sqlite: Api) -> None:
    api = api_sqlite
    api.client.post(
        "/api/v1/loans/cit-note/waivers",
        json={"date": "1997-01-31", "subject": "late_charge"},
        headers=api.headers("cit-ops"),
    )
    maker = signed_in(api, "cit-ops").get("/approvals").text
    assert "yours: another user decides" in maker
    client = signed_in(api, "cit-admin")
    page = client.get("/approvals").text
    assert "waiver on 1997-01-31 for cit-note" in page
    done = client.post("/approvals/1", data={"csrf": csrf(page), "action": "approve", "note": "ok"})
    assert "Approval 1: recorded" in done.text and "approved" in done.text
