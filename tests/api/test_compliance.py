"""Compliance over HTTP: the facility's covenant tests, Events of Default, the lender's
options, the obligations calendar and the collateral, with the CLI's JSON keys, as of a
date and as known on a date, figures checked by hand against the example book."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

BASE = "/api/v1/facilities"


def _get(api: Api, user: str, path: str, **params: str) -> Any:
    response = api.client.get(f"{BASE}/{path}", params=params, headers=api.headers(user))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_august_2002_breach_as_known_before_and_after_004(api: Api) -> None:
    """004 §4 deletes the working-capital covenant effective 2002-08-01, recorded 2002-10-31:
    the August 2002 test is a breach as known on 2002-10-30 and absent as known on 2002-11-01."""
    before = _get(
        api,
        "congress-ops",
        "congress-revolver/compliance",
        as_of="2002-10-30",
        known_on="2002-10-30",
    )
    assert before["facility"] == "congress-revolver"
    tests = {t["id"]: t for t in before["compliance"]["covenants"]}
    august = tests["working-capital@2002-08-31"]
    # fs-lpc-2002-08 (invented, labelled so): current assets 30,120,000.00 - current
    # liabilities 24,910,000.00 = 5,210,000.00 against a floor of 5,500,000.00:
    # headroom 5,210,000.00 - 5,500,000.00 = -290,000.00; -290,000 / 5,500,000 = -5.27 %.
    assert august["inputs"] == {
        "current_assets": "30120000.00",
        "current_liabilities": "24910000.00",
    }
    assert august["value"] == "5210000.00"
    assert august["threshold"] == "5500000.00"
    assert august["headroom"] == "-290000.00"
    assert august["headroom_percent"] == "-5.27"
    assert august["passed"] is False
    assert august["cite"] == "congress-afa Covenant Supplement §IV(g)(i)(b)"
    # July: 30,460,000.00 - 24,880,000.00 = 5,580,000.00; headroom 80,000.00 = 1.45 %.
    july = tests["working-capital@2002-07-31"]
    assert (july["value"], july["headroom"], july["passed"]) == ("5580000.00", "80000.00", True)
    eods = {e["id"]: e for e in before["compliance"]["events_of_default"]}
    breach = eods["covenant:working-capital@2002-08-31"]
    assert breach["kind"] == "covenant_breach" and breach["status"] == "continuing"
    assert breach["waived_by"] is None
    # The 14% Junior Subordinated Notes unpaid at maturity 2002-05-01: a cross-default
    # (congress-afa §10.1(f)), not yet waived as known on 2002-10-30.
    cross = eods["cross-default:junior-subordinated-14@2002-05-01"]
    assert (cross["status"], cross["cite"]) == ("continuing", "congress-afa §10.1(f)")
    options = {(o["subject"], o["option"]): o for o in before["compliance"]["options"]}
    rate = options[("congress-revolver-lpc", "default_rate")]
    assert rate["available_from"] == "2002-05-01"
    assert any("cross-default:junior-subordinated-14" in b for b in rate["because"])

    after = _get(
        api,
        "congress-ops",
        "congress-revolver/compliance",
        as_of="2002-12-31",
        known_on="2002-11-01",
    )
    ids = {t["id"] for t in after["compliance"]["covenants"]}
    assert "working-capital@2002-07-31" in ids and "working-capital@2002-08-31" not in ids
    eods = {e["id"]: e for e in after["compliance"]["events_of_default"]}
    assert "covenant:working-capital@2002-08-31" not in eods
    # 004 Exhibit A §1 waives the Other Indebtedness cross-defaults from 2002-10-31.
    cross = eods["cross-default:junior-subordinated-14@2002-05-01"]
    assert (cross["status"], cross["waived_by"], cross["since"]) == (
        "waived",
        "other-indebtedness",
        "2002-10-31",
    )
    assert cross["decided_by"] == "004 Exhibit A §1"


def test_defaults_and_options_of_one_facility(api_sqlite: Api) -> None:
    """The fixture book leaves out the CIT note's remittances after 1996: the installment of
    1997-01-31 (121,981.96, as the statement shows) unpaid after 10 days' grace is a payment
    default from 1997-02-11 (cit-lsa §7.1(a)); Congress's defaults are not CIT's to see."""
    data = _get(api_sqlite, "cit-ops", "cit-facility/defaults", as_of="1997-03-31")
    assert data["facility"] == "cit-facility" and data["as_of"] == "1997-03-31"
    eods = {e["id"]: e for e in data["events_of_default"]}
    jan = eods["payment:cit-note@1997-01-31"]
    assert (jan["occurred_on"], jan["status"], jan["cite"]) == (
        "1997-02-11",
        "continuing",
        "cit-lsa §7.1(a)",
    )
    assert "121981.96" in jan["cause"]
    assert {e["facility"] for e in data["events_of_default"]} == {"cit-facility"}
    assert all(o["subject"] == "cit-note" for o in data["options"])


def test_calendar_from_to(api_sqlite: Api) -> None:
    data = _get(
        api_sqlite,
        "congress-auditor",
        "congress-revolver/calendar",
        **{"from": "2002-12-01", "to": "2003-01-31"},
    )
    cal = data["calendar"]
    assert (cal["from"], cal["to"], cal["as_of"]) == ("2002-12-01", "2003-01-31", "2003-01-31")
    kinds = {(i["date"], i["kind"]): i for i in cal["items"]}
    # 004 §2: the Renewal Date 2003-01-03 ends the term; Exhibit A §1 waives until then.
    assert kinds[("2003-01-03", "term_end")]["cite"] == "004 §2"
    assert kinds[("2003-01-03", "waiver_expiry")]["subject"] == "other-indebtedness"
    assert all(i["subject"] != "cit-note" for i in cal["items"])  # another lender's loan
    assert all("2002-12-01" <= i["date"] <= "2003-01-31" for i in cal["items"])
    bad = api_sqlite.client.get(
        f"{BASE}/congress-revolver/calendar",
        params={"from": "2003-01-31", "to": "2002-12-01"},
        headers=api_sqlite.headers("congress-ops"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"


def test_collateral_as_each_lender_holds_it(api_sqlite: Api) -> None:
    congress = _get(api_sqlite, "congress-ops", "congress-revolver/collateral", as_of="2002-12-31")[
        "collateral"
    ]
    assert set(congress) >= {"items", "liens", "consents", "guarantors"}
    consents = {c["id"]: c for c in congress["consents"]}
    # 002 §2: Congress consents to CIT's lien effective as of 1996-01-17 and to Bank One's
    # from 1996-03-14.
    assert consents["cit-lien"]["effective"] == "1996-01-17"
    assert consents["bank-one-liens"]["effective"] == "1996-03-14"
    assert {g["id"] for g in congress["guarantors"]} == {"lci"}
    cit = _get(api_sqlite, "cit-ops", "cit-facility/collateral", as_of="2002-12-31")["collateral"]
    assert [lien["id"] for lien in cit["liens"]] == ["cit-lien"]
    lien = cit["liens"][0]
    assert (lien["secured_party"], lien["from"], lien["amount"]) == (
        "cit",
        "1996-01-17",
        "5500000.00",
    )
    # Invented items of the CIT Collateral, at their cost: 612,000.00 + 455,000.00 + 238,000.00.
    assert sorted(i["cost"] for i in cit["items"]) == ["238000.00", "455000.00", "612000.00"]
    assert cit["consents"] == [] and cit["guarantors"] == []


def test_a_borrower_reads_its_facility_compliance(api_sqlite: Api) -> None:
    data = _get(api_sqlite, "lpc-treasurer", "cit-facility/compliance", as_of="1996-06-30")
    assert data["compliance"]["as_of"] == "1996-06-30"
    assert all(
        i["subject"] in {"cit-facility", "cit-note"} for i in data["compliance"]["next_obligations"]
    )


def test_dates_past_the_calendar_are_refused_not_crashed(api_sqlite: Api) -> None:
    """A schedule cannot run to 9999-12-31: the answer is a 422 naming the date, never a 5xx."""
    for path, params in (
        ("cit-facility/compliance", {"as_of": "9999-12-31"}),
        ("cit-facility/defaults", {"as_of": "9999-12-31"}),
        ("cit-facility/calendar", {"from": "0001-01-01", "to": "9999-12-31"}),
        ("cit-facility/collateral", {"as_of": "9999-12-31"}),
        ("cit-facility/compliance", {"as_of": "0001-01-01", "known_on": "0001-01-01"}),
    ):
        response = api_sqlite.client.get(
            f"{BASE}/{path}", params=params, headers=api_sqlite.headers("cit-ops")
        )
        assert response.status_code in (200, 422), (path, response.text)
        if response.status_code == 422:
            assert response.headers["content-type"] == "application/problem+json"
