"""Collateral, liens, consents and guarantors; where each item is over time; location covenants.

An item is where its term puts it (``location``, ``since``) until a recorded move takes it
elsewhere. A location covenant (002 §3(a)) forbids moving a covered item off (or onto) the
locations it lists except upon *prior* written notice to the lender that identifies the item
by its serial number: a move with no such notice on or before its date is a breach; a notice
that does not list the serial number does not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from loanbook.compliance.inputs import ComplianceHistory, Facts
from loanbook.compliance.schema import CollateralItemModel, LocationCovenantModel

TANGIBLE = ("equipment", "inventory")


@dataclass(frozen=True)
class ItemPlace:
    item: str
    description: str
    kind: str
    serial: str | None
    location: str
    since: date
    owner: str
    cost: Any
    appraisal: Any
    cite: str
    liens: tuple[str, ...]


@dataclass(frozen=True)
class CollateralBreach:
    item: str
    serial: str | None
    moved_from: str
    moved_to: str
    date: date
    covenant: str
    facility: str
    reason: str
    cite: str
    document: str


def _covers(cov: LocationCovenantModel, item_id: str, item: CollateralItemModel) -> bool:
    return item_id in cov.items if cov.items else item.kind in TANGIBLE


def _notice_for(
    item_id: str, item: CollateralItemModel, facts: Facts, day: date
) -> tuple[bool, str]:
    """Whether a prior notice identified the item; the reason when not."""
    notices = [n for n, _ in facts.notices(day) if n.subject == "collateral_move"]
    wanted = {item_id} | ({item.serial} if item.serial else set())
    if any(wanted & set(n.serials) for n in notices):
        return True, ""
    if notices:
        return False, "the notices given do not list its serial number"
    return False, "no prior written notice"


def locations_and_breaches(
    history: ComplianceHistory, facts: Facts, as_of: date
) -> tuple[dict[str, tuple[str, date]], tuple[CollateralBreach, ...]]:
    """Where every item is on ``as_of`` (location, since), and the moves that broke a location
    covenant in force on their date."""
    items = {}
    for item_id, (first, _) in history.ever("collateral").items():
        if first <= as_of:
            terms = history.at(as_of) if item_id in history.at(as_of).model.collateral else None
            items[item_id] = (terms or history.at(first)).model.collateral[item_id]
    where = {i: (it.location, it.since) for i, it in items.items()}
    breaches = []
    for move, document in facts.moves(as_of):
        item = items.get(move.item)
        if item is None:
            continue
        before = where[move.item][0]
        if before == move.to:
            continue
        terms = history.at(move.date)
        for cov_id, cov in sorted(terms.model.location_covenants.items()):
            if not _covers(cov, move.item, item):
                continue
            if before not in cov.off and move.to not in cov.onto:
                continue
            ok, reason = _notice_for(move.item, item, facts, move.date)
            if not ok:
                breaches.append(
                    CollateralBreach(
                        move.item,
                        item.serial,
                        before,
                        move.to,
                        move.date,
                        cov_id,
                        cov.facility,
                        reason,
                        terms.cite("location_covenants", cov_id, cov.cite),
                        document,
                    )
                )
        where[move.item] = (move.to, move.date)
    return where, tuple(breaches)


def collateral_report(history: ComplianceHistory, facts: Facts, as_of: date) -> dict[str, Any]:
    """Items (where they are), liens, consents, guarantors and location covenants on
    ``as_of``: the ``collateral`` JSON of the CLI."""
    terms = history.at(as_of)
    model = terms.model
    where, breaches = locations_and_breaches(history, facts, as_of)
    liens_of: dict[str, list[str]] = {}
    for lien_id, lien in model.liens.items():
        if lien.from_ <= as_of:
            for item in lien.collateral:
                liens_of.setdefault(item, []).append(lien_id)
    items = []
    for item_id, it in sorted(model.collateral.items()):
        location, since = where.get(item_id, (it.location, it.since))
        items.append(
            {
                "id": item_id,
                "kind": it.kind,
                "description": it.description,
                "serial": it.serial,
                "owner": it.owner,
                "location": location,
                "address": model.locations[location].address if location in model.locations else "",
                "since": since,
                "cost": it.cost,
                "appraisal": it.appraisal,
                "liens": sorted(liens_of.get(item_id, [])),
                "cite": terms.cite("collateral", item_id, it.cite),
            }
        )
    liens = [
        {
            "id": lien_id,
            "secured_party": lien.secured_party,
            "grantor": lien.grantor,
            "collateral": list(lien.collateral),
            "secures": lien.secures,
            "priority": lien.priority,
            "from": lien.from_,
            "amount": lien.amount,
            "cite": terms.cite("liens", lien_id, lien.cite),
        }
        for lien_id, lien in sorted(model.liens.items())
        if lien.from_ <= as_of
    ]
    consents = [
        {
            "id": cid,
            "by": c.by,
            "to": c.to,
            "effective": c.effective,
            "subject_to": c.subject_to,
            "cite": terms.cite("consents", cid, c.cite),
        }
        for cid, c in sorted(model.consents.items())
    ]
    guarantors = [
        {
            "id": gid,
            "party": g.party,
            "guarantees": g.guarantees,
            "consents": list(g.consents),
            "cite": terms.cite("guarantors", gid, g.cite),
        }
        for gid, g in sorted(model.guarantors.items())
    ]
    covenants = [
        {
            "id": cid,
            "facility": c.facility,
            "items": list(c.items),
            "off": list(c.off),
            "onto": list(c.onto),
            "cite": terms.cite("location_covenants", cid, c.cite),
        }
        for cid, c in sorted(model.location_covenants.items())
    ]
    return {
        "as_of": as_of,
        "items": items,
        "liens": liens,
        "consents": consents,
        "guarantors": guarantors,
        "location_covenants": covenants,
        "breaches": [
            {
                "item": b.item,
                "serial": b.serial,
                "from": b.moved_from,
                "to": b.moved_to,
                "date": b.date,
                "covenant": b.covenant,
                "reason": b.reason,
                "cite": b.cite,
            }
            for b in breaches
        ],
    }
