"""Seeded password generators (French words, AZERTY walks, personal data mixes), shared by the
policy tests in Python (tests/unit/test_policy_generated.py) and in the browser's script
(tests/http/test_policy_js.py)."""

from __future__ import annotations

import random
import string

from pwa.policy.wordlists import load_wordlists

SPECIALS = string.punctuation + " "


ACCENTED = "éèàçùâêîôûëïÉÈÀÇ"


SYMBOLS = "!?.*#@$&-_"


SEPARATORS = (" ", " ", "-", ".")


def french_words() -> list[str]:
    """The shipped French list, 3+ letters, without Jean Dupont's names."""
    return [w for w in load_wordlists().french if len(w) >= 3 and "jean" not in w and "dupont" not in w]


def random_classic(rng: random.Random, length: int = 12) -> str:
    """`length` random characters with at least one of each class."""
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, SPECIALS]
    pool = "".join(classes) + ACCENTED
    chars = [rng.choice(c) for c in classes] + [rng.choice(pool) for _ in range(length - 4)]
    rng.shuffle(chars)
    return "".join(chars)


def random_passphrase(rng: random.Random, words: list[str]) -> str:
    """4 to 6 random words, one separator, at least 15 characters."""
    while True:
        phrase = rng.choice(SEPARATORS).join(rng.sample(words, rng.randint(4, 6)))
        if len(phrase) >= 15:
            return phrase


def _decorate(rng: random.Random, base: str) -> str:
    year = str(rng.randint(1940, 2030)) if rng.random() < 0.7 else f"{rng.randint(0, 99):02d}"
    symbol = "".join(rng.choice(SYMBOLS) for _ in range(rng.randint(1, 2)))
    forms = [base + year + symbol, base + symbol + year, symbol + base + year, year + base + symbol]
    return rng.choice(forms)


AZERTY_WALKS = [
    "azertyuiop", "qsdfghjklm", "wxcvbn", "&é\"'(-è_çà)=", "1234567890",  # rows
    "azsxdcfvgb", "qwsxdcfvgb",  # zigzags between two rows
]  # fmt: skip


AZERTY_PATTERNS = [
    "&azq", "éazs", "\"zsx", "'edc", "(rfv", "-tgb", "èyhn",  # columns
    "wsxedc", "aqwzsx", "azeqsd", "edcrfv", "&é\"azeqsd",  # several columns or rows
]  # fmt: skip


def azerty_walk(rng: random.Random) -> str:
    """A slice of 4+ keys of a row or zigzag, or a whole column pattern,
    decorated with a year or two digits and symbols."""
    if rng.random() < 0.6:
        line = rng.choice(AZERTY_WALKS)
        size = rng.randint(4, len(line))
        start = rng.randint(0, len(line) - size)
        walk = line[start : start + size]
    else:
        walk = rng.choice(AZERTY_PATTERNS)
    walk = walk[::-1] if rng.random() < 0.3 else walk
    return _decorate(rng, walk[0].upper() + walk[1:] if rng.random() < 0.7 else walk)


def personal_mix(rng: random.Random) -> str:
    name = rng.choice(["Jean", "Dupont", "jdupont", "JEAN", "DUPONT", "Jdupont", "tnopud", "Dup0nt", "J3an"])
    date = rng.choice(["14071985", "140785", "14/07/1985", "14-07-85", "1985-07-14", "14.07.1985", "1407"])
    filler = rng.choice(["Girafe orange", "Xq9!vb", "Tortue-Violette", "Kw#8"])
    symbol = rng.choice(SYMBOLS)
    forms = [
        name + date + symbol,
        filler + name + symbol + "7",
        filler + " " + date + symbol,
        name + filler + "2024" + symbol,
        date + symbol + filler,
        filler + " " + name.lower() + " " + filler,
    ]
    return rng.choice(forms)
