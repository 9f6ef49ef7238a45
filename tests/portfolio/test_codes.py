"""Text fields to the kernel's codes (``portfolio.codes``) give what a dictionary lookup of
each value gives, for any values, slices and chunks, and refuse the first unknown value."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.portfolio import codes, form, generate

NAMES = ["", "a", "b", "ab", "ba", "actual/360", "actual/365F", "30E/360", "jour/férié"]
TABLE = {name: i - 1 for i, name in enumerate(NAMES)}  # the code of "" is -1, as an index's


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(NAMES), max_size=60),
    st.integers(0, 5),
    st.integers(0, 5),
    st.integers(1, 4),
)
def test_each_value_gets_its_name_s_code(
    values: list[str], head: int, tail: int, pieces: int
) -> None:
    # a slice of a larger array (offsets not from 0) in several chunks
    arr = pa.array(["zz"] * head + values + ["zz"] * tail, pa.string()).slice(head, len(values))
    step = max(1, len(values) // pieces)
    chunks = [arr.slice(i, step) for i in range(0, len(values), step)] or [arr]
    out, unknown = codes.codes(pa.chunked_array(chunks, pa.string()), TABLE)
    assert unknown is None
    assert out.tolist() == [TABLE[v] for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(NAMES), max_size=20), st.lists(st.text(max_size=12), min_size=1))
def test_the_first_unknown_value_is_named(known: list[str], others: list[str]) -> None:
    values = known + others
    out, unknown = codes.codes(pa.chunked_array([pa.array(values, pa.string())]), TABLE)
    strangers = [v for v in values if v not in TABLE]
    assert unknown == (strangers[0] if strangers else None)
    assert [o for o, v in zip(out.tolist(), values, strict=True) if v in TABLE] == [
        TABLE[v] for v in values if v in TABLE
    ]


def test_a_loan_table_s_fields_are_those_of_a_dictionary_lookup() -> None:
    loans, _ = generate.loans_and_events(3000, 4)
    dcs = {k.value: v for k, v in form.DAY_COUNTS.items()}
    for name in ("day_count", "late_charge_day_count"):
        out, unknown = codes.codes(loans.column(name), dcs)
        assert unknown is None
        assert out.tolist() == [dcs[v] for v in loans.column(name).to_pylist()]
    bad = loans.set_column(
        loans.schema.get_field_index("day_count"),
        "day_count",
        pa.array(["actual/360"] * 2999 + ["actual/359"]),
    )
    with pytest.raises(form.Refusal, match="unknown day count 'actual/359'"):
        form.loan_columns(bad, ("SOFR-1M", "PRIME"))
