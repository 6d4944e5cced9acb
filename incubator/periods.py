"""Quarters (``2026Q3``): parsing the forms people write them in, windows and quarter ends."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from . import clock

_PATTERNS = [
    re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[Qq]\s*([1-4])\s*$"),      # 2026Q3, 2026q3, 2026-Q3
    re.compile(r"^\s*(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季度?\s*$"),  # 2026年第3季度
]
_CHINESE_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
# The years a record of the zone can be about: year 0 and 9999 would break date arithmetic (a quarter
# later, a year before) with an error instead of a clear refusal.
FIRST_YEAR, LAST_YEAR = 1900, 2999
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＱｑＹ－", "0123456789QqY-")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        """Read ``2026Q3``, ``2026q3``, ``2026-Q3`` or ``2026年第3季度`` (full-width digits too)."""
        value = str(text or "").translate(_FULL_WIDTH)
        for pattern in _PATTERNS:
            match = pattern.match(value)
            if match:
                quarter = _CHINESE_DIGITS.get(match.group(2), match.group(2))
                if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
                    break
                return cls(int(match.group(1)), int(quarter))
        raise PeriodError(f"not a quarter: {text!r}")

    @classmethod
    def containing(cls, day: date) -> "Period":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> "Period":
        return cls.containing(clock.today())

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        """The quarter's last day."""
        if self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    @property
    def year_start(self) -> date:
        return date(self.year, 1, 1)

    def previous(self) -> "Period":
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)

    def next(self) -> "Period":
        return Period(self.year + 1, 1) if self.quarter == 4 else Period(self.year, self.quarter + 1)

    def same_quarter_last_year(self) -> "Period":
        return Period(self.year - 1, self.quarter)

    def year_to_date(self) -> list["Period"]:
        """Q1 of the same year up to and including this quarter."""
        return [Period(self.year, q) for q in range(1, self.quarter + 1)]

    def is_future(self) -> bool:
        return self > Period.current()

    def has_ended(self) -> bool:
        """Whether the quarter is over (a report is filed, verified or imported only then)."""
        return self < Period.current()

    @property
    def first_day_after(self) -> date:
        return self.end + timedelta(days=1)
