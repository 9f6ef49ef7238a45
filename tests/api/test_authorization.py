"""Tenant isolation: every API endpoint, called as every role against another tenant's
objects, answers 404 to a read (as if the object did not exist) and 403 to a write.

The objects of the other tenant exist (a denied read must look like a missing one, and a
missing one is checked too); every endpoint of the API is in the matrix or in the short
list of endpoints that name no tenant's object, and a test checks that this is so.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

#: A user of each role, and objects (loan, facility) of a tenant that user is not party to.
STRANGERS = {
    "lender": ("cit-ops", "congress-revolver-lrg", "congress-revolver"),
    "admin": ("cit-admin", "lci-ohio-real-estate-loan", "congress-revolver"),
    "auditor": ("congress-auditor", "cit-note", "cit-facility"),
    "borrower": ("lrg-treasurer", "cit-note", "cit-facility"),
}

DAY = {"date": "2002-06-28"}
#: Query of every read (the calendar also needs its window; the others ignore it).
QUERY = {"as_of": "2002-06-28", "from": "2002-01-01", "to": "2002-12-31"}
WRITES: dict[str, dict[str, Any]] = {
    "/api/v1/loans/{loan}/payments": {**DAY, "amount": "100.00"},
    "/api/v1/loans/{loan}/prepayments": {**DAY, "amount": "100.00"},
    "/api/v1/loans/{loan}/advances": {**DAY, "amount": "100.00"},
    "/api/v1/loans/{loan}/fees": {**DAY, "amount": "100.00"},
    "/api/v1/loans/{loan}/notices": {**DAY, "subject": "overadvance"},
    "/api/v1/loans/{loan}/waivers": {**DAY, "subject": "overadvance_rate"},
    "/api/v1/loans/{loan}/elections": {**DAY, "subject": "default_rate"},
    "/api/v1/loans/{loan}/accelerations": DAY,
    "/api/v1/loans/{loan}/corrections": {"reverses": "rv-open-lrg"},
    "/api/v1/approvals/{approval}/approve": {},
    "/api/v1/approvals/{approval}/reject": {},
    "/api/v1/documents": {},  # a term file about the object (below)
}
READS = (
    "/api/v1/loans/{loan}/terms",
    "/api/v1/loans/{loan}/history",
    "/api/v1/loans/{loan}/schedule",
    "/api/v1/loans/{loan}/statement",
    "/api/v1/loans/{loan}/payoff",
    "/api/v1/loans/{loan}/ledger",
    "/api/v1/loans/{loan}/events",
    "/api/v1/facilities/{facility}",
    "/api/v1/facilities/{facility}/availability",
    "/api/v1/facilities/{facility}/commitment",
    "/api/v1/facilities/{facility}/compliance",
    "/api/v1/facilities/{facility}/defaults",
    "/api/v1/facilities/{facility}/calendar",
    "/api/v1/facilities/{facility}/collateral",
    "/api/v1/approvals/{approval}",
)
#: Endpoints that name no other tenant's object: lists are filtered (checked below), ``me``
#: is the caller, and fixings are market data any lender records.
UNSCOPED = {
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/facilities"),
    ("GET", "/api/v1/loans"),
    ("GET", "/api/v1/approvals"),
    ("POST", "/api/v1/fixings"),
}


def _document(loan: str, facility: str) -> dict[str, Any]:
    section = "loans" if not loan.startswith("congress-revolver-") else "revolvers"
    item = loan if section == "loans" else facility
    text = (
        "document:\n  id: intruder-amendment\n  title: An amendment\n  kind: amendment\n"
        "  date: 2002-06-28\n"
        f"changes:\n  - path: {section}.{item}.maximum_credit\n    op: set\n"
        "    value: 1.00\n    effective: 2002-06-28\n    cite: intruder §1\n"
    )
    return {"name": "intruder.yaml", "text": text}


def _foreign_approval(api: Api, loan: str) -> int:
    """A held write of the tenant that owns ``loan`` (made by its own lender)."""
    owner = "cit-ops" if loan == "cit-note" else "congress-ops"
    response = api.client.post(
        f"/api/v1/loans/{loan}/waivers",
        json={"date": "2002-06-28", "subject": "overadvance_rate"},
        headers=api.headers(owner),
    )
    assert response.status_code == 202, response.text
    approval: int = response.json()["approval"]
    return approval


@pytest.mark.parametrize("role", sorted(STRANGERS))
def test_every_endpoint_refuses_another_tenants_objects(api_sqlite: Api, role: str) -> None:
    api = api_sqlite
    user, loan, facility = STRANGERS[role]
    approval = _foreign_approval(api, loan)
    ids = {"loan": loan, "facility": facility, "approval": str(approval)}
    for path in READS:
        url = path.format(**ids)
        for target in (url, path.format(loan="no-such-loan", facility="none", approval="999")):
            response = api.client.get(target, params=QUERY, headers=api.headers(user))
            assert response.status_code == 404, (role, target, response.text)
            assert response.headers["content-type"] == "application/problem+json"
    for path, body in WRITES.items():
        url = path.format(**ids)
        payload = body or (_document(loan, facility) if "documents" in path else {})
        response = api.client.post(url, json=payload, headers=api.headers(user))
        assert response.status_code == 403, (role, url, response.text)
    # Lists show none of the other tenant's objects.
    loans = api.client.get(
        "/api/v1/loans", params={"as_of": "1996-12-31"}, headers=api.headers(user)
    )
    assert loan not in {r["loan"] for r in loans.json()["loans"]}
    facilities = api.client.get("/api/v1/facilities", headers=api.headers(user)).json()
    assert facility not in {f["facility"] for f in facilities}
    queue = api.client.get("/api/v1/approvals", headers=api.headers(user)).json()["approvals"]
    assert approval not in {a["id"] for a in queue}


def test_the_matrix_covers_every_endpoint(api_sqlite: Api) -> None:
    paths = api_sqlite.client.get("/openapi.json").json()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/v1")
        for method in operations
    }
    covered = {("GET", p) for p in READS} | {("POST", p) for p in WRITES} | UNSCOPED
    assert routes == covered


def test_the_owners_may(api_sqlite: Api) -> None:
    """The same calls succeed for the tenant's own users (the matrix is not vacuous)."""
    api = api_sqlite
    for path in READS[:-1]:
        url = path.format(loan="congress-revolver-lrg", facility="congress-revolver")
        if url.endswith(("schedule", "commitment")):
            continue  # a revolving account has no schedule; a revolver no term commitment
        response = api.client.get(url, params=QUERY, headers=api.headers("congress-auditor"))
        assert response.status_code == 200, (url, response.text)
    response = api.client.post(
        "/api/v1/loans/congress-revolver-lrg/notices",
        json={"date": "2002-06-28", "subject": "overadvance"},
        headers=api.headers("congress-ops"),
    )
    assert response.status_code == 201, response.text
