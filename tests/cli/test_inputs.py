"""Bad input gets one clear line (where, field, reason) and exit 1, never a traceback, and
leaves the book unchanged (issue 7, points 2, 4 and 5)."""

from __future__ import annotations

import shutil
import sqlite3
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from loanbook.cli.main import app
from loanbook.errors import LoanbookError, ValidationError
from loanbook.loader import read_book
from loanbook.money import to_cents
from loanbook.parse import (
    MAX_AMOUNT,
    InputError,
    parse_amount,
    parse_date,
    parse_id,
    parse_percent,
)
from loanbook.storage.postings import cents
from loanbook.terms.files import parse_term_file
from tests.conftest import CIT_BOOK

runner = CliRunner()


def cli(*args: str) -> Result:
    return runner.invoke(app, list(args))


def refused(result: Result, *needles: str) -> str:
    """Exit 1, no exception, the error on stderr as clear lines naming the problem."""
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    err = result.stderr
    assert "Traceback" not in err + result.stdout
    for needle in needles:
        assert needle in err, err
    return err


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("book") / "book.db"
    assert cli("init", "--db", str(db)).exit_code == 0
    assert cli("import", str(CIT_BOOK), "--db", str(db)).exit_code == 0
    assert cli("run", "--to", "1996-06-30", "--db", str(db)).exit_code == 0
    return db


@pytest.fixture
def db(template: Path, tmp_path: Path) -> str:
    copy = tmp_path / "book.db"
    shutil.copy(template, copy)
    return str(copy)


def snapshot(db: str) -> tuple[str, str]:
    ledger = cli("ledger", "--loan", "cit-note", "--db", db, "--json")
    status = cli("status", "--db", db, "--json")
    assert ledger.exit_code == 0 and status.exit_code == 0
    return ledger.stdout, status.stdout


# -- the one strict parser -----------------------------------------------------------------
BAD_AMOUNTS = [
    "1,00",  # a decimal comma
    "1.000,00",  # European thousands
    "1,000.00",  # thousands separator
    "1_000",  # Python / YAML underscore
    "١٠٠٠",  # Arabic-Indic digits
    "１０００",  # full-width digits
    "0.001",  # a tenth of a cent
    "123456789012345678901234567890",  # 30 digits
    "1e30",
    "1E3",
    "+5",
    ".5",
    "5.",
    "1.2.3",
    "$5",
    "5 000",
    "NaN",
    "Infinity",
    "-5",
    "",
    "0x10",
]


@pytest.mark.parametrize("text", BAD_AMOUNTS)
def test_the_amount_parser_refuses_what_it_would_have_to_guess(text: str) -> None:
    with pytest.raises(InputError):
        parse_amount(text)


def test_the_amount_parser_reads_plain_decimals_exactly() -> None:
    assert parse_amount("1234.56") == Decimal("1234.56")
    assert parse_amount(" 7 ") == Decimal(7)
    assert parse_amount("1000000000000000") == MAX_AMOUNT  # the stated maximum: 10^15
    assert parse_amount("-5.25", negative=True) == Decimal("-5.25")
    assert parse_amount("0.125", places=3) == Decimal("0.125")  # a term may allow more places
    assert parse_amount(Decimal("1400000.00")) == Decimal("1400000.00")
    with pytest.raises(InputError, match="above the maximum"):
        parse_amount("1000000000000000.01")
    with pytest.raises(InputError, match="float"):
        parse_amount(1.5)


def test_rates_dates_and_ids_are_parsed_as_strictly() -> None:
    assert parse_percent("5.4375") == Decimal("0.054375")
    assert parse_percent("3%", sign=True) == Decimal("0.03")
    assert parse_percent("-0.25") == Decimal("-0.0025")
    for bad in ("1e3", "5,5", "1001", "٥"):
        with pytest.raises(InputError):
            parse_percent(bad)
    for bad in ("1996-02-30", "19960201", "1996-W05-1", "1996-2-1", "٢٠٠٠-٠١-٠١"):
        with pytest.raises(InputError):
            parse_date(bad)
    assert parse_id("cit-note") == "cit-note"
    for bad in ("", "a b", "x" * 201, "nöte", "-x"):
        with pytest.raises(InputError):
            parse_id(bad)


# -- the CLI: refused with one line, the book unchanged --------------------------------------
@pytest.mark.parametrize("text", ["1,00", "1.000,00", "1_000", "١٠٠٠", "0.001", "1" * 30, "1e30"])
def test_record_refuses_an_amount_it_would_have_to_guess(db: str, text: str) -> None:
    before = snapshot(db)
    result = cli(
        "record", "payment", "--loan", "cit-note", "--date", "1996-05-01", "--amount", text,
        "--db", db,
    )  # fmt: skip
    err = refused(result, "--amount: amount: ")
    assert len(err.strip().splitlines()) == 1
    assert snapshot(db) == before


