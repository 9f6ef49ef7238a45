"""Who may see and change what: tenancy derived from the terms themselves.

Every loan and facility names its lender and borrower(s) in its terms (``loans.X.lender``,
``revolvers.F.accounts`` keyed by borrower, ...). A user has one role scoped to one party:

| role | reads | records | approves |
|---|---|---|---|
| lender | loans and facilities whose lender is its party | the same | its lender's |
| admin | the same | the same | its lender's |
| borrower | loans whose borrower is its party (across lenders) | nothing | no |
| auditor | loans where its party is lender or borrower | nothing | no |

A denied read looks exactly like a missing object (404); a denied write is 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loanbook.book import FAR_FUTURE, Book
from loanbook.storage.users import Role, User


@dataclass(frozen=True)
class Owners:
    """The parties of one loan or facility."""

    lender: str
    borrowers: frozenset[str]
    facility: str


@dataclass(frozen=True)
class Tenancy:
    """Owners of every loan and facility of the book, and each facility's loans."""

    loans: dict[str, Owners] = field(default_factory=dict)
    facilities: dict[str, Owners] = field(default_factory=dict)
    facility_loans: dict[str, tuple[str, ...]] = field(default_factory=dict)
    revolvers: frozenset[str] = frozenset()
    accounts: frozenset[str] = frozenset()  # revolving loan accounts (no installments)
    party_names: dict[str, str] = field(default_factory=dict)


def _value(raw: dict[str, Any], name: str) -> Any:
    term = raw.get(name)
    return term.get("value") if isinstance(term, dict) else term


def tenancy_of(book: Book) -> Tenancy:
    """Who owns what, from the latest terms the book knows."""
    state = book.state(FAR_FUTURE)
    loans: dict[str, Owners] = {}
    facilities: dict[str, Owners] = {}
    members: dict[str, list[str]] = {}
    for fid, raw in state["facilities"].items():
        borrower = _value(raw, "borrower")
        facilities[fid] = Owners(
            str(_value(raw, "lender") or ""), frozenset({str(borrower)} if borrower else ()), fid
        )
    for fid, raw in state["revolvers"].items():
        accounts: dict[str, str] = dict(_value(raw, "accounts") or {})
        lender = str(_value(raw, "lender") or "")
        facilities[fid] = Owners(lender, frozenset(accounts), fid)
        for borrower, account in accounts.items():
            loans[account] = Owners(lender, frozenset({borrower}), fid)
            members.setdefault(fid, []).append(account)
    for lid, raw in state["loans"].items():
        fid = str(_value(raw, "facility") or "")
        loans[lid] = Owners(
            str(_value(raw, "lender") or ""), frozenset({str(_value(raw, "borrower") or "")}), fid
        )
        if fid:
            members.setdefault(fid, []).append(lid)
            if fid not in facilities:
                facilities[fid] = Owners(loans[lid].lender, loans[lid].borrowers, fid)
            else:  # a facility's borrowers include those of its notes
                f = facilities[fid]
                facilities[fid] = Owners(f.lender, f.borrowers | loans[lid].borrowers, fid)
    names = {
        pid: str(p.get("short") or p.get("name") or pid)
        for pid, p in state["parties"].items()
        if isinstance(p, dict)
    }
    return Tenancy(
        loans,
        facilities,
        {f: tuple(sorted(ls)) for f, ls in members.items()},
        frozenset(state["revolvers"]),
        frozenset(
            a for f in state["revolvers"].values() for a in (_value(f, "accounts") or {}).values()
        ),
        names,
    )


def can_read(user: User, owners: Owners | None) -> bool:
    if owners is None:
        return False
    if user.role in (Role.LENDER, Role.ADMIN):
        return owners.lender == user.party
    if user.role is Role.BORROWER:
        return user.party in owners.borrowers
    return owners.lender == user.party or user.party in owners.borrowers  # auditor


def can_write(user: User, owners: Owners | None) -> bool:
    return (
        owners is not None
        and user.role in (Role.LENDER, Role.ADMIN)
        and owners.lender == user.party
    )


def can_approve(user: User, lender: str) -> bool:
    """A second user of the same lender (the maker is refused separately)."""
    return user.role in (Role.LENDER, Role.ADMIN) and user.party == lender


def can_record_market(user: User) -> bool:
    """Fixings are market data, not a tenant's: any lender or admin may record them."""
    return user.role in (Role.LENDER, Role.ADMIN)
