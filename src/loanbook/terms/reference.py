"""The term-format reference (``docs/term-format.md``), generated from the pydantic models.

The models in ``terms.schema`` and ``compliance.schema`` are the one description of the
format: this module walks them and prints every field with its description, type, units,
default, allowed values and an example, so the document can never drift from the code (a
test regenerates it and fails on a difference).
Run ``python -m loanbook.terms.reference > docs/term-format.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import types
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from loanbook.compliance import schema as c
from loanbook.terms import schema as s
from loanbook.time import DayCount
from loanbook.time.daycount import spellings

# Sections in reading order: the top of a file, then what a note needs, then the rest.
SECTIONS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("A term file", s.TermFileModel),
    ("document", s.DocumentModel),
    ("Cited term", s.Cited),
    ("loans.<id>", s.LoanModel),
    ("rate", s.RateModel),
    ("schedule", s.ScheduleModel),
    ("amortization", s.AmortizationModel),
    ("explicit installment", s.ExplicitInstallment),
    ("late_charge", s.LateChargeModel),
    ("waterfall", s.WaterfallModel),
    ("checks[]", s.CheckModel),
    ("facilities.<id>", s.FacilityModel),
    ("commitment", s.CommitmentModel),
    ("commitment formula part", s.CommitmentPart),
    ("changes[]", s.ChangeModel),
    ("parties.<id>", s.PartyModel),
    ("revolvers.<id>", s.RevolverModel),
    ("eligibility rule", s.EligibilityRuleModel),
    ("certificate", s.CertificateModel),
    ("certificate item", s.CertificateItemModel),
    ("compliance", c.ComplianceModel),
    ("covenants.<id>", c.CovenantModel),
    ("threshold step", c.ThresholdStep),
    ("covenant tests", c.TestDates),
    ("events_of_default.<id>", c.DefaultRuleModel),
    ("waivers.<id>", c.WaiverModel),
    ("waiver scope", c.WaiverScopeModel),
    ("rescission", c.RescissionModel),
    ("conditions.<id>", c.ConditionModel),
    ("representations.<id>", c.RepresentationModel),
    ("locations.<id>", c.LocationModel),
    ("collateral.<id>", c.CollateralItemModel),
    ("liens.<id>", c.LienModel),
    ("consents.<id>", c.ConsentModel),
    ("guarantors.<id>", c.GuarantorModel),
    ("location_covenants.<id>", c.LocationCovenantModel),
    ("indebtedness.<id>", c.IndebtednessModel),
    ("remedies.<id>", c.RemedyModel),
    ("milestones.<id>", c.MilestoneModel),
    ("fact: statement", c.StatementFact),
    ("fact: satisfaction", c.SatisfactionFact),
    ("fact: move", c.MoveFact),
    ("fact: notice", c.NoticeFact),
    ("fact: creditor_action", c.CreditorActionFact),
    ("fact: non_payment", c.NonPaymentFact),
)

INTRO = """\
# Term-file format reference

<!-- Generated from src/loanbook/terms/schema.py and src/loanbook/compliance/schema.py
     by `python -m loanbook.terms.reference`.
     Do not edit: change the descriptions in the models and regenerate
     (tests/terms/test_reference.py fails while this file is out of step). -->

A book is a folder: one YAML term file per document (note, agreement, amendment, consent,
waiver) at the top, fixings in `rates/*.csv`, events in `events/*.csv`, borrowing-base
certificates in `certificates/*.yaml`. `loanbook schema` prints the same format as a JSON
Schema (with these descriptions, so editors show them); `docs/writing-a-book.md` walks
through writing a note.

## Conventions

- **A term is cited.** Every term of a loan, facility or revolver is written
  `{value: ..., cite: "<document id> <section>"}`, plus `assumption: <why>` when the value
  is not in a document of the book. The document id must be one of the book's documents.
- **Amounts** are decimals in the loan's currency (`4554900.00`), never floats; YAML
  numbers are read as written.
- **Rates** are percent a year with a `%` sign (`"3%"`, `"-0.25%"`); a rate of more than
  1,000% a year is refused as a typing mistake. Index fixings (`rates/*.csv`) are percent
  without the sign; `validate` warns about a negative fixing and refuses one above 1,000%.
- **Dates** are `YYYY-MM-DD`.
- **Schedules, `count`, `end` and `maturity`.** A schedule's dates start at `anchor` and
  follow `cycle`: `count` dates, or up to `end`, or (with neither) up to the loan's
  `maturity`. The principal schedule's last date is the maturity, and its last installment
  takes whatever principal the others leave: a balloon when the installments are smaller
  than an even share. `validate` refuses installments after the maturity and a `count` that
  ends before it (the last counted installment would silently become the balloon), naming
  the count that ends on the maturity.
- **Level payment.** Under `amortization` with `kind: level_payment`, `installment` is the
  WHOLE periodic payment, principal and interest together; each payment's principal is the
  payment less the interest then due. Under `level_principal` it is the principal alone.
- **Checks.** `checks` records figures the document states; `validate` computes each from
  the terms and reports a mismatch with both figures and both clauses.

