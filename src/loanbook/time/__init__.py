"""Time conventions: day counts, business-day calendars and conventions, schedules.

Kept apart from instruments and engines (as QuantLib keeps ``ql/time``): nothing here knows
about loans.
"""

from loanbook.time.adjust import BusinessDayConvention, adjust
from loanbook.time.calendar import BusinessCalendar, get_calendar
from loanbook.time.daycount import DayCount, year_fraction
from loanbook.time.schedule import Cycle, Stub, add_cycle, generate, generate_count

__all__ = [
    "BusinessCalendar",
    "BusinessDayConvention",
    "Cycle",
    "DayCount",
    "Stub",
    "add_cycle",
    "adjust",
    "generate",
    "generate_count",
    "get_calendar",
    "year_fraction",
]
