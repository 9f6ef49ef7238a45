"""The borrowing base from a borrowing-base certificate, item by item, with the rule that
included or excluded each item and its clause.

An item the certificate marks eligible can still be excluded by the agreement's rules (002 §4:
inventory and equipment at the North Canton Property are never eligible); an item the
certificate marks ineligible stays out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanbook.errors import Issue, ValidationError
from loanbook.money import ZERO, to_cents
from loanbook.revolving.terms import EligibilityRule, RevolverTerms

COLLATERAL = ("accounts", "inventory", "equipment")


@dataclass(frozen=True)
class CertificateItem:
    id: str
    description: str
    collateral: str  # accounts | inventory | equipment
    location: str
    value: Decimal
    certified_eligible: bool = True
    borrower: str = ""
    age_days: int | None = None  # receivables: days since invoice
    type: str = ""  # e.g. "new equipment", "finished goods"


@dataclass(frozen=True)
class Certificate:
    """A borrowing-base certificate as delivered on ``as_of`` (a source file for errors)."""

    facility: str
    as_of: date
    items: tuple[CertificateItem, ...]
    source: str = "certificate"
    note: str = ""


@dataclass(frozen=True)
class ItemResult:
    item: CertificateItem
    eligible: bool
    advance_rate: Decimal
    lendable: Decimal
    rule: str
    cite: str


@dataclass(frozen=True)
class BorrowingBase:
    certificate: Certificate
    items: tuple[ItemResult, ...]
    by_collateral: tuple[tuple[str, Decimal, str], ...]  # (collateral, lendable, why capped)

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount, _ in self.by_collateral), ZERO)


def check_certificate(cert: Certificate, terms: RevolverTerms) -> list[Issue]:
    """Why a certificate cannot be recorded: negative values, unknown locations or
    collateral, duplicate items."""
    issues: list[Issue] = []
    seen: set[str] = set()
    for n, item in enumerate(cert.items):
        where = f"items[{n}]"
        if item.id in seen:
            issues.append(Issue(cert.source, f"{where}.id", f"duplicate item {item.id!r}"))
        seen.add(item.id)
        if item.value < 0:
            issues.append(Issue(cert.source, f"{where}.value", f"negative value {item.value}"))
        if item.location not in terms.locations:
            known = ", ".join(terms.locations)
            issues.append(
                Issue(
                    cert.source,
                    f"{where}.location",
                    f"unknown location {item.location!r} (known: {known}; "
                    f"{terms.cite('locations')})",
                )
            )
        if item.collateral not in COLLATERAL:
            issues.append(
                Issue(
                    cert.source,
                    f"{where}.collateral",
                    f"unknown collateral {item.collateral!r} ({', '.join(COLLATERAL)})",
                )
            )
        if item.age_days is not None and item.age_days < 0:
            issues.append(Issue(cert.source, f"{where}.age_days", "must not be negative"))
    return issues


def _excluded_by(item: CertificateItem, rule: EligibilityRule) -> str | None:
    if item.collateral not in rule.collateral:
        return None
    if rule.rule == "excluded_location" and item.location in rule.locations:
        return f"{item.collateral} at {item.location} is not eligible"
    if (
        rule.rule == "max_age_days"
        and rule.days is not None
        and item.age_days is not None
        and item.age_days > rule.days
    ):
        return f"receivable {item.age_days} days old, more than {rule.days}"
    if rule.rule == "ineligible_type" and item.type in rule.types:
        return f"{item.type} is not an eligible type"
    return None


def borrowing_base(cert: Certificate, terms: RevolverTerms) -> BorrowingBase:
    """Each item's eligibility and lendable value; sublimits cap each class of collateral."""
    issues = check_certificate(cert, terms)
    if issues:
        raise ValidationError(issues)
    results: list[ItemResult] = []
    for item in cert.items:
        rate = terms.advance_rates.get(item.collateral, ZERO)
        verdict = None
        for rule in terms.eligibility:
            reason = _excluded_by(item, rule)
            if reason is not None:
                verdict = (reason, rule.cite)
                break
        if verdict is not None:
            results.append(ItemResult(item, False, rate, ZERO, verdict[0], verdict[1]))
        elif not item.certified_eligible:
            results.append(
                ItemResult(
                    item, False, rate, ZERO, "marked ineligible on the certificate", cert.source
                )
            )
        else:
            results.append(
                ItemResult(
                    item,
                    True,
                    rate,
                    to_cents(item.value * rate),
                    f"eligible {item.collateral} at {(rate * 100).normalize():f}%",
                    terms.cite("advance_rates"),
                )
            )
    classes = []
    for kind in COLLATERAL:
        lendable = sum((r.lendable for r in results if r.item.collateral == kind), ZERO)
        cap = terms.sublimits.get(kind)
        why = ""
        if cap is not None and lendable > cap:
            lendable, why = cap, f"capped at the {kind} sublimit ({terms.cite('sublimits')})"
        if lendable or any(r.item.collateral == kind for r in results):
            classes.append((kind, lendable, why))
    return BorrowingBase(cert, tuple(results), tuple(classes))


def latest_certificate(certs: tuple[Certificate, ...], facility: str, day: date) -> Certificate:
    """The latest certificate on or before ``day`` (availability uses it)."""
    candidates = [c for c in certs if c.facility == facility and c.as_of <= day]
    if not candidates:
        raise ValidationError(
            Issue(
                "certificates",
                "as_of",
                f"no borrowing-base certificate for {facility} on or before {day}",
            )
        )
    return max(candidates, key=lambda c: c.as_of)