"""


def _meta_kind(metadata: list[Any]) -> s.Kind | None:
    return next((m for m in metadata if isinstance(m, s.Kind)), None)


def _title(model: type[BaseModel]) -> str:
    for title, found in SECTIONS:
        if found is model:
            return title
    return model.__name__


def _anchor(title: str) -> str:
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return keep.replace(" ", "-")


def _link(model: type[BaseModel]) -> str:
    title = _title(model)
    return f"[{title}](#{_anchor(title)})"


def describe(annotation: Any, metadata: list[Any] | None = None) -> tuple[str, str, str]:
    """(type, units, allowed values) of an annotation, in words."""
    metadata = list(metadata or [])
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return describe(base, metadata + extra)
    kind = _meta_kind(metadata)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return describe(args[0], metadata)
        if all(isinstance(a, type) and issubclass(a, BaseModel) for a in args):
            return "one of " + ", ".join(_link(a) for a in args), "", ""
        return "any", "", ""
    if origin is Literal:
        return "text", "", ", ".join(f"`{v}`" for v in get_args(annotation))
    if origin is list:
        inner, units, allowed = describe(get_args(annotation)[0])
        return f"list of {inner}", units, allowed
    if origin is dict:
        inner, units, allowed = describe(get_args(annotation)[1])
        return f"map of id to {inner}", units, allowed
    generic = getattr(annotation, "__pydantic_generic_metadata__", None)
    if generic and generic.get("origin") is s.Cited:
        value = annotation.model_fields["value"]
        inner, units, allowed = describe(value.annotation, list(value.metadata))
        return f"cited {inner}", units, allowed
    if kind is not None:
        return kind.name, kind.units, ""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _link(annotation), "", ""
    if annotation is dt.date:
        return "date", "YYYY-MM-DD", ""
    if annotation is bool:
        return "true or false", "", ""
    if annotation is int:
        return "integer", "", ""
    if annotation is Decimal:
        return "decimal", "", ""
    if annotation is str:
        return "text", "", ""
    return "any", "", ""


def _days(info: FieldInfo) -> str:
    bounds = [
        f"{'>' if hasattr(m, 'gt') else '>='} {getattr(m, 'gt', getattr(m, 'ge', None))}"
        for m in info.metadata
        if hasattr(m, "gt") or hasattr(m, "ge")
    ]
    return ", ".join(bounds)


def _yamlish(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value, ensure_ascii=False, default=str)


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value = info.default
    if value is PydanticUndefined or value is None:
        return "optional (none)"
    if isinstance(value, list | dict) and not value:
        return "optional (empty)"
    if isinstance(value, Decimal) and info.metadata and _meta_kind(info.metadata):
        kind = _meta_kind(info.metadata)
        if kind is not None and kind.name == "rate":
            return f"`{(value * 100).normalize():f}%`"
    return f"`{_yamlish(value)}`"


def field_lines(name: str, info: FieldInfo) -> list[str]:
    kind, units, allowed = describe(info.annotation, list(info.metadata))
    out = [f"### `{name}`", "", info.description or "(no description)", ""]
    out.append(f"- type: {kind}")
    if units:
        out.append(f"- units: {units}")
    out.append(f"- default: {_default(info)}")
    if allowed:
        out.append(f"- allowed: {allowed}")
    if bounds := _days(info):
        out.append(f"- bounds: {bounds}")
    if info.examples:
        out.append(f"- example: `{_yamlish(info.examples[0])}`")
    out.append("")
    return out


def day_count_table() -> list[str]:
    out = [
        "## Day counts",
        "",
        "Agreements name day counts many ways; each spelling maps to one convention. Case,",
        "spaces and `Actual`/`Act` do not matter (spellings below are shown normalised).",
        "Definitions follow the 2006 ISDA Definitions §4.16.",
        "",
        "| canonical name | meaning | accepted spellings |",
        "|---|---|---|",
    ]
    meaning = {
        DayCount.ACT_360: 'actual days / 360 ("365/360" in US notes)',
        DayCount.ACT_365F: "actual days / 365 (Actual/365 Fixed)",
        DayCount.ACT_ACT: "actual/actual (ISDA): days in leap years / 366, others / 365",
        DayCount.THIRTY_360: "30/360 bond basis (ISDA 4.16(f))",
        DayCount.THIRTY_E_360: "30E/360 eurobond basis (ISDA 4.16(g))",
    }
    for member, found in spellings().items():
        names = ", ".join(f"`{t}`" for t in sorted(set(found)))
        out.append(f"| `{member.value}` | {meaning[member]} | {names} |")
    out.append("")
    return out


def render() -> str:
    """The whole reference as Markdown."""
    lines = INTRO.splitlines()
    lines.append("## Contents")
    lines.append("")
    for title, _ in SECTIONS:
        lines.append(f"- [{title}](#{_anchor(title)})")
    lines.append("- [Day counts](#day-counts)")
    lines.append("")
    for title, model in SECTIONS:
        lines.append(f"## {title}")
        lines.append("")
        doc = " ".join((model.__doc__ or "").split())
        if doc:
            lines.extend([doc, ""])
        for name, info in model.model_fields.items():
            lines.extend(field_lines(info.alias or name, info))
    lines.extend(day_count_table())
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
