"""Maker-checker: writes of the chosen kinds wait for a second user of the same lender; the
maker cannot decide; a pending or rejected write changes no figure; the log keeps maker,
checker and both times; the recorded event names both users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from loanbook.storage.schema import EventRow
from tests.api.conftest import Api
from tests.conftest import EXAMPLE

STATEMENT = "/api/v1/loans/cit-note/statement?as_of=1997-01-31"
BIG = {"date": "1997-01-31", "amount": "1121981.96", "reference": "big remittance"}


def _total_due(api: Api) -> str:
    due: str = api.get("cit-ops", STATEMENT).json()["total_due"]  # type: ignore[attr-defined]
    return due


def test_a_large_payment_waits_for_a_second_user(api: Api) -> None:
    before = _total_due(api)
    held = api.client.post(
        "/api/v1/loans/cit-note/payments", json=BIG, headers=api.headers("cit-ops")
    )
    assert held.status_code == 202, held.text
    body = held.json()
    assert body["status"] == "pending" and "above 1,000,000.00" in body["detail"]
    approval = body["approval"]
    assert _total_due(api) == before  # pending: no figure changes
    own = api.client.post(
        f"/api/v1/approvals/{approval}/approve", json={}, headers=api.headers("cit-ops")
    )
    assert own.status_code == 403 and "maker" in own.json()["detail"]
    other_lender = api.client.post(
        f"/api/v1/approvals/{approval}/approve", json={}, headers=api.headers("congress-admin")
    )
    assert other_lender.status_code == 403
    auditor = api.client.post(
        f"/api/v1/approvals/{approval}/approve", json={}, headers=api.headers("cit-auditor")
    )
    assert auditor.status_code == 403
    done = api.client.post(
        f"/api/v1/approvals/{approval}/approve",
        json={"note": "checked against the wire"},
        headers=api.headers("cit-ops2"),
    )
    assert done.status_code == 201, done.text
    assert done.json()["status"] == "recorded"
    # 121,981.96 pays what is due; the other 1,000,000.00 stays as unapplied funds (credit).
    assert _total_due(api) == "-1000000.00"
    with api.store.read() as conn:
        row = conn.execute(select(EventRow).where(EventRow.reference == "big remittance")).one()
    assert row.source == "api:cit-ops, approved by cit-ops2"
    log = api.get("cit-admin", f"/api/v1/approvals/{approval}").json()  # type: ignore[attr-defined]
    assert (log["maker"], log["checker"], log["decision"]) == ("cit-ops", "cit-ops2", "approved")
    assert datetime.fromisoformat(log["made_at"]) <= datetime.fromisoformat(log["decided_at"])
    again = api.client.post(
        f"/api/v1/approvals/{approval}/reject", json={}, headers=api.headers("cit-admin")
    )
    assert again.status_code == 409


def test_a_rejected_waiver_changes_nothing(api_sqlite: Api) -> None:
    api = api_sqlite
    url = "/api/v1/loans/congress-revolver-lpc/statement?as_of=2002-03-31"
    before = api.get("congress-ops", url).json()  # type: ignore[attr-defined]
    held = api.client.post(
        "/api/v1/loans/congress-revolver-lpc/waivers",
        json={"date": "2002-01-11", "subject": "overadvance_rate", "reference": "letter"},
        headers=api.headers("congress-ops"),
    )
    assert held.status_code == 202
    approval = held.json()["approval"]
    queue = api.get("congress-admin", "/api/v1/approvals?pending=true").json()  # type: ignore[attr-defined]
    assert [a["id"] for a in queue["approvals"]] == [approval]
    rejected = api.client.post(
        f"/api/v1/approvals/{approval}/reject",
        json={"note": "no signed writing on file"},
        headers=api.headers("congress-admin"),
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert api.get("congress-ops", url).json() == before  # type: ignore[attr-defined]
    log = api.get("congress-ops", f"/api/v1/approvals/{approval}").json()  # type: ignore[attr-defined]
    assert log["decision"] == "rejected" and log["checker"] == "congress-admin"
    assert log["note"] == "no signed writing on file"


def test_small_payments_and_notices_are_recorded_at_once(api_sqlite: Api) -> None:
    api = api_sqlite
    response = api.client.post(
        "/api/v1/loans/cit-note/payments",
        json={"date": "1997-01-31", "amount": "121981.96"},
        headers=api.headers("cit-ops"),
    )
    assert response.status_code == 201 and response.json()["approval"] is None


def test_a_held_write_is_validated_when_made(api_sqlite: Api) -> None:
    """The maker hears at once that the event is wrong; nothing is queued."""
    api = api_sqlite
    response = api.client.post(
        "/api/v1/loans/cit-note/accelerations",
        json={"date": "1990-01-01"},
        headers=api.headers("cit-ops"),
    )
    assert response.status_code == 422, response.text
    assert api.get("cit-ops", "/api/v1/approvals").json()["approvals"] == []  # type: ignore[attr-defined]


def test_documents_are_validated_as_import_does(api_sqlite: Api) -> None:
    """A certificate is recorded at once; an amendment waits for a second user; a bad one
    is refused naming its line and field, and nothing is stored."""
    api = api_sqlite
    cert = (EXAMPLE / "certificates" / "bbc-2002-12-31.yaml").read_text(encoding="utf-8")
    cert = cert.replace("bbc-2002-12-31", "bbc-2003-01-31").replace(
        "as_of: 2002-12-31", "as_of: 2003-01-31"
    )
    done = api.client.post(
        "/api/v1/documents",
        json={"name": "bbc-2003-01-31.yaml", "text": cert, "certificate": True},
        headers=api.headers("congress-ops"),
    )
    assert done.status_code == 201, done.text
    assert done.json()["keys"] == ["bbc-2003-01-31"]
    amendment = (
        'document:\n  id: "005"\n  title: A later amendment\n  kind: amendment\n'
        "  date: 2002-12-01\n"
        "changes:\n  - path: revolvers.congress-revolver.maximum_credit\n    op: set\n"
        "    value: 12000000.00\n    effective: 2002-12-01\n    cite: 005 §1\n"
    )
    held = api.client.post(
        "/api/v1/documents",
        json={"name": "005-amendment.yaml", "text": amendment},
        headers=api.headers("congress-ops"),
    )
    assert held.status_code == 202, held.text
    bad = api.client.post(
        "/api/v1/documents",
        json={"name": "006.yaml", "text": amendment.replace("op: set", "op: sideways")},
        headers=api.headers("congress-ops"),
    )
    assert bad.status_code == 422
    error = bad.json()["errors"][0]
    assert error["source"].startswith("006.yaml:") and "op" in error["field"]
    approved = api.client.post(
        f"/api/v1/approvals/{held.json()['approval']}/approve",
        json={},
        headers=api.headers("congress-admin"),
    )
    assert approved.status_code == 201, approved.text
    avail = api.get(
        "congress-ops", "/api/v1/facilities/congress-revolver/availability?as_of=2002-12-31"
    ).json()  # type: ignore[attr-defined]
    assert avail["maximum_credit"] == "12000000.00" and avail["maximum_credit_cite"] == "005 §1"
