"""Regenerate the INVENTED example data of the Congress facility (and later CIT payments).

The seeds give terms, not histories. This script writes, deterministically:
- certificates/bbc-YYYY-MM-DD.yaml: quarterly borrowing-base certificates 1995-12-31..2002-12-31
  (plausible, invented values; North Canton inventory is reported as eligible on purpose, so
  that 002 §4's exclusion shows);
- events/congress-revolver-1996-2002.csv: revolving advances, repayments, Eurodollar
  conversions, an overadvance notice (Monday 2002-01-07) and the $80,000 fee of 004 §6;
- events/proceeds-applications-1996.csv: the 002 §6(f)-(g) rules (the engine derives the
  payoff of the note and the balance to the revolver);
- events/term-note-payments.csv: every term note paid as billed on its due dates to 2002-12-31
  (the CIT note from 1997 on; 1996 is in cit-note-payments-1996.csv);
- compliance/*.yaml: LPC's financial statements (monthly in 2002, for the working-capital
  covenant, so that August and September 2002 fail it; annual 1996-1999 for CIT's Cash Flow
  Coverage Ratio), the conditions of 001, 002 and 004 met, the non-payment at maturity of
  two of the notes 004 Exhibit A names, and a CIT press moved after a proper notice.
Every event row carries ``recorded``: the day the lender learned of it (its own date).

Run from the repository root: ``.venv/bin/python examples/lexington/generate_examples.py``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.loader import read_book
from loanbook.revolving.application import ApplicationRule, apply_proceeds
from loanbook.time.schedule import add_months

BOOK = Path(__file__).resolve().parent
END = date(2002, 12, 31)
HEADER = "date,loan,kind,amount,reference,key,type,months,rate,subject,cite"


def month_ends(start: date, end: date) -> list[date]:
    out, d = [], start
    while d <= end:
        out.append(d)
        d = add_months(d, 1, eom=True)
    return out


def certificates() -> None:
    rng = random.Random(1996)
    folder = BOOK / "certificates"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("bbc-*.yaml"):
        old.unlink()
    for q in month_ends(date(1995, 12, 31), END)[::3]:
        slump = Decimal("0.80") if q == date(2001, 12, 31) else Decimal(1)

        def amt(base: int) -> str:
            return str(
                (Decimal(base) * Decimal(rng.randint(92, 108)) / 100 * slump).quantize(Decimal(1))
            )

        items = [
            ("lpc-ar", "LPC receivables, current", "accounts", "rochester-ny", amt(7_200_000), 38),
            (
                "lpc-ar-aged",
                "LPC receivables over 90 days",
                "accounts",
                "rochester-ny",
                amt(350_000),
                118,
            ),
            (
                "lpc-inv-roc",
                "LPC inventory, Rochester",
                "inventory",
                "rochester-ny",
                amt(3_000_000),
                None,
            ),
            (
                "lpc-inv-az",
                "LPC inventory, Casa Grande",
                "inventory",
                "casa-grande-az",
                amt(1_100_000),
                None,
            ),
            (
                "lpc-inv-nc",
                "LPC inventory, North Canton Property",
                "inventory",
                "north-canton-oh",
                amt(1_200_000),
                None,
            ),
            ("lrg-ar", "LCI/LRG receivables, current", "accounts", "vienna-oh", amt(2_600_000), 41),
            (
                "lrg-inv",
                "LCI/LRG inventory, Vienna",
                "inventory",
                "vienna-oh",
                amt(1_400_000),
                None,
            ),
        ]
        lines = [
            "# INVENTED borrowing-base certificate (plausible values, not from any filing).",
            "document:",
            f"  id: bbc-{q}",
            f"  title: Borrowing Base Certificate as of {q} (invented example)",
            "  kind: certificate",
            f"  date: {q}",
            f"  recorded: {q + timedelta(days=10)}",
            "certificate:",
            "  facility: congress-revolver",
            f"  as_of: {q}",
            "  items:",
        ]
        for ident, desc, coll, loc, value, age in items:
            lines += [
                f"    - id: {ident}",
                f"      description: {desc}",
                f"      collateral: {coll}",
                f"      location: {loc}",
                f"      value: {value}.00",
                "      eligible: true",
            ]
            if age is not None:
                lines.append(f"      age_days: {age}")
        (folder / f"bbc-{q}.yaml").write_text("\n".join(lines) + "\n")


#: 002 §6(f)-(g): the Bank One proceeds and the rules that apply them. The events file holds
#: the rule (``application`` events); the engine derives the payoff and the balance.
APPLICATIONS = (
    (
        ApplicationRule("lci-ohio-real-estate-loan", "congress-revolver-lrg", "002 §6(f)"),
        Decimal("1500000.00"),
        "Bank One Vienna Term Loan proceeds",
        "p-002-6f",
    ),
    (
        ApplicationRule(
            "lpc-second-restated-note", "congress-revolver-lpc", "002 §6(g)", Decimal("418118.00")
        ),
        Decimal("1000000.00"),
        "Bank One North Canton Interim Loan proceeds",
        "p-002-6g",
    ),
)
APPLIED_ON = date(1996, 3, 14)
APPLICATION_HEADER = "date,loan,kind,amount,reference,key,account,prepay,cite,recorded"


def application_rows() -> list[str]:
    """The rules of 002 §6(f)-(g) as events: the sum received, the note, ``full`` or the
    amount to prepay, the revolving account for the balance, the clause."""
    return [
        f"{APPLIED_ON},{rule.note},application,{amount},{ref},{key},{rule.account},"
        f"{'full' if rule.note_amount is None else rule.note_amount},{rule.cite},{APPLIED_ON}"
        for rule, amount, ref, key in APPLICATIONS
    ]


def balances_to_revolver() -> dict[str, Decimal]:
    """What the rules leave for each revolving account (to start the invented monthly
    activity from a plausible balance), derived as the engine derives it."""
    book = read_book(BOOK)  # the term notes as they stand before the proceeds
    out = {}
    for rule, amount, ref, key in APPLICATIONS:
        owed = book.run(rule.note, APPLIED_ON).position.principal_outstanding
        _, rest = apply_proceeds(rule, APPLIED_ON, amount, owed, ref, key)
        assert rest.amount is not None
        out[rule.account] = rest.amount
    return out


def revolver_events() -> list[str]:
    rng = random.Random(2002)
    balance_to = balances_to_revolver()
    rows = [
        "1996-01-02,congress-revolver-lpc,advance,6000000.00,opening balance,rv-open-lpc,prime,,,,congress-afa",
        "1996-01-02,congress-revolver-lrg,advance,2200000.00,opening balance,rv-open-lrg,prime,,,,congress-afa",
    ]
    balance = {
        "lpc": 6_000_000 - int(balance_to["congress-revolver-lpc"]),
        "lrg": 2_200_000 - int(balance_to["congress-revolver-lrg"]),
    }
    band = {"lpc": (4_500_000, 7_500_000, 60_000), "lrg": (1_200_000, 2_600_000, 25_000)}
    for d in month_ends(date(1996, 4, 30), date(2002, 11, 30)):
        mid = d.replace(day=15)
        for acct, (low, high, scale) in band.items():
            balance[acct] += balance[acct] * 9 // 1200  # interest charged to the account
            flow = rng.randint(-3, 3) * scale
            if balance[acct] + flow < low or balance[acct] + flow > high:
                flow = -flow
            balance[acct] += flow
            kind = "advance" if flow > 0 else "payment"
            amount = abs(flow) or scale
            rows.append(
                f"{mid},congress-revolver-{acct},{kind},{amount}.00,monthly activity,"
                f"rv-{acct}-{mid},prime,,,,"
            )
        if d.month == 9 and d.year in (1997, 1998, 1999, 2000, 2001):
            rows.append(
                f"{d.year}-09-16,congress-revolver-lpc,notice,1500000.00,"
                f"conversion to a 3-month Eurodollar Rate Loan,rv-ed-{d.year},,3,"
                f"{['5.66', '5.63', '5.41', '6.62', '2.62'][d.year - 1997]},conversion,"
            )
    rows += [
        "2002-01-07,congress-revolver-lpc,notice,,overadvance notice (telephone),rv-oa-notice,,,,overadvance,004 §1(b)",
        "2002-01-25,congress-revolver-lpc,payment,1500000.00,repayment curing the overadvance,rv-oa-cure,,,,,",
        "2002-09-16,congress-revolver-lpc,notice,2000000.00,conversion to a 3-month Eurodollar Rate Loan,rv-ed-2002,,3,1.80,conversion,",
        "2002-10-31,congress-revolver-lpc,fee,80000.00,amendment fee,rv-fee-004,,,,,004 §6",
    ]
    return sorted(rows)


def note_payments() -> list[str]:
    """Pay each term note as billed (the book already holds the revolver events)."""
    book = read_book(BOOK)
    out = []
    for loan in book.loan_ids():
        if book.revolver_of(loan) is not None:
            continue
        start = date(1997, 1, 31) if loan == "cit-note" else date(1996, 1, 31)
        for d in month_ends(start, END):
            due = book.run(loan, d).position.total_due
            if due > 0:
                key = f"pay-{loan}-{d:%Y-%m}"
                out.append(f"{d},{loan},payment,{due},payment as billed,{key},,,,,")
                book = book.with_events(
                    (LoanEvent(d, loan, EventKind.PAYMENT, due, "payment as billed", key),)
                )
    return out


def with_recorded(rows: list[str]) -> list[str]:
    """Each row with the date the lender learned of it (``recorded``): the day itself, as a
    servicer posts a wire, a notice or a fee the day it comes in. Without it an import would
    record every event "now", and a view as known on a past date would show none of them."""
    return [f"{row},{row.split(',', 1)[0]}" for row in rows]


# Working capital of LPC at each 2002 month end (invented): current assets, current
# liabilities. August (5,210,000) and September (5,120,000) are below the 5,500,000 minimum.
MONTHLY = {
    1: ("31240000.00", "25190000.00"),
    2: ("31105000.00", "25125000.00"),
    3: ("30980000.00", "25070000.00"),
    4: ("30870000.00", "25030000.00"),
    5: ("30655000.00", "24935000.00"),
    6: ("30590000.00", "24960000.00"),
    7: ("30460000.00", "24880000.00"),
    8: ("30120000.00", "24910000.00"),
    9: ("29980000.00", "24860000.00"),
}
# LPC's fiscal years (invented): EBITDA, capital expenditures, taxes paid, principal paid,
# interest paid. Cash Flow Coverage Ratio = (EBITDA - capex - taxes) / (principal + interest).
ANNUAL = {
    1996: ("17800000.00", "6900000.00", "300000.00", "4100000.00", "3900000.00"),
    1997: ("18650000.00", "7200000.00", "350000.00", "4300000.00", "3800000.00"),
    1998: ("17900000.00", "7400000.00", "250000.00", "4400000.00", "3650000.00"),
    1999: ("17250000.00", "6800000.00", "200000.00", "4500000.00", "3500000.00"),
}
SATISFIED = {
    "1996-02-28": ["amendment-executed", "ida-transaction-closed"],
    "1996-03-14": [
        "002-executed",
        "002-financing-agreements",
        "002-intercreditor",
        "002-intercreditor-consent",
        "002-lci-letter",
        "002-vienna-proceeds",
        "002-north-canton-proceeds",
    ],
    "1996-05-20": ["loan-b-note", "loan-b-consolidated-mortgage", "loan-b-title-insurance"],
    "1996-05-22": ["loan-b-ida-resolution"],
    "1996-05-28": ["loan-b-certificate-of-occupancy"],
    "1996-05-30": ["loan-b-survey"],
    "2002-10-31": ["004-executed", "004-representations", "004-no-default"],
}
INVENTED = "# INVENTED example data (generate_examples.py), labelled so; not from the seeds.\n"


def _write(name: str, text: str) -> None:
    (BOOK / "compliance" / name).write_text(INVENTED + text)


def compliance_documents() -> None:
    folder = BOOK / "compliance"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for month, (assets, liabilities) in MONTHLY.items():
        end = add_months(date(2002, month, 1), 1) - timedelta(days=1)
        received = end + timedelta(days=26)
        _write(
            f"fs-lpc-{end:%Y-%m}.yaml",
            f"""document:
  id: fs-lpc-{end:%Y-%m}
  title: LPC monthly balance sheet as of {end} (invented)
  kind: statement
  date: {received}
