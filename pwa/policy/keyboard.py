"""AZERTY keyboard walks (`azerty`, `qsdfgh`, `wxcvbn`, `&é"'(`, `azsxdc`…).

zxcvbn knows QWERTY only. Keys are placed as on a French ISO keyboard: each
row starts further right (Tab 1.5, Caps Lock 1.75, the `<` key after a 1.25
Shift), and two keys of neighbouring rows touch when they overlap.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from math import comb, log10

# (unshifted row, shifted row, left edge of the first key, in key widths)
AZERTY_ROWS = (
    ("²&é\"'(-è_çà)=", " 1234567890°+", 0.0),
    ("azertyuiop^$", "AZERTYUIOP¨£", 1.5),
    ("qsdfghjklmù*", "QSDFGHJKLM%µ", 1.75),
    ("<wxcvbn,;:!", ">WXCVBN?./§", 1.25),
)
MIN_WALK = 3
MAX_WALK = 40


@dataclass(frozen=True)
class Key:
    row: int
    left: float


@cache
def _layout() -> tuple[dict[str, Key], dict[str, bool]]:
    keys: dict[str, Key] = {}
    shifted: dict[str, bool] = {}
    for row, (plain, shift, offset) in enumerate(AZERTY_ROWS):
        for col, (low, high) in enumerate(zip(plain, shift, strict=True)):
            key = Key(row, offset + col)
            # Caps Lock gives the capital of é, è, ç, à, ù on their own keys.
            for char, is_shifted in ((low, False), (high, True), (low.upper(), True)):
                if char != " " and len(char) == 1 and char not in keys:
                    keys[char] = key
                    shifted[char] = is_shifted
    return keys, shifted


def _direction(a: Key, b: Key) -> tuple[int, int] | None:
    """The step from key a to key b, or None if they do not touch."""
    drow = b.row - a.row
    dleft = b.left - a.left
    if drow == 0 and abs(dleft) == 1:
        return (0, int(dleft))
    if abs(drow) == 1 and abs(dleft) < 1:
        return (drow, 1 if dleft > 0 else -1 if dleft < 0 else 0)
    return None


@cache
def _stats() -> tuple[int, float]:
    keys, _ = _layout()
    distinct = set(keys.values())
    degrees = [sum(1 for b in distinct if _direction(a, b)) for a in distinct]
    return len(distinct), sum(degrees) / len(degrees)


def walk_matches(text: str) -> Iterator[tuple[int, int, float]]:
    """(start, end, log10 guesses) for every slice of at least MIN_WALK
    characters typed on touching keys."""
    keys, shifted = _layout()
    steps = [
        _direction(keys[a], keys[b]) if a in keys and b in keys else None for a, b in zip(text, text[1:], strict=False)
    ]
    for start in range(len(text) - MIN_WALK + 1):
        turns, last, count = 1, None, int(shifted.get(text[start], False))
        for end in range(start + 1, min(len(text), start + MAX_WALK)):
            step = steps[end - 1]
            if step is None:
                break
            if last is not None and step != last:
                turns += 1
            last = step
            count += shifted.get(text[end], False)
            if end + 1 - start >= MIN_WALK:
                yield start, end + 1, log10(walk_guesses(end + 1 - start, turns, count))


@cache
def walk_guesses(length: int, turns: int, shifted: int) -> float:
    """zxcvbn's spatial estimate: starting keys x choices at each turn,
    times the ways to place the shifted keys."""
    starts, degree = _stats()
    guesses = 0.0
    for i in range(2, length + 1):
        for j in range(1, min(turns, i - 1) + 1):
            guesses += comb(i - 1, j - 1) * starts * degree**j
    if shifted == length:
        guesses *= 2
    elif shifted:
        guesses *= sum(comb(length, k) for k in range(1, min(shifted, length - shifted) + 1))
    return guesses
