"""Extended Date/Time Format (ISO 8601-2, EDTF levels 0 and 1): parse a date into a sortable range.

Accepted: ``1952``, ``-0250``, ``1998-04``, ``2019-03-14``, a trailing ``?`` (uncertain), ``~``
(approximate) or ``%`` (both), unspecified digits ``195X`` / ``19XX`` / ``1950-XX``, seasons ``1980-21``
(spring) to ``-24`` (winter), and intervals ``1930/1945``, ``../1912``, ``1950/..`` or ``1950/``.
"""
from __future__ import annotations

import calendar
import re

_DATE = re.compile(r"^(?P<year>-?[0-9X]{4})(?:-(?P<month>[0-9X]{2})(?:-(?P<day>[0-9X]{2}))?)?(?P<qual>[?~%])?$")
# Season codes of EDTF level 1 -> (first month, last month), northern hemisphere.
_SEASONS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 12)}


class EDTFError(ValueError):
    pass


def _sortable(year: int, month: int, day: int) -> int:
    sign = -1 if year < 0 else 1
    return sign * (abs(year) * 10000 + month * 100 + day)


def _bounds(date: str) -> tuple[int, int]:
    match = _DATE.match(date)
    if not match:
        raise EDTFError(f"{date!r} is not an EDTF date (e.g. 1952, 1998-04, 2019-03-14, 195X, 1950~, 1930/1945)")
    year_text, month_text, day_text = match["year"], match["month"], match["day"]
    negative = year_text.startswith("-")
    digits = year_text.lstrip("-")
    low_year = int(digits.replace("X", "0"))
    high_year = int(digits.replace("X", "9"))
    if negative:
        low_year, high_year = -high_year, -low_year
    if month_text is None:
        return _sortable(low_year, 1, 1), _sortable(high_year, 12, 31)
    if "X" in year_text and month_text != "XX":
        raise EDTFError(f"{date!r}: a month cannot follow an unspecified year")
    if month_text == "XX":
        first_month, last_month = 1, 12
    else:
        month = int(month_text)
        if month in _SEASONS:
            if day_text is not None:
                raise EDTFError(f"{date!r}: a season takes no day")
            first_month, last_month = _SEASONS[month]
        elif 1 <= month <= 12:
            first_month = last_month = month
        else:
            raise EDTFError(f"{date!r}: month {month_text} does not exist")
    last_day = calendar.monthrange(high_year if high_year != 0 else 2000, last_month)[1]
    if day_text is None or day_text == "XX":
        return _sortable(low_year, first_month, 1), _sortable(high_year, last_month, last_day)
    if first_month != last_month:
        raise EDTFError(f"{date!r}: a day needs a known month")
    day = int(day_text)
    if not 1 <= day <= calendar.monthrange(low_year if low_year != 0 else 2000, first_month)[1]:
        raise EDTFError(f"{date!r}: day {day_text} does not exist in that month")
    return _sortable(low_year, first_month, day), _sortable(high_year, last_month, day)


def parse_edtf(value: str) -> tuple[int | None, int | None]:
    """Return the earliest and latest day that ``value`` may denote, as YYYYMMDD integers (None: open).

    Raises EDTFError with an explanation when ``value`` is not a date this parser accepts.
    """
    value = value.strip()
    if "/" in value:
        start_text, _, end_text = value.partition("/")
        start = None if start_text in ("", "..") else _bounds(start_text)[0]
        end = None if end_text in ("", "..") else _bounds(end_text)[1]
        if start is None and end is None:
            raise EDTFError(f"{value!r}: an interval needs at least one end")
        if start is not None and end is not None and start > end:
            raise EDTFError(f"{value!r}: the interval ends before it starts")
        return start, end
    return _bounds(value)
