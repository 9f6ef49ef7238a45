"""Events on the same day come in the ACTUS event sequence (adapters.actus.EVENT_SEQUENCE,
the reference implementation's table), checked against the table itself, not only against
the bundled cases."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from loanbook.adapters.actus import _TYPES, EVENT_SEQUENCE, load_cases, simulate
from loanbook.engine.steps import StepKind

DATA = Path(__file__).resolve().parent / "data"


def test_engine_step_order_is_the_actus_sequence() -> None:
    kinds = sorted(_TYPES, key=int)
    offsets = [EVENT_SEQUENCE[_TYPES[k]] for k in kinds]
    # MD is the engine's last step of a date; every other ACTUS kind in table order.
    assert offsets == sorted(offsets), [(_TYPES[k], EVENT_SEQUENCE[_TYPES[k]]) for k in kinds]
    assert StepKind.SCALING < StepKind.PURCHASE < StepKind.TERMINATION
    assert StepKind.INTEREST_BASE < StepKind.PURCHASE


@pytest.mark.parametrize("kind", ["pam", "lam", "ann", "nam"])
def test_bundled_results_follow_the_table(kind: str) -> None:
    for case in load_cases(DATA / f"actus-tests-{kind}.json").values():
        by_day: dict[str, list[int]] = defaultdict(list)
        for r in case["results"]:
            by_day[r["eventDate"][:10]].append(EVENT_SEQUENCE[r["eventType"].strip()])
        assert all(seq == sorted(seq) for seq in by_day.values()), case["identifier"]


def test_the_dictionary_sequence_differs_where_the_reference_results_do_not_follow_it() -> None:
    raw = json.loads((DATA / "actus-dictionary-event.json").read_text(encoding="utf-8"))
    options = raw["event"]["eventType"]["allowedValues"]
    dictionary = {o["acronym"]: int(o["sequence"].split()[-1]) for o in options}
    # The dictionary puts PRF (5) before IP (8) and RR (12); ann and nam reference results
    # report PR, IP, RR, PRF on one day, as the reference implementation orders them.
    assert dictionary["PRF"] < dictionary["IP"] < dictionary["RR"]
    assert EVENT_SEQUENCE["IP"] < EVENT_SEQUENCE["RR"] < EVENT_SEQUENCE["PRF"]


def test_scaling_comes_before_a_termination_on_the_same_day() -> None:
    # lam25 scales interest on 2013-07-01; terminate it that day: SC (110) before TD (140).
    case = dict(load_cases(DATA / "actus-tests-lam.json")["lam25"])
    terms = dict(case["terms"])
    terms.update(terminationDate="2013-07-01T00:00:00", priceAtTerminationDate="4000")
    case.update(terms=terms, results=[])
    _, events = simulate(case)
    day = [e.type for e in events if e.date.isoformat() == "2013-07-01"]
    assert day.index("SC") < day.index("TD"), day
    assert [EVENT_SEQUENCE[t] for t in day] == sorted(EVENT_SEQUENCE[t] for t in day)
