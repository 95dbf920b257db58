"""The French layer's guess estimate: the cheapest way to build a password
from known pieces (zxcvbn's method, with French words and AZERTY walks).

Every piece found (a dictionary word, a common password, a keyboard walk, a
sequence, a repeat, a year, a date) has a number of guesses; any character
not covered costs its brute-force cardinality. A dynamic programme finds the
segmentation with the fewest guesses; numbers are kept as log10.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from math import comb, log10

from pwa.policy.dates import find_dates
from pwa.policy.keyboard import walk_matches
from pwa.policy.normalize import char_cardinality, fold, unleet
from pwa.policy.wordlists import PREFIX_LENGTH, Wordlists

# A piece inside a longer password is worth at least this many guesses
# (zxcvbn's floor: it stops tiny matches from undercutting brute force).
MIN_PIECE_LOG10 = log10(50)
YEAR_GUESSES = 120  # years an attacker tries (1900-2099, recent ones first)
DATE_GUESSES = 365 * YEAR_GUESSES
DAY_MONTH_GUESSES = 366
MAX_SEQUENCE = 40
MAX_REPEAT_UNIT = 16
WORD_KINDS = frozenset({"word", "common", "personal", "walk", "sequence", "repeat"})


@dataclass(frozen=True)
class Piece:
    start: int
    end: int  # exclusive
    kind: str
    log10: float

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Estimate:
    log10: float
    pieces: tuple[Piece, ...]  # the cheapest segmentation, brute force included
    found: tuple[Piece, ...]  # every known piece, chosen or not


def case_log10(piece: str) -> float:
    """Guesses multiplier for the upper/lower-case pattern (zxcvbn)."""
    upper = sum(1 for c in piece if c.isupper())
    lower = sum(1 for c in piece if c.islower())
    if not upper:
        return 0.0
    if not lower or (upper == 1 and (piece[0].isupper() or piece[-1].isupper())):
        return log10(2)
    return log10(sum(comb(upper + lower, i) for i in range(1, min(upper, lower) + 1)))


def _word_pieces(text: str, folded: str, lists: Wordlists, personal: Mapping[str, int]) -> Iterator[Piece]:
    """Dictionary words and common passwords, as typed or in light leet;
    the person's names anywhere."""
    variants = list(dict.fromkeys([folded, unleet(folded), unleet(folded, alternative=True)]))
    ranked, prefixes, french = lists.ranked, lists.prefixes, lists.french
    n, longest = len(text), lists.max_length
    for variant in variants:
        for i in range(n - 1):
            for j in range(i + 2, min(n, i + longest) + 1):
                candidate = variant[i:j]
                if j - i <= PREFIX_LENGTH and candidate not in prefixes:
                    break
                rank = ranked.get(candidate)
                if rank is None or (variant is not folded and candidate == folded[i:j]):
                    continue
                kind = "word" if candidate in french else "common"
                yield _word_piece(text, folded, i, j, candidate, kind, rank)
        for word, rank in personal.items():
            at = variant.find(word)
            while at >= 0:
                yield _word_piece(text, folded, at, at + len(word), word, "personal", rank)
                at = variant.find(word, at + 1)


def _word_piece(text: str, folded: str, i: int, j: int, candidate: str, kind: str, rank: int) -> Piece:
    changed = sum(1 for a, b in zip(folded[i:j], candidate, strict=True) if a != b)
    extra = case_log10(text[i:j]) + (log10(2 * changed) if changed else 0.0)
    return Piece(i, j, kind, log10(rank) + extra)


def _sequence_pieces(folded: str) -> Iterator[Piece]:
    codes = [ord(c) for c in folded]
    for i in range(len(codes) - 2):
        delta = codes[i + 1] - codes[i]
        if not 1 <= abs(delta) <= 5:
            continue
        first = folded[i]
        base = 4 if first in "az019" else 10 if first.isdigit() else 26
        j = i + 1
        while j < len(codes) and j - i < MAX_SEQUENCE and codes[j] - codes[j - 1] == delta:
            j += 1
            if j - i >= 3:
                yield Piece(i, j, "sequence", log10(base * (j - i) * (1 if delta > 0 else 2)))


def _repeat_pieces(text: str, folded: str, lists: Wordlists) -> Iterator[Piece]:
    """A unit typed several times (`aaaa`, `abcabc`, `soleil soleil `), from
    where the repetition starts; units that are themselves repeats are skipped."""
    n = len(folded)
    for unit in range(1, min(MAX_REPEAT_UNIT, n // 2) + 1):
        i = 0
        while i + 2 * unit <= n:
            pattern = folded[i : i + unit]
            if folded[i + unit : i + 2 * unit] != pattern or (pattern * 2).find(pattern, 1) < unit:
                i += 1
                continue
            count = 2
            while folded[i + count * unit : i + (count + 1) * unit] == pattern:
                count += 1
            if unit > 1 or count >= 3:
                base = _unit_log10(text[i : i + unit], lists)
                yield Piece(i, i + unit * count, "repeat", base + log10(count))
            i += unit * (count - 1)


@lru_cache(maxsize=512)
def _unit_log10(unit: str, lists: Wordlists) -> float:
    if len(unit) == 1:
        return log10(char_cardinality(unit))
    return estimate(unit, lists, repeats=False).log10


def _date_pieces(folded: str) -> Iterator[Piece]:
    for span in find_dates(folded):
        if span.kind == "year":
            guesses = YEAR_GUESSES
        elif span.kind == "ddmm":
            guesses = DAY_MONTH_GUESSES
        else:
            guesses = DATE_GUESSES
        yield Piece(span.start, span.end, span.kind, log10(guesses * (4 if span.separated else 1)))


def find_pieces(text: str, lists: Wordlists, personal: Mapping[str, int], repeats: bool = True) -> list[Piece]:
    folded = fold(text)
    pieces = [*_word_pieces(text, folded, lists, personal), *_sequence_pieces(folded)]
    pieces += [Piece(s, e, "walk", g) for s, e, g in walk_matches(text)]
    pieces += _date_pieces(folded)
    if repeats:
        pieces += _repeat_pieces(text, folded, lists)
    return pieces


def estimate(
    text: str,
    lists: Wordlists,
    personal: Mapping[str, int] | None = None,
    repeats: bool = True,
) -> Estimate:
    """The fewest guesses (log10) to find `text` (NFKC) piece by piece."""
    n = len(text)
    found = find_pieces(text, lists, personal or {}, repeats)
    ending: list[list[Piece]] = [[] for _ in range(n + 1)]
    for piece in found:
        ending[piece.end].append(piece)
    best = [0.0] + [float("inf")] * n
    choice: list[Piece | None] = [None] * (n + 1)
    for end in range(1, n + 1):
        char = text[end - 1]
        best[end] = best[end - 1] + log10(char_cardinality(char))
        choice[end] = Piece(end - 1, end, "bruteforce", best[end] - best[end - 1])
        for piece in ending[end]:
            cost = piece.log10 if piece.length == n else max(piece.log10, MIN_PIECE_LOG10)
            if best[piece.start] + cost < best[end]:
                best[end] = best[piece.start] + cost
                choice[end] = Piece(piece.start, end, piece.kind, cost)
    chosen: list[Piece] = []
    at = n
    while at > 0:
        step = choice[at]
        assert step is not None
        chosen.append(step)
        at = step.start
    return Estimate(best[n], tuple(reversed(chosen)), tuple(found))
