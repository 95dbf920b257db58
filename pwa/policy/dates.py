"""Dates written the usual French ways, found inside a password.

Used twice: the strength estimate prices them (a date is a few thousand
guesses, not 10^8), and the personal-data check turns them into tokens that
are compared, as keyed digests, with the person's birth date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

FIRST_YEAR, LAST_YEAR = 1900, 2099
MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11,
    "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip
_SEP = r"[/.\-_ ]"
_DMY = re.compile(rf"(?<!\d)(?=(\d{{1,2}})({_SEP})(\d{{1,2}})\2(\d{{4}}|\d{{2}})(?!\d))")
_YMD = re.compile(rf"(?<!\d)(?=(\d{{4}})({_SEP})(\d{{1,2}})\2(\d{{1,2}})(?!\d))")
_DM = re.compile(rf"(?<!\d)(?=(\d{{1,2}})({_SEP})(\d{{1,2}})(?!\d))")
_NAMED = re.compile(
    r"(?<!\d)(\d{1,2})(?:er)?[\s.\-_/]*("
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")(?:[\s.\-_/]*(\d{4}|\d{2})(?!\d))?"
)
_DIGIT_RUNS = re.compile(r"\d{4,}")


@dataclass(frozen=True)
class DateSpan:
    start: int
    end: int  # exclusive
    kind: str  # "date", "ddmm" or "year"
    year: int | None = None
    month: int | None = None
    day: int | None = None
    separated: bool = False

    def tokens(self) -> set[str]:
        """Normalised forms, as personal_tokens() writes them."""
        out: set[str] = set()
        if self.year is not None:
            out.add(f"year:{self.year}")
        if self.day is not None and self.month is not None:
            out.add(f"ddmm:{self.day:02d}{self.month:02d}")
            if self.year is not None:
                out.add(f"date:{self.year:04d}-{self.month:02d}-{self.day:02d}")
        return out


def _years(text: str) -> list[int]:
    value = int(text)
    if len(text) == 2:
        return [1900 + value, 2000 + value]
    return [value] if FIRST_YEAR <= value <= LAST_YEAR else []


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _day_month(start: int, end: int, d: str, m: str, separated: bool) -> Iterator[DateSpan]:
    day, month = int(d), int(m)
    if _valid(2000, month, day):  # a leap year: 29/02 is a day-month
        yield DateSpan(start, end, "ddmm", None, month, day, separated)


def _full(start: int, end: int, y: str, m: str, d: str, separated: bool) -> Iterator[DateSpan]:
    for year in _years(y):
        if _valid(year, int(m), int(d)):
            yield DateSpan(start, end, "date", year, int(m), int(d), separated)


def find_dates(folded: str) -> list[DateSpan]:
    """Every date-like span of `folded` (lower case, accents removed)."""
    spans: list[DateSpan] = []
    for run in _DIGIT_RUNS.finditer(folded):
        digits, base = run.group(), run.start()
        for i in range(len(digits) - 3):
            at = base + i
            w8, w6, w4 = digits[i : i + 8], digits[i : i + 6], digits[i : i + 4]
            if len(w8) == 8:
                spans += _full(at, at + 8, w8[4:], w8[2:4], w8[:2], False)
                spans += _full(at, at + 8, w8[:4], w8[4:6], w8[6:], False)
            if len(w6) == 6:
                spans += _full(at, at + 6, w6[4:], w6[2:4], w6[:2], False)
            spans += _day_month(at, at + 4, w4[:2], w4[2:], False)
            spans += [DateSpan(at, at + 4, "year", y) for y in _years(w4)]
    for match in _DMY.finditer(folded):
        d, sep, m, y = match.groups()
        end = match.start() + len(d) + len(sep) * 2 + len(m) + len(y)
        spans += _full(match.start(), end, y, m, d, True)
    for match in _YMD.finditer(folded):
        y, sep, m, d = match.groups()
        end = match.start() + len(y) + len(sep) * 2 + len(m) + len(d)
        spans += _full(match.start(), end, y, m, d, True)
    for match in _DM.finditer(folded):
        d, sep, m = match.groups()
        spans += _day_month(match.start(), match.start() + len(d + sep + m), d, m, True)
    for match in _NAMED.finditer(folded):
        d, month_name, y = match.groups()
        month = MONTHS[month_name]
        if y:
            spans += _full(match.start(), match.end(), y, str(month), d, True)
        end = match.start(2) + len(month_name)
        spans += _day_month(match.start(), end, d, str(month), True)
    return spans
