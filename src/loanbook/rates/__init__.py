"""Rate indexes (LIBOR, Prime, any named index) and their fixings."""

from loanbook.rates.fixings import Fixing, Market, RateIndex, parse_fixings_csv

__all__ = ["Fixing", "Market", "RateIndex", "parse_fixings_csv"]
