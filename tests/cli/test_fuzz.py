"""Fuzz: no traceback ever reaches the user, and a refused input leaves the book unchanged.

Hypothesis writes term files, events and rates CSV and command lines, mixing plausible values
(so that the deep checks run) with hostile text (separators, Unicode digits, exponents, huge
numbers, control characters, binary). For every one: the command ends with exit 0, 1 or 2
and no exception, and when it is refused, ``ledger --json``, ``status --json`` and every row
of the database are as before. Bounded: about 150 examples in all (``make fuzz`` runs
more, LOANBOOK_FUZZ_EXAMPLES per test), on one SQLite book
(the strict parser is shared with PostgreSQL; the database-specific paths have their own
tests).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from loanbook.cli.main import app
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK
from tests.storage.conftest import dump

runner = CliRunner()
#: Examples per test in ``make test``; ``make fuzz`` runs many more (LOANBOOK_FUZZ_EXAMPLES).
EXAMPLES = int(os.environ.get("LOANBOOK_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FILES = settings(
    FUZZ, max_examples=max(EXAMPLES * 3 // 5, 1)
)  # each example validates and imports a book folder

# -- values: plausible, malformed and hostile ----------------------------------------------
HOSTILE = st.sampled_from(
    [
        "1,00", "1.000,00", "1_000", "١٠٠٠", "１０", "0.001", "1e30", "1E+3", "-0", "+5",
        ".5", "5.", "NaN", "Infinity", "-Infinity", "1" * 30, "9" * 400, "0x10", "\x00",
        "\u202e1", " ", "", "$5", "5%", "1996-02-30", "19960131", "9999-12-31",
        "0001-01-01", "1996-W05-1", "--db", "-", "'", '"', "\\", "\n", "\r\n", "é", "💸",
    ]
)  # fmt: skip
AMOUNT = st.one_of(
    st.decimals(min_value=-(10**16), max_value=10**16, allow_nan=False, places=2).map(str),
    st.integers(min_value=-(10**31), max_value=10**31).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    HOSTILE,
    st.text(max_size=12),
)
DATE = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates(min_value=__import__("datetime").date(1996, 1, 1)).map(lambda d: d.isoformat()),
    HOSTILE,
    st.text(max_size=12),
)
LOAN = st.one_of(st.just("cit-note"), st.just("LIBOR-1M"), HOSTILE, st.text(max_size=12))
KIND = st.one_of(
    st.sampled_from(["payment", "prepayment", "advance", "fee", "fixing", "notice", "waiver"]),
    st.text(max_size=8),
)
TEXT = st.one_of(st.text(max_size=20), HOSTILE)


def _cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r') else value


# -- the harness -----------------------------------------------------------------------------
def invoke(*args: str) -> Result:
    """Run the CLI in-process; any exception but an exit is a failure, as is a traceback."""
    result = runner.invoke(app, list(args))
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        pytest.fail(f"loanbook {' '.join(map(repr, args))} raised:\n{tb}")
    assert result.exit_code in (0, 1, 2), (args, result.exit_code)
    assert "Traceback" not in result.stdout + result.stderr, (args, result.stderr)
    return result


def snapshot(db: str) -> tuple[Any, ...]:
    ledger = invoke("ledger", "--loan", "cit-note", "--db", db, "--json")
    status = invoke("status", "--db", db, "--json")
    with Store.open(db) as store:
        rows = dump(store)
    return ledger.stdout, status.stdout, rows


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("fuzz") / "book.db")
    assert runner.invoke(app, ["init", "--db", path]).exit_code == 0
    assert runner.invoke(app, ["import", str(CIT_BOOK), "--db", path]).exit_code == 0
    assert runner.invoke(app, ["run", "--to", "1996-06-30", "--db", path]).exit_code == 0
    return path


_known: dict[str, tuple[Any, ...]] = {}  # the book's snapshot, until a command succeeds


def refused_leaves_book_unchanged(db: str, *args: str) -> Result:
    before = _known.pop(db, None) or snapshot(db)
    result = invoke(*args, "--db", db)
    if result.exit_code != 0:
        assert snapshot(db) == before, args
        _known[db] = before
    return result


@contextmanager
def scratch_book() -> Iterator[Path]:
    """A scratch copy of the CIT book for one example."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book"
        shutil.copytree(CIT_BOOK, path)
        yield path


# -- command lines --------------------------------------------------------------------------
@FUZZ
@given(kind=KIND, loan=LOAN, day=DATE, amount=AMOUNT, key=st.one_of(st.none(), TEXT))
def test_record_from_the_command_line(
    db: str, kind: str, loan: str, day: str, amount: str, key: str | None
) -> None:
    args = ["record", kind, "--loan", loan, "--date", day, "--amount", amount]
    if kind == "fixing":
        args += ["--index", loan]
    if key is not None:
        args += ["--key", key]
    refused_leaves_book_unchanged(db, *args)