facts:
  - kind: statement
    id: fs-lpc-{end:%Y-%m}
    borrower: lpc
    period_end: {end}
    received: {received}
    source: LPC monthly financial statements delivered to Congress (invented)
    label: invented
    items:
      current_assets: "{assets}"
      current_liabilities: "{liabilities}"
""",
        )
    for year, (ebitda, capex, taxes, principal, interest) in ANNUAL.items():
        received = date(year + 1, 3, 28)
        _write(
            f"fs-lpc-fy{year}.yaml",
            f"""document:
  id: fs-lpc-fy{year}
  title: LPC audited financial statements, fiscal year {year} (invented figures)
  kind: statement
  date: {received}
facts:
  - kind: statement
    id: fs-lpc-fy{year}
    borrower: lpc
    period_end: {year}-12-31
    received: {received}
    source: LPC annual report on Form 10-K (figures invented)
    label: invented
    items:
      ebitda: "{ebitda}"
      capital_expenditures: "{capex}"
      taxes_paid: "{taxes}"
      principal_paid: "{principal}"
      interest_paid: "{interest}"
""",
        )
    for day, conditions in SATISFIED.items():
        facts = "".join(
            f"""  - kind: satisfaction
    condition: {c}
    date: {day}
"""
            for c in conditions
        )
        _write(
            f"conditions-met-{day}.yaml",
            f"""document:
  id: conditions-met-{day}
  title: Conditions precedent met on {day} (dates invented)
  kind: notice
  date: {day}
