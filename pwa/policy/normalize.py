"""Text normalisation shared by every check, and the character classes.

The character classes are data (Unicode general categories) so that the
browser script builds the very same classes from `to_json()`: one
definition, two evaluators.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Final, Literal

NORMALIZATION: Final[Literal["NFKC"]] = "NFKC"

# Each class: the general categories it includes ("Lu", or a major class "L"),
# or the ones it excludes. Keep these to categories: JS `\p{..}` knows them.
CHAR_CLASSES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "upper": {"categories": ("Lu", "Lt")},
    "lower": {"categories": ("Ll",)},
    "digit": {"categories": ("Nd",)},
    "special": {"not_categories": ("L", "N")},
}

# Light "leet" substitutions people use to dress up a word (p@ssw0rd).
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "€": "e"}
LEET_ALT = {"1": "l"}


def nfkc(text: str) -> str:
    return unicodedata.normalize(NORMALIZATION, text)


def _in_categories(category: str, names: tuple[str, ...]) -> bool:
    return any(category == name or category[0] == name for name in names)


def has_class(char: str, class_name: str) -> bool:
    spec = CHAR_CLASSES[class_name]
    category = unicodedata.category(char)
    if "categories" in spec:
        return _in_categories(category, spec["categories"])
    return not _in_categories(category, spec["not_categories"])


def classes_json() -> dict[str, dict[str, list[str]]]:
    return {name: {k: list(v) for k, v in spec.items()} for name, spec in CHAR_CLASSES.items()}


def fold_char(char: str) -> str:
    """One character in, one character out: lower case, accent removed.

    Keeping the length lets matches found in the folded text point back to
    the typed characters (for case and class). `œ`, `æ`, `ß` stay as they are;
    the word lists are folded with this same function.
    """
    lower = char.lower()
    if len(lower) != 1:
        lower = char
    return unicodedata.normalize("NFD", lower)[0]


def fold(text: str) -> str:
    return "".join(fold_char(c) for c in text)


def unleet(folded: str, alternative: bool = False) -> str:
    table = {**LEET, **LEET_ALT} if alternative else LEET
    return "".join(table.get(c, c) for c in folded)


def starts_word(text: str, k: int) -> bool:
    """Whether the case of text[k] says a new word starts there, inside a
    run of letters: `JeanDupont`, `JEANGirafe`."""
    if k == 0 or not text[k].isupper():
        return False
    before = text[k - 1]
    return before.islower() or (before.isupper() and k + 1 < len(text) and text[k + 1].islower())


def split_words(text: str) -> list[str]:
    """Runs of letters, cut where the case starts a new word."""
    words, current = [], ""
    for k, char in enumerate(text):
        if not char.isalpha() or starts_word(text, k):
            words.append(current)
            current = ""
        if char.isalpha():
            current += char
    return [w for w in [*words, current] if w]


def char_cardinality(char: str) -> int:
    """How many symbols a brute-force attacker tries for a character like this one."""
    if char.isascii():
        if char.isalpha():
            return 26
        if char.isdigit():
            return 10
        return 33
    category = unicodedata.category(char)
    if category[0] == "L":
        return 40
    if category == "Nd":
        return 10
    return 100