@FUZZ
@given(
    command=st.sampled_from(["statement", "payoff", "commitment", "schedule", "availability"]),
    as_of=DATE,
    known_on=st.one_of(st.none(), DATE),
    advance=st.one_of(st.none(), AMOUNT),
    name=LOAN,
)
def test_reports_with_any_arguments(
    command: str, as_of: str, known_on: str | None, advance: str | None, name: str
) -> None:
    args = [command, str(CIT_BOOK)]
    args += ["--facility", name] if command in ("commitment", "availability") else ["--loan", name]
    if command != "schedule":
        args += ["--as-of", as_of]
    if known_on is not None:
        args += ["--known-on", known_on]
    if advance is not None and command == "commitment":
        args += ["--advance", advance]
    invoke(*args)


@FUZZ
@given(
    command=st.sampled_from(["status", "ledger", "run", "check"]),
    day=DATE,
    known_on=st.one_of(st.none(), DATE, TEXT),
    loan=LOAN,
)
def test_book_commands_with_any_arguments(
    db: str, command: str, day: str, known_on: str | None, loan: str
) -> None:
    args = [command]
    if command == "run":  # close business within 1996 (a run to 2199 is legal, and slow)
        args += ["--to", day if not day[:1].isdigit() else f"1996{day[4:]}", "--loan", loan]
    elif command in ("status", "ledger"):
        args += ["--as-of", day, "--loan", loan]
        if known_on is not None:
            args += ["--known-on", known_on]
    refused_leaves_book_unchanged(db, *args)


# -- files ---------------------------------------------------------------------------------
EVENT_ROW = st.tuples(DATE, LOAN, KIND, AMOUNT, TEXT).map(lambda r: ",".join(map(_cell, r)))
EVENTS_FILE = st.one_of(
    st.lists(EVENT_ROW, min_size=1, max_size=4).map(
        lambda rows: "date,loan,kind,amount,reference\n" + "\n".join(rows) + "\n"
    ),
    st.text(max_size=200),
    st.binary(max_size=200),
)
RATES_FILE = st.one_of(
    st.lists(
        st.tuples(st.one_of(st.just("LIBOR-1M"), TEXT), DATE, AMOUNT).map(
            lambda r: ",".join(map(_cell, r))
        ),
        min_size=1,
        max_size=4,
    ).map(lambda rows: "index,date,rate_percent\n" + "\n".join(rows) + "\n"),
    st.text(max_size=200),
    st.binary(max_size=200),
)


def _write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")


@FILES
@given(content=EVENTS_FILE)
def test_events_files(db: str, content: str | bytes) -> None:
    with scratch_book() as book:
        _write(book / "events" / "fuzz.csv", content)
        invoke("validate", str(book))
        refused_leaves_book_unchanged(db, "record", "--file", str(book / "events" / "fuzz.csv"))
        refused_leaves_book_unchanged(db, "import", str(book))


@FILES
@given(content=RATES_FILE)
def test_rates_files(db: str, content: str | bytes) -> None:
    with scratch_book() as book:
        _write(book / "rates" / "fuzz.csv", content)
        invoke("validate", str(book))
        refused_leaves_book_unchanged(db, "import", str(book))


NOTE = (CIT_BOOK / "003-cit-promissory-note.yaml").read_text(encoding="utf-8")
SCALARS = [line for line in NOTE.splitlines() if ": " in line and not line.lstrip().startswith("#")]
YAML_VALUE = st.one_of(
    AMOUNT,
    DATE,
    st.sampled_from(
        [
            "&a [1]",
            "*a",
            "[[[[[[[[",
            "{",
            "!!python/object:os.system",
            "!!binary AAAA",
            "~",
            "yes",
            "0o17",
            "1_0.5",
            "12:30:00",
            ".nan",
            "'3%'",
            "'1e9%'",
            "'-1%'",
            "|\n  x",
        ]
    ),
    st.text(max_size=20),
)


@FILES
@given(
    line=st.sampled_from(SCALARS),
    value=YAML_VALUE,
    garbage=st.one_of(st.none(), st.text(max_size=80), st.binary(max_size=80)),
)
def test_term_files(db: str, line: str, value: str, garbage: str | bytes | None) -> None:
    """The CIT note with one value replaced, or garbage appended."""
    key = line.split(": ", 1)[0]
    text = NOTE.replace(line, f"{key}: {value}", 1)
    with scratch_book() as book:
        target = book / "003-cit-promissory-note.yaml"
        if isinstance(garbage, bytes):
            _write(target, text.encode("utf-8") + garbage)
        else:
            _write(target, text + (garbage or ""))
        invoke("validate", str(book))
        refused_leaves_book_unchanged(db, "import", str(book))