facts:
{facts}""",
        )
    _write(
        "non-payment-2002-05-01.yaml",
        """document:
  id: non-payment-2002-05-01
  title: Notes not paid at maturity on 2002-05-01 (invented; 004 Exhibit A implies defaults)
  kind: notice
  date: 2002-05-01
facts:
  - kind: non_payment
    instrument: junior-subordinated-14
    date: 2002-05-01
    note: principal and interest due at maturity not paid
  - kind: non_payment
    instrument: senior-10-5
    date: 2002-05-01
    note: principal and interest due at maturity not paid
""",
    )
    _write(
        "press-move-1998-06.yaml",
        """document:
  id: press-move-1998-06
  title: Notice to Congress and move of a CIT press from Piper Avenue to Rochester (invented)
  kind: notice
  date: 1998-06-15
facts:
  - kind: notice
    id: lpc-notice-1998-06-10
    date: 1998-06-10
    to: congress
    subject: collateral_move
    serials: [HPM-600-3920]
    note: prior written notice under 002 §3(a), listing the serial number
  - kind: move
    item: cit-press-02
    to: rochester-ny
    date: 1998-06-15
""",
    )


def main() -> None:
    compliance_documents()
    for old in (
        "congress-revolver-1996-2002.csv",
        "term-note-payments.csv",
        "proceeds-applications-1996.csv",
    ):
        (BOOK / "events" / old).unlink(missing_ok=True)
    certificates()
    rows = revolver_events()
    events = BOOK / "events"
    header = f"{HEADER},recorded"
    (events / "congress-revolver-1996-2002.csv").write_text(
        "\n".join([header, *with_recorded(rows)]) + "\n"
    )
    (events / "proceeds-applications-1996.csv").write_text(
        "\n".join([APPLICATION_HEADER, *application_rows()]) + "\n"
    )
    (events / "term-note-payments.csv").unlink(missing_ok=True)
    payments = note_payments()
    (events / "term-note-payments.csv").write_text(
        "\n".join([header, *with_recorded(payments)]) + "\n"
    )


if __name__ == "__main__":
    main()
