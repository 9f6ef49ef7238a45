"""The term-format reference is generated from the models and kept in step with them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loanbook.terms.reference import render
from loanbook.terms.schema import json_schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "term-format.md"


def test_reference_is_in_step_with_the_models() -> None:
    # Regenerate with `make docs` (python -m loanbook.terms.reference > docs/term-format.md).
    assert DOC.read_text(encoding="utf-8") == render(), "docs/term-format.md is stale: make docs"


def test_every_field_has_a_description_in_reference_and_schema() -> None:
    text = render()
    assert "(no description)" not in text
    schema: dict[str, Any] = json_schema()
    missing = [
        f"{name}.{prop}"
        for name, model in schema["$defs"].items()
        for prop, spec in model.get("properties", {}).items()
        if not spec.get("description")
    ]
    missing += [p for p, spec in schema["properties"].items() if not spec.get("description")]
    assert missing == []


def test_reference_says_what_a_person_gets_wrong() -> None:
    text = render()
    # The level payment is the whole payment, and count/end/maturity are explained.
    assert "the WHOLE payment, principal and interest together" in text
    assert "`count`, `end` and `maturity`" in text
    # Day-count spellings agreements use map to one canonical name each.
    for spelling in ("`365/360`", "`365/365`", "`ACT/360`", "`ACT/365`", "`30/360(BONDBASIS)`"):
        assert spelling in text
