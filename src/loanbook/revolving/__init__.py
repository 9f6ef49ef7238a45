"""Revolving credit: a borrowing base, availability, overadvances, and revolving loan
accounts with Prime Rate and Eurodollar Rate Loans (the Congress facility, seeds 002 and 004).
Pure domain: no I/O."""
