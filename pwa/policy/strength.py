"""Strength on zxcvbn's 0-4 scale: zxcvbn-rs-py, lowered by the French layer.

The final score is the lowest of:
- zxcvbn's (English words, QWERTY, names, the person's identifiant and names);
- the French estimate (matching.estimate: French words, common passwords,
  AZERTY walks, years and dates, repeats and sequences), or, for a
  passphrase, the per-word estimate below when it is lower;
- 2 when the password is one known word or walk dressed up with digits and
  symbols (`Marseille13013!`, `Wxcvbn!2024Az`), however many digits.

A passphrase is priced word by word: a word costs its frequency rank, and at
most the size of the French list (a word drawn at random from it); repeated
words count once and a separator used several times counts once. So
`girafe orange sous la pluie` scores 4 while `soleil soleil soleil` fails:
containing dictionary words does not sink a phrase, being predictable does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import log10

from zxcvbn_rs_py import zxcvbn

from pwa.policy.matching import WORD_KINDS, Estimate, Piece, case_log10, estimate
from pwa.policy.normalize import fold, split_words
from pwa.policy.wordlists import Wordlists

# zxcvbn-rs-py grows super-linearly on long input (≈50 ms for 128 random
# characters): beyond ZXCVBN_WHOLE characters it scores chunks and multiplies
# their guesses (the French layer still sees the whole password).
ZXCVBN_WHOLE = 32
ZXCVBN_CHUNK = 16
SCORE_THRESHOLDS = (3.0, 6.0, 8.0, 10.0)  # log10 guesses for scores 1, 2, 3, 4
DECORATED_MAX_SCORE = 2
NUMERIC_KINDS = frozenset({"year", "date", "ddmm", "sequence", "repeat", "common"})
_WORDS = re.compile(r"[^\W\d_]+")
_CLASS_RUNS = re.compile(r"[^\W\d_]+|\d+|[\W_]+")

WARNINGS = {
    "decorated": "Un mot ou une suite de touches, même avec des chiffres et des symboles autour, se devine vite.",
    "walk": "Les suites de touches du clavier (azerty, qsdfgh…) se devinent vite.",
    "repeat": "Les répétitions et les suites (aaa, 1234, abcd) se devinent vite.",
    "date": "Les dates et les années se devinent vite.",
    "word": "Un mot courant se devine vite, même avec une majuscule.",
    "other": "Il est trop court ou trop prévisible.",
}
ADVICE = "Ajoutez quelques mots pris au hasard."
_WARNING_OF_KIND = {
    "walk": "walk", "repeat": "repeat", "sequence": "repeat", "date": "date", "year": "date",
    "ddmm": "date", "word": "word", "common": "word", "personal": "word",
}  # fmt: skip


@dataclass(frozen=True)
class Strength:
    score: int
    french_log10: float
    zxcvbn_log10: float
    decorated: bool
    warning: str | None  # French, None when the score is 4

    @property
    def message(self) -> str | None:
        return f"{self.warning} {ADVICE}" if self.warning else None


def score_of(log10_guesses: float) -> int:
    return sum(1 for threshold in SCORE_THRESHOLDS if log10_guesses >= threshold)


def zxcvbn_log10(text: str, user_inputs: Sequence[str]) -> float:
    """log10 guesses from zxcvbn-rs-py; identical chunks count once."""
    size = len(text) if len(text) <= ZXCVBN_WHOLE else ZXCVBN_CHUNK
    chunks = dict.fromkeys(text[i : i + size] for i in range(0, len(text), size))
    return sum(zxcvbn(chunk, list(user_inputs)).guesses_log10 for chunk in chunks)


def passphrase_log10(text: str, lists: Wordlists, personal: Mapping[str, int]) -> float | None:
    """The per-word estimate, or None when `text` is not made of 3+ words."""
    words = split_words(text)
    letters = sum(map(len, words))
    if sum(1 for w in words if len(w) >= 2) < 3 or letters * 2 < len(text):
        return None
    cap = log10(lists.french_size)
    total = sum(min(cap, estimate(word, lists, personal).log10) for word in dict.fromkeys(map(fold, words)))
    separators = dict.fromkeys(s for s in _WORDS.split(text) if s)
    total += sum(estimate(s, lists, personal).log10 for s in separators)
    uppers = [w for w in words if any(c.isupper() for c in w)]
    if uppers:
        simple = all(w[0].isupper() and w[1:].islower() or w.isupper() for w in uppers)
        total += log10(2) if simple else sum(case_log10(w) for w in uppers)
    return total


def decoration(text: str, found: Sequence[Piece]) -> str | None:
    """Predictable pieces dressed up with a few digits, symbols and letters:
    - one known piece of 4+ characters with, around it, at most three runs of
      digits, symbols or letters, of which at most two letters and three
      symbols (`Soleil14071985?`, `!!Azerty2024`, `Wxcvbn!2024Az`);
    - or at most two letters and three symbols, every digit in a year, a
      date or a sequence (`Ab!1985!2024`).
    Returns the key of the warning to show, or None."""
    letters, symbols = [0], [0]
    for char in text:
        letters.append(letters[-1] + char.isalpha())
        symbols.append(symbols[-1] + (not char.isalnum()))
    if letters[-1] <= 2 and symbols[-1] <= 3 and _digits_predictable(text, found):
        return "date"
    for piece in [*found, *_walk_chains(found)]:
        if piece.kind not in WORD_KINDS or piece.length < 4:
            continue
        outside_letters = letters[-1] - (letters[piece.end] - letters[piece.start])
        outside_symbols = symbols[-1] - (symbols[piece.end] - symbols[piece.start])
        if outside_letters > 2 or outside_symbols > 3:
            continue
        before, after = text[: piece.start], text[piece.end :]
        if len(_CLASS_RUNS.findall(before)) + len(_CLASS_RUNS.findall(after)) <= 3:
            return "decorated"
    return None


def _walk_chains(found: Sequence[Piece]) -> list[Piece]:
    """Walks typed one after the other (`aqw` + `zsx`: two keyboard columns)."""
    walks: dict[int, Piece] = {}
    for piece in found:
        if piece.kind == "walk" and piece.length > walks.get(piece.start, piece).length - 1:
            walks[piece.start] = piece  # the longest walk from each position
    chains = []
    for first in walks.values():
        end, total = first.end, first.log10
        while end in walks:
            end, total = walks[end].end, total + walks[end].log10
        if end != first.end:
            chains.append(Piece(first.start, end, "walk", total))
    return chains


def _digits_predictable(text: str, found: Sequence[Piece]) -> bool:
    covered = [False] * len(text)
    for piece in found:
        if piece.kind in NUMERIC_KINDS:
            covered[piece.start : piece.end] = [True] * piece.length
    return all(covered[i] for i, char in enumerate(text) if char.isdigit())


def _warning(french: Estimate, decorated: str | None) -> str:
    if decorated:
        return WARNINGS[decorated]
    kinds = [p.kind for p in sorted(french.pieces, key=lambda p: -p.length)]
    for kind in kinds:
        if kind in _WARNING_OF_KIND:
            return WARNINGS[_WARNING_OF_KIND[kind]]
    return WARNINGS["other"]


def assess(
    text: str,
    lists: Wordlists,
    personal_words: Mapping[str, int] | None = None,
    user_inputs: Sequence[str] = (),
) -> Strength:
    """Score `text` (already NFKC-normalised, at most the policy's maximum length)."""
    personal = personal_words or {}
    french = estimate(text, lists, personal)
    french_log10 = french.log10
    phrase = passphrase_log10(text, lists, personal)
    if phrase is not None:
        french_log10 = min(french_log10, phrase)
    decorated = None if phrase is not None else decoration(text, french.found)
    zx_log10 = zxcvbn_log10(text, user_inputs) if text else 0.0
    score = min(score_of(french_log10), score_of(zx_log10))
    if decorated:
        score = min(score, DECORATED_MAX_SCORE)
    warning = None
    if score < 4:
        limited_by_french = decorated is not None or score_of(french_log10) <= score_of(zx_log10)
        warning = _warning(french, decorated) if limited_by_french else WARNINGS["other"]
    return Strength(score, french_log10, zx_log10, decorated is not None, warning)
