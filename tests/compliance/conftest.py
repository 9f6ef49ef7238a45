"""Small books written as term files (text in, compliance out), for hand-checked cases.

Each builder returns the YAML of one document, so a test reads like the book a loan officer
would keep: an agreement with its covenants, statements as recorded documents, amendments
and waivers with their own effective and record dates.
"""

from __future__ import annotations

from textwrap import dedent

from loanbook.book import Book, TermDocument
from loanbook.terms.files import parse_term_file
from tests.storage.conftest import db_kind, db_url  # noqa: F401  (SQLite and PostgreSQL)


def book_of(*texts: str) -> Book:
    docs = []
    for i, text in enumerate(texts):
        source = f"doc-{i}.yaml"
        docs.append(TermDocument(source, text, parse_term_file(dedent(text), source)))
    return Book(tuple(docs))


AGREEMENT = """
document:
  id: afa
  title: Accounts Financing Agreement (test)
  kind: agreement
  date: 2002-01-01
revolvers: {}
compliance:
  covenants:
    working-capital:
      name: Working Capital
      facility: congress-revolver
      borrower: lpc
      formula: current_assets - current_liabilities
      comparison: ">="
      threshold:
        - {from: 2002-01-01, value: "5000000"}
        - {from: 2002-07-01, value: "5500000"}
      tests: {cycle: monthly, first: 2002-01-31}
      start: 2002-01-01
      statement_due_days: 30
      cite: afa Covenant Supplement §IV(g)(i)(b)
  events_of_default:
    covenant:
      kind: covenant_breach
      facility: congress-revolver
      cite: afa §10.1(c)
    cross:
      kind: cross_default
      facility: congress-revolver
      instruments: [junior-14, senior-10-5]
      cite: afa §10.1(f)
    collateral:
      kind: collateral_covenant
      facility: congress-revolver
      cite: afa §10.1(d)
  indebtedness:
    junior-14:
      name: 14% Junior Subordinated Notes due May 1, 2002
      obligor: lpc
      due: 2002-05-01
      cite: afa §10.1(f)
    senior-10-5:
      name: 10-1/2% Senior Note due May 1, 2002
      obligor: lpc
      due: 2002-05-01
      cite: afa §10.1(f)
  remedies:
    default-rate:
      option: default_rate
      facility: congress-revolver
      subjects: [congress-revolver-lpc]
      "on": [event_of_default, termination]
      cite: afa §10.2
"""


def statement(period_end: str, received: str, assets: str, liabilities: str) -> str:
    """A monthly statement of LPC, recorded on the day Congress received it."""
    return f"""
document:
  id: fs-{period_end}
  title: LPC monthly financial statement {period_end} (invented)
  kind: statement
  date: {received}
facts:
  - kind: statement
    id: fs-{period_end}
    borrower: lpc
    period_end: {period_end}
    received: {received}
    source: LPC balance sheet (invented for the test)
    label: invented
    items:
      current_assets: "{assets}"
      current_liabilities: "{liabilities}"
"""


AMENDMENT_004 = """
document:
  id: "004"
  title: Amendment to Financing Agreements
  kind: amendment
  date: 2002-10-31
changes:
  - op: delete
    path: compliance.covenants.working-capital
    effective: 2002-08-01
    cite: 004 §4
compliance:
  waivers:
    wc-august-2002:
      facility: congress-revolver
      scope: {kind: covenant_breach, covenant: working-capital, test_date: 2002-08-31}
      from: 2002-10-31
      cite: 004 §5(a)
"""

WAIVER_ONLY_AUGUST = """
document:
  id: waiver-aug
  title: Waiver of the August 2002 working capital default only
  kind: waiver
  date: 2002-10-31
compliance:
  waivers:
    wc-august-2002:
      facility: congress-revolver
      scope: {kind: covenant_breach, covenant: working-capital, test_date: 2002-08-31}
      from: 2002-10-31
      cite: 004 §5(a)
"""

EXHIBIT_A = """
document:
  id: 004-exhibit-a
  title: Agreement (Exhibit A)
  kind: waiver
  date: 2002-10-31
compliance:
  waivers:
    other-indebtedness:
      facility: congress-revolver
      scope: {kind: cross_default, instruments: [junior-14, senior-10-5], solely: true}
      from: 2002-10-31
      until: 2003-01-03
      rescission:
        action: [seeks_acceleration, exercises_remedies]
        instruments: [junior-14, senior-10-5]
        cite: 004 Exhibit A §2
      cite: 004 Exhibit A §1
"""

NON_PAYMENT = """
document:
  id: np-2002-05
  title: LPC did not pay the 14% Junior Subordinated Notes at maturity (invented)
  kind: notice
  date: 2002-05-02
facts:
  - kind: non_payment
    instrument: junior-14
    date: 2002-05-01
    note: principal due at maturity not paid
"""


def creditor_action(day: str) -> str:
    return f"""
document:
  id: holder-{day}
  title: Trustee of the 14% notes seeks acceleration (invented)
  kind: notice
  date: {day}
facts:
  - kind: creditor_action
    instrument: junior-14
    action: seeks_acceleration
    date: {day}
"""


TERM_END = """
document:
  id: term
  title: Term of the Accounts Agreement (004 §2)
  kind: amendment
  date: 2002-10-31
compliance:
  milestones:
    renewal-date:
      date: 2003-01-03
      description: the Renewal Date - the term of the Accounts Agreement ends
      kind: term_end
      cite: 004 §2
"""
