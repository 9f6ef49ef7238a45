"""An event recorded late is unknown before its record date: in a folder as in the store.

The CIT book's October 1996 installment (due 1996-10-31) was paid on 1996-11-12; here the
remittance is recorded only on 1996-11-25. As known on 1996-11-20 the installment is
overdue; as known on 1996-11-25 it is paid. The folder read (`statement BOOK`) and the
stored book (`statement --db`) must say the same.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from loanbook.cli.main import app
from tests.conftest import CIT_BOOK

runner = CliRunner()


def _call(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout) if "--json" in args else result


def _book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    events = book / "events" / "cit-note-payments-1996.csv"
    text = events.read_text()
    assert "cit-note-pay-1996-10,1996-11-12" in text
    events.write_text(
        text.replace("cit-note-pay-1996-10,1996-11-12", "cit-note-pay-1996-10,1996-11-25")
    )
    return book


def _figures(data: dict[str, Any]) -> tuple[str, str, str, list[tuple[str, str]]]:
    overdue = [(o["component"], o["amount"]) for o in data["overdue"]]
    return data["principal_due"], data["interest_due"], data["late_charges"], overdue


# Known on 1996-11-20: the installment of 94,893.75 and the interest of 28,944.00 due on
# 1996-10-31 are unpaid; late charges at 18% a year, actual/360 (003 ¶1, assumed rate) on
# 94,893.75 + 28,944.00 = 123,837.75 for the 20 days to 1996-11-20:
# 123,837.75 x 0.18 x 20 / 360 = 1,238.3775 -> 1,238.38.
UNKNOWN = ("94893.75", "28944.00", "1238.38", [("principal", "94893.75"), ("interest", "28944.00")])
KNOWN = ("0.00", "0.00", "0.00", [])


def test_folder_and_store_agree_on_an_event_recorded_late(db_url: str, tmp_path: Path) -> None:
    book = _book(tmp_path)
    args = ("statement", "--loan", "cit-note", "--as-of", "1996-11-20", "--json")
    folder = {
        k: _figures(_call(*args, str(book), "--known-on", k)) for k in ("1996-11-20", "1996-11-25")
    }
    assert folder == {"1996-11-20": UNKNOWN, "1996-11-25": KNOWN}
    _call("init", "--db", db_url)
    _call("import", str(book), "--db", db_url, "--json")
    stored = {
        k: _figures(_call(*args, "--db", db_url, "--known-on", k))
        for k in ("1996-11-20", "1996-11-25")
    }
    assert stored == folder
