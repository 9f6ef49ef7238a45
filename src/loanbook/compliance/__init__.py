"""Compliance: covenants, Events of Default, waivers, conditions, collateral, the calendar.

The pure domain core of the lender's questions that are not about money: on a given day, as
known on a given day, is the borrower in default, what is waived, what is due, and what may
the lender do, each answer with the clause it rests on.

Terms (covenants, waivers, conditions precedent, collateral and liens, remedies) live in the
term files under ``compliance:`` and are versioned like every other term (an amendment sets,
replaces or deletes them from a date; see ``terms.versioning``). Facts (financial statements,
condition satisfactions, collateral moves and notices, creditors' actions) are recorded
documents under ``facts:``; a fact is known from its document's record date.

This package imports no I/O; ``service`` adapts a ``Book`` to it. The package itself imports
nothing on purpose, so the term-file schema can use ``compliance.schema`` without a cycle.
"""
