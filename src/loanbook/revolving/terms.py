"""A revolving facility's terms as immutable records, each traceable to its clause."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError as PydanticError

from loanbook.errors import ValidationError
from loanbook.terms.build import pydantic_issues
from loanbook.terms.model import Citation
from loanbook.terms.schema import RevolverModel
from loanbook.time import DayCount


@dataclass(frozen=True)
class EligibilityRule:
    """Collateral of these types is ineligible when the rule matches, whatever the
    certificate says (e.g. 002 §4: nothing at the North Canton Property)."""

    rule: str  # excluded_location | max_age_days | ineligible_type
    collateral: tuple[str, ...]
    cite: str
    locations: tuple[str, ...] = ()
    days: int | None = None
    types: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class RevolverTerms:
    id: str
    lender: str
    accounts: Mapping[str, str]  # borrower -> revolving loan account id
    maximum_credit: Decimal
    start: date
    term_end: date
    day_count: DayCount
    prime_index: str
    prime_margin: Decimal
    eurodollar_margin: Decimal | None
    eurodollar_allowed: bool
    default_margin: Decimal
    overadvance_margin: Decimal
    overadvance_notice_days: int
    advance_rates: Mapping[str, Decimal]
    sublimits: Mapping[str, Decimal]
    reserves: Decimal
    locations: tuple[str, ...]
    eligibility: tuple[EligibilityRule, ...]
    cites: Mapping[str, Citation] = field(default_factory=lambda: MappingProxyType({}))

    def cite(self, name: str) -> str:
        found = self.cites.get(name)
        return str(found) if found else ""

    def term(self, name: str) -> str:
        return f"revolvers.{self.id}.{name}"

    def account_of(self, account: str) -> str | None:
        """The borrower whose revolving loan account this is."""
        return next((b for b, a in self.accounts.items() if a == account), None)


def revolver_terms(facility: str, raw: dict[str, Any], source: str = "terms") -> RevolverTerms:
    try:
        m = RevolverModel.model_validate(raw)
    except PydanticError as exc:
        raise ValidationError(pydantic_issues(exc, source, f"revolvers.{facility}.")) from None
    cites = {}
    for name in RevolverModel.model_fields:
        term = getattr(m, name)
        if term is not None:
            doc, _, section = term.cite.partition(" ")
            cites[name] = Citation(doc, section, term.assumption or "")
    return RevolverTerms(
        id=facility,
        lender=m.lender.value,
        accounts=MappingProxyType(dict(m.accounts.value)),
        maximum_credit=m.maximum_credit.value,
        start=m.start.value,
        term_end=m.term_end.value,
        day_count=DayCount.parse(m.day_count.value),
        prime_index=m.prime_index.value,
        prime_margin=m.prime_margin.value,
        eurodollar_margin=m.eurodollar_margin.value if m.eurodollar_margin else None,
        eurodollar_allowed=m.eurodollar_allowed.value,
        default_margin=m.default_margin.value,
        overadvance_margin=m.overadvance_margin.value,
        overadvance_notice_days=m.overadvance_notice_days.value,
        advance_rates=MappingProxyType(dict(m.advance_rates.value)),
        sublimits=MappingProxyType(dict(m.sublimits.value) if m.sublimits else {}),
        reserves=m.reserves.value if m.reserves else Decimal(0),
        locations=tuple(m.locations.value),
        eligibility=tuple(
            EligibilityRule(
                r.rule,
                tuple(r.collateral),
                r.cite,
                tuple(r.locations),
                r.days,
                tuple(r.types),
                r.note or "",
            )
            for r in m.eligibility.value
        ),
        cites=MappingProxyType(cites),
    )
