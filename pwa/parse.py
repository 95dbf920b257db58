"""Parsing what a client sends into the few shapes the app needs, so that a
value that cannot be parsed is a 4xx with the page's French message, never a 500.

`str.isdigit()` is true for `²` or `①`, which `int()` refuses: numbers here are
ASCII digits only, with a bounded length (SQLite's integers stop at 2**63-1)."""

from __future__ import annotations

import re

from starlette.convertors import Convertor

_DIGITS = re.compile(r"[0-9]+")
ROW_ID_DIGITS = 18  # below 2**63-1: any SQLite rowid the app hands out fits


def ascii_int(raw: str | None, *, max_digits: int = ROW_ID_DIGITS) -> int | None:
    """The number written in ASCII digits (surrounding spaces allowed), or None."""
    value = (raw or "").strip()
    if not value or len(value) > max_digits or not _DIGITS.fullmatch(value):
        return None
    return int(value)


def ascii_digits(raw: str) -> bool:
    """Only the digits 0-9 (what `int()` and the forms accept)."""
    return bool(_DIGITS.fullmatch(raw))


class RowIdConvertor(Convertor[int]):
    """`{id:rowid}` in a route: 1 to 18 ASCII digits, so an id beyond SQLite's
    integer range finds no route (404) instead of reaching the database."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))
