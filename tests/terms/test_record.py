"""``terms.model.record``: a record from a template without re-running ``__init__``, equal to
what ``dataclasses.replace`` builds, and refused where the constructor checks something."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from loanbook.terms.model import record
from loanbook.time import Cycle
from tests.conftest import cit_terms


def test_record_equals_replace() -> None:
    terms = cit_terms()
    changes = {"id": "other", "principal": Decimal("12.34"), "start": date(2024, 1, 2)}
    made = record(terms, **changes)
    assert made == dataclasses.replace(terms, **changes)
    assert repr(made) == repr(dataclasses.replace(terms, **changes))
    assert terms.id != "other"  # the template is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.id = "x"  # type: ignore[misc]


def test_record_refuses_unknown_fields_and_checking_records() -> None:
    with pytest.raises(TypeError, match="no field"):
        record(cit_terms(), principle=Decimal(1))
    with pytest.raises(TypeError, match="checks its fields"):
        record(Cycle(months=1), months=0)  # Cycle's __post_init__ would refuse it