def test_events_csv_with_a_bad_amount_is_refused_with_its_line(tmp_path: Path, db: str) -> None:
    before = snapshot(db)
    events = tmp_path / "e.csv"
    events.write_text(
        "date,loan,kind,amount,reference\n"
        "1996-05-01,cit-note,payment,100.00,ok\n"
        '1996-05-02,cit-note,payment,"1,00",comma\n'
        "1996-05-03,cit-note,payment,0.001,tenth\n"
    )
    err = refused(cli("record", "--file", str(events), "--db", db), f"{events}:3: amount: '1,00'")
    assert f"{events}:4: amount: '0.001' has more than 2 decimal places" in err
    assert snapshot(db) == before
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    shutil.copy(events, book / "events" / "e.csv")
    refused(cli("validate", str(book)), "e.csv:3: amount: '1,00'")
    refused(cli("import", str(book), "--db", db), "e.csv:3: amount: '1,00'")
    assert snapshot(db) == before


def test_a_fixing_of_1e30_is_refused(db: str) -> None:
    before = snapshot(db)
    for amount in ("1e30", "1" * 30, "5000"):
        result = cli(
            "record", "fixing", "--index", "LIBOR-1M", "--date", "1996-05-01",
            "--amount", amount, "--db", db,
        )  # fmt: skip
        refused(result, "--amount: amount: ")
    assert snapshot(db) == before


def test_a_second_rate_for_a_fixed_day_is_one_line_and_changes_nothing(db: str) -> None:
    """LIBOR-1M is 5.43750 on 1996-01-31 in the fixings file (rates/libor-1m.csv:3)."""
    stored = Path(db).read_bytes()

    def fixing(day: str, amount: str, *more: str) -> Result:
        return cli("record", "fixing", "--index", "LIBOR-1M", "--date", day, "--amount", amount,
                   *more, "--db", db)  # fmt: skip

    err = refused(fixing("1996-01-31", "6.4375"))
    assert err.splitlines() == [
        "cli: amount: LIBOR-1M on 1996-01-31 is already 5.4375 in the book (from "
        "rates/libor-1m.csv:3) (event LIBOR-1M/fixing/1996-01-31/6.4375//index=LIBOR-1M)"
    ]
    assert Path(db).read_bytes() == stored
    # the same rate again: recorded once, then "already recorded", the book unchanged
    same = fixing("1996-01-31", "5.4375")
    assert same.exit_code == 0
    assert same.stdout == "recorded LIBOR-1M/fixing/1996-01-31/5.4375//index=LIBOR-1M\n"
    recorded = Path(db).read_bytes()
    again = fixing("1996-01-31", "5.43750")
    assert again.exit_code == 0 and again.stdout.startswith("already recorded LIBOR-1M/fixing/")
    assert Path(db).read_bytes() == recorded
    # a fixing event is changed by a correction reversing it, then the new rate
    assert fixing("1996-01-17", "5.5", "--key", "fx-1").exit_code == 0
    err = refused(fixing("1996-01-17", "5.6", "--key", "fx-2"))
    assert err.splitlines() == [
        "cli: amount: LIBOR-1M on 1996-01-17 is already 5.5 in the book (from fixing event "
        "fx-1); record a correction reversing fx-1 to change it (event fx-2)"
    ]
    assert cli("record", "correction", "--reverses", "fx-1", "--db", db).exit_code == 0
    assert fixing("1996-01-17", "5.6", "--key", "fx-2").stdout == "recorded fx-2\n"


