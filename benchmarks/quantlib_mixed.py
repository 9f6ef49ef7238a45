"""QuantLib's model of any loan of the portfolio form: the peer of the mixed book.

The fixed book's peer (``portfolio._quantlib_inputs``) is QuantLib computing exactly what the
portfolio engine computes. The mixed book has terms QuantLib has no instrument for, so its
peer is QuantLib's nearest model of each loan, built the way a QuantLib user would build it:

- the loan's schedule (anchor, months, count, end-of-month rule), calendar, business-day
  convention and day count;
- fixed loans: ``AmortizingFixedRateBond``; floating loans: ``AmortizingFloatingRateBond``
  on the loan's index (every fixing of the book's history, as the rate in force on each day),
  its margin as the spread, its fixing lag as the fixing days, its floor and cap through
  QuantLib's coupon pricer;
- the notionals: level principal as the engine allots it (the installment given, or the
  principal over the count rounded half-up to the cent; the last takes what is left), bullet
  constant, level payment as the annuity at the loan's first rate.

Where QuantLib cannot express a term it computes the simpler thing, which costs it less than
the term costs the engine: one fixing per interest period (the engine resets on its own
dates, at month ends or on the loan date each month, and accrues each span at its rate), no
period caps or floors, no level payment recomputed at a reset, no usury ceiling. So the peer
favours QuantLib. Each amount is asked for and summed, as the engine's consumer sums its own.

``tests/portfolio/test_quantlib_mixed.py`` holds the model to the exact engine's cents where
the two models are the same (fixed rates, level principal or bullet).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import QuantLib as ql  # type: ignore[import-untyped]

#: after every date of the books: every coupon is in the past, its fixing known
EVALUATION = date(2037, 6, 1)


def _date(d: date) -> Any:
    return ql.Date(d.day, d.month, d.year)


class MixedPeer:
    """QuantLib's objects shared by every loan (calendars, conventions, day counts, the
    indexes with their fixings); ``flows(row)`` gives one loan's cash flows."""

    def __init__(self, fixings: pa.Table) -> None:
        ql.Settings.instance().evaluationDate = _date(EVALUATION)
        self.calendars = {
            "none": ql.NullCalendar(),
            "weekdays": ql.WeekendsOnly(),
            "US": ql.UnitedStates(ql.UnitedStates.Settlement),
            "NYSE": ql.UnitedStates(ql.UnitedStates.NYSE),
        }
        self.conventions = {
            "unadjusted": ql.Unadjusted,
            "following": ql.Following,
            "modified following": ql.ModifiedFollowing,
            "preceding": ql.Preceding,
            "modified preceding": ql.ModifiedPreceding,
        }
        self.day_counts = {
            "actual/360": ql.Actual360(),
            "actual/365": ql.Actual365Fixed(),
            "actual/actual": ql.ActualActual(ql.ActualActual.ISDA),
            "30/360": ql.Thirty360(ql.Thirty360.BondBasis),
            "30E/360": ql.Thirty360(ql.Thirty360.European),
        }
        self.indexes = {name: self._index(name, fixings) for name in _names(fixings)}
        vol = ql.ConstantOptionletVolatility(
            0, ql.NullCalendar(), ql.Unadjusted, 0.2, ql.Actual365Fixed()
        )
        self.pricer = ql.BlackIborCouponPricer(ql.OptionletVolatilityStructureHandle(vol))

    @staticmethod
    def _index(name: str, fixings: pa.Table) -> Any:
        """The index with a fixing on every day from its first: the rate in force that day
        (QuantLib reads a fixing on the fixing date itself)."""
        index = ql.IborIndex(
            name, ql.Period(1, ql.Months), 0, ql.USDCurrency(), ql.NullCalendar(),
            ql.Unadjusted, False, ql.Actual360(),
        )  # fmt: skip
        points = sorted(
            (r["date"], r["rate_e9"]) for r in fixings.to_pylist() if r["index"] == name
        )
        dates, rates = [], []
        day, j, rate = points[0][0], 0, 0.0
        while day <= EVALUATION:
            while j < len(points) and points[j][0] <= day:
                rate = points[j][1] / 1e9
                j += 1
            dates.append(_date(day))
            rates.append(rate)
            day += timedelta(days=1)
        # QuantLib keeps an index's fixings by name for the whole process: the latest
        # peer's fixings replace any earlier peer's
        index.addFixings(dates, rates, True)
        return index

    def flows(self, r: dict[str, Any]) -> tuple[int, float]:
        """Loan ``r``'s cash flows: (how many, the sum of their amounts in dollars)."""
        count, months = int(r["schedule_count"]), int(r["schedule_months"])
        anchor = _date(r["schedule_anchor"])
        convention = self.conventions[r["convention"]]
        day_count = self.day_counts[r["day_count"]]
        calendar = self.calendars[r["calendar"]]
        # the due dates from the anchor, moved to business days; interest accrues from the
        # loan's start as it is (a schedule from the start would move the start too)
        due = ql.Schedule(
            anchor,
            anchor + ql.Period(months * (count - 1), ql.Months),
            ql.Period(months, ql.Months),
            calendar,
            convention,
            convention,
            ql.DateGeneration.Forward,
            bool(r["schedule_eom"]),
        )
        schedule = ql.Schedule(
            [_date(r["start"]), *due], calendar, ql.Unadjusted, ql.Unadjusted,
            ql.Period(months, ql.Months), ql.DateGeneration.Forward, bool(r["schedule_eom"]),
        )  # fmt: skip
        floating = bool(r["rate_index"])
        index = self.indexes[r["rate_index"]] if floating else None
        if index is not None:
            first = index.fixing(_date(r["start"]) - int(r["fixing_lag_days"]))
            rate = first + r["margin_e9"] / 1e9
        else:
            rate = r["fixed_rate_e9"] / 1e9
        notionals = _notionals(r, len(schedule) - 1, rate, months)
        if index is None:
            bond = ql.AmortizingFixedRateBond(0, notionals, schedule, [rate], day_count, convention)
        else:
            caps = [r["cap_e9"] / 1e9] if r["cap_e9"] is not None else []
            floors = [r["floor_e9"] / 1e9] if r["floor_e9"] is not None else []
            bond = ql.AmortizingFloatingRateBond(
                0, notionals, schedule, index, day_count, convention,
                int(r["fixing_lag_days"]), [1.0], [r["margin_e9"] / 1e9], caps, floors,
            )  # fmt: skip
            ql.setCouponPricer(bond.cashflows(), self.pricer)
        cash_flows = bond.cashflows()
        total = 0.0
        for cf in cash_flows:
            total += cf.amount()
        return len(cash_flows), total


def _names(fixings: pa.Table) -> list[str]:
    return sorted(set(fixings.column("index").to_pylist()))


def _notionals(r: dict[str, Any], periods: int, rate: float, months: int) -> list[float]:
    """The principal outstanding in each period, in dollars."""
    principal = int(r["principal_cents"])
    count = int(r["schedule_count"])
    if r["amortization"] == "bullet":
        return [principal / 100] * periods
    if r["amortization"] == "level_principal":
        given = int(r["installment_cents"] or 0)
        each = given if given > 0 else (2 * principal + count) // (2 * count)
        return [max(principal - each * i, 0) / 100 for i in range(periods)]
    per = rate * months / 12
    payment = principal * per / (1 - (1 + per) ** -count) if per else principal / count
    out, balance = [], float(principal)
    for _ in range(periods):
        out.append(max(balance, 0.0) / 100)
        balance = balance * (1 + per) - payment
    return out