def test_a_stored_amount_out_of_range_gives_a_clear_line_in_run_and_status(db: str) -> None:
    """A book written before the parser was strict: run and status name the event."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO events (key, loan, kind, date, amount, reference, detail, recorded_at,"
            " source) VALUES ('huge', 'cit-note', 'payment', '1996-05-01', ?, 'huge', '[]',"
            " '2026-01-01 00:00:00', 'cli')",
            ("1" + "0" * 30,),
        )
    run = refused(cli("run", "--to", "1996-07-31", "--db", db), "cit-note: huge: amount: ")
    assert "outside the range of an amount" in run and "--reverses huge" in run
    status = cli("status", "--db", db, "--json")
    assert status.exit_code == 0 and "Traceback" not in status.stderr
    assert "outside the range of an amount" in status.stdout
    assert cli("record", "correction", "--reverses", "huge", "--db", db).exit_code == 0
    assert cli("run", "--to", "1996-07-31", "--db", db).exit_code == 0


def test_rounding_and_posting_never_raise_a_decimal_error() -> None:
    assert to_cents(Decimal("1e30")) == Decimal("1" + "0" * 30 + ".00")
    assert to_cents(Fraction(10**40 + 1, 3)) == Decimal("3" * 40 + ".67")
    with pytest.raises(LoanbookError, match="at most"):
        cents(Decimal("1e30"), "cit-note: huge on 1996-05-01")
    with pytest.raises(LoanbookError, match="whole cents"):
        cents(Decimal("0.001"))


def test_commitment_advance_that_is_not_an_amount(tmp_path: Path) -> None:
    result = cli(
        "commitment", str(CIT_BOOK), "--facility", "cit-facility", "--as-of", "1996-03-01",
        "--advance", "abc",
    )  # fmt: skip
    refused(result, "--advance: amount: 'abc' is not a decimal amount")


@pytest.mark.parametrize("option", ["--as-of", "--known-on"])
def test_an_option_date_that_does_not_exist(option: str) -> None:
    args = ["statement", str(CIT_BOOK), "--loan", "cit-note", "--as-of", "1996-06-30"]
    args += [option, "1996-02-30"]
    refused(cli(*args), f"{option}: date: '1996-02-30' is not a date (day is out of range")


# -- files -------------------------------------------------------------------------------
def test_a_term_file_date_that_does_not_exist(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    note = book / "003-cit-promissory-note.yaml"
    note.write_text(note.read_text().replace("date: 1996-01-17", "date: 1996-02-30", 1))
    err = refused(cli("validate", str(book)), f"{note}:")
    assert "'1996-02-30' is not a date (day is out of range for month)" in err


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("4_554_900.00", "is not a decimal number"),
        ("0x10", "is not a decimal number"),
        ("1.0e+30", "is not a decimal number"),
        (".inf", "is not a decimal number"),
        ("4554900.001", "more than 2 decimal places"),
        ("'1,000.00'", "is not a decimal amount"),
        ("'١٠٠٠'", "is not a decimal amount"),
    ],
)
def test_term_file_numbers_are_parsed_strictly(written: str, reason: str) -> None:
    text = (CIT_BOOK / "003-cit-promissory-note.yaml").read_text()
    assert "value: 4554900.00" in text
    with pytest.raises(ValidationError) as exc:
        parse_term_file(text.replace("value: 4554900.00", f"value: {written}", 1), "note.yaml")
    assert reason in str(exc.value) and "note.yaml:" in str(exc.value)


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",  # binary
        "date,loan,kind,amount,reference\n1996-05-01,cit-note,payment,100.00,Café\n".encode(
            "latin-1"
        ),
        b"date,loan,kind,amount,reference\n1996-05-01,cit-note,payment,100.00,\x00\n",
    ],
)
def test_a_binary_or_latin1_events_file_in_validate(tmp_path: Path, content: bytes) -> None:
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    (book / "events" / "bad.csv").write_bytes(content)
    refused(cli("validate", str(book)), "bad.csv", ": file: ")


def test_a_term_file_above_the_size_limit(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    (book / "big.yaml").write_text("# padding\n" * 200_000)
    refused(cli("validate", str(book)), "big.yaml: file: ", "above the limit")


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    bomb = "\n".join(lines) + "\n"
    assert len(bomb) < 1200  # 9^10 strings if expanded
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    (book / "bomb.yaml").write_text(bomb)
    start = time.perf_counter()
    err = refused(cli("validate", str(book)), "bomb.yaml:2: yaml: aliases (*name) are not allowed")
    assert time.perf_counter() - start < 30  # it never expands (before: minutes and gigabytes)
    assert len(err.splitlines()) == 1


def test_recursive_alias_and_deep_nesting_are_refused() -> None:
    with pytest.raises(ValidationError, match="aliases"):
        parse_term_file("a: &a [*a]\n", "r.yaml")
    with pytest.raises(ValidationError, match="nested deeper than"):
        parse_term_file("a: " + "[" * 5000 + "]" * 5000 + "\n", "d.yaml")


# -- databases -----------------------------------------------------------------------------
def test_a_file_that_is_not_sqlite_or_is_truncated(tmp_path: Path, template: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database, just some text" * 200)
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(template.read_bytes()[:12_000])
    for path in (junk, truncated):
        for args in (["status"], ["init"], ["check"], ["terms", "--as-of", "1996-06-30"]):
            err = refused(cli(*args, "--db", str(path)), "db: not a SQLite database")
            assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://::::", "not a valid database URL"),
        ("mysql://", "unsupported database 'mysql'"),
        ("oracle://scott@db/orcl", "unsupported database 'oracle'"),
    ],
)
def test_a_database_url_loanbook_cannot_use(url: str, reason: str) -> None:
    for args in (["status"], ["init"], ["ledger", "--loan", "x"]):
        err = refused(cli(*args, "--db", url), reason)
        assert "SQLite" in err and "PostgreSQL" in err


def test_an_unknown_schema_revision(db: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zzzz'")
    for args in (["status"], ["init"], ["run", "--to", "1996-07-31"]):
        refused(cli(*args, "--db", db), "schema revision 'zzzz'", "does not know")


def test_read_book_refuses_latin1_term_files(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    (book / "latin.yaml").write_bytes("document: {title: 'Caf\xe9'}\n".encode("latin-1"))
    with pytest.raises(ValidationError, match="not UTF-8"):
        read_book(book)


@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        ("months=abc", "--detail: months: 'abc' is not a whole number"),
        ("months=1e400", "--detail: months: '1e400' is not a whole number"),
        ("rate=abc", "--detail: rate: 'abc' is not a decimal rate"),
        ("rate=1e30", "--detail: rate: '1e30' is not a decimal rate"),
        ("rate=5,5", "--detail: rate: '5,5' is not a decimal rate"),
    ],
)
def test_event_details_the_engine_reads_are_parsed_when_recorded(
    db: str, detail: str, reason: str
) -> None:
    before = snapshot(db)
    result = cli(
        "record", "payment", "--loan", "cit-note", "--date", "1996-05-01", "--amount", "5",
        "--detail", detail, "--db", db,
    )  # fmt: skip
    refused(result, reason)
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--recorded-at", "9999-12-31T23:59:59-14:00"),
        ("--recorded-at", "0001-01-01T00:00:00+14:00"),
        ("--recorded-at", "2026-13-01T00:00"),
        ("--recorded-at", "١٩٩٧-٠١-٣١"),
    ],
)
def test_timestamps_out_of_range_are_refused(db: str, option: str, value: str) -> None:
    before = snapshot(db)
    result = cli(
        "record", "payment", "--loan", "cit-note", "--date", "1996-05-01", "--amount", "5",
        option, value, "--db", db,
    )  # fmt: skip
    refused(result, f"{option}: recorded_at: ")
    assert snapshot(db) == before
    refused(cli("status", "--known-on", "0001-01-01T00:00:00+14:00", "--db", db), "--known-on")


def test_dates_far_in_the_future_are_refused_not_overflowed() -> None:
    args = ["payoff", str(CIT_BOOK), "--loan", "cit-note", "--as-of", "9999-12-31"]
    refused(cli(*args), "--as-of: date: 9999-12-31 is outside the dates Loanbook accepts")


def test_export_into_a_file_and_actus_deep_json(db: str, tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    refused(cli("export", str(target), "--db", db), "exists and is not a folder")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    result = cli("actus", str(deep))
    assert result.exit_code == 2 and "nested too deeply" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_schedule_past_the_calendar_is_one_line(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    note = book / "003-cit-promissory-note.yaml"
    assert "          count: 48\n" in note.read_text()
    note.write_text(note.read_text().replace("          count: 48\n", "          count: 99999\n"))
    refused(cli("validate", str(book)), "count: Input should be less than or equal to 1200")


def test_the_last_resort_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import loanbook.cli.main as cli_main

    def broken() -> None:
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr(cli_main, "app", broken)
    monkeypatch.delenv("LOANBOOK_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_:
        cli_main.main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err == (
        "loanbook: unexpected error (RuntimeError): a bug over two lines; please report it "
        "(LOANBOOK_DEBUG=1 shows where)\n"
    )


def test_a_stored_fixing_out_of_range_stops_only_the_loans_that_need_it(db: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO events (key, loan, kind, date, amount, reference, detail, recorded_at,"
            " source) VALUES ('huge-fix', 'LIBOR-1M', 'fixing', '1996-06-28', ?, 'huge-fix',"
            " '[[\"index\", \"LIBOR-1M\"]]', '2026-01-01 00:00:00', 'cli')",
            ("1" + "0" * 30,),
        )
    err = refused(cli("run", "--to", "1996-08-31", "--db", db), "huge-fix: LIBOR-1M: the fixing")
    assert "outside the range of fixings" in err
    assert cli("record", "correction", "--reverses", "huge-fix", "--db", db).exit_code == 0
    assert cli("run", "--to", "1996-07-31", "--db", db).exit_code == 0


def test_json_errors_of_one_invocation_do_not_leak_into_the_next(tmp_path: Path) -> None:
    """``--json`` is remembered for the invocation that was given it only: a later command
    without it (in the same process: the tests, an in-process caller) reports as text."""
    missing = str(tmp_path / "no-such-book")
    first = CliRunner().invoke(app, ["validate", missing, "--json"])
    assert first.exit_code != 0 and first.stderr.startswith('{"ok": false')
    then = CliRunner().invoke(app, ["portfolio", "run", missing, "--to", "2026-06-30"])
    assert then.exit_code == 1
    assert then.stderr.startswith(f"{missing}/portfolio.json: portfolio: "), then.stderr
