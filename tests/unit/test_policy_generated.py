"""Password policy on seeded generated sets: what must pass passes, what must
fail fails, hundreds of times. The generators are reused by test_policy_js.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import string
from collections.abc import Callable

import pytest

from pwa.policy import PersonalData, build_policy, personal_tokens
from pwa.policy.wordlists import load_wordlists

SAMPLES = 300
SPECIALS = string.punctuation + " "
ACCENTED = "éèàçùâêîôûëïÉÈÀÇ"
SYMBOLS = "!?.*#@$&-_"
SEPARATORS = (" ", " ", "-", ".")
KEY = b"generated-set key"


def digest(token: str) -> str:
    return hmac.new(KEY, token.encode(), hashlib.sha256).hexdigest()


JEAN = PersonalData(
    identifiant="jdupont",
    first_name="Jean",
    last_name="Dupont",
    digest=digest,
    secret_digests=frozenset(map(digest, personal_tokens(dt.date(1985, 7, 14), "13E24TEST0001"))),
)


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


def word_year_symbol(rng: random.Random, common: list[str]) -> str:
    word = rng.choice(common)
    return _decorate(rng, word.capitalize() if rng.random() < 0.8 else word.upper())


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


def years(rng: random.Random) -> str:
    parts = [str(rng.randint(1900, 2099)) for _ in range(rng.randint(2, 3))]
    letters = rng.choice(["Az", "Ab", "Jb", "Ok", "Xy", "Ma"])
    separator = rng.choice(SYMBOLS)
    return rng.choice([letters + separator, separator + letters]) + separator.join(parts)


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


def generated(seed: int, make: Callable[[random.Random], str], count: int = SAMPLES) -> list[str]:
    rng = random.Random(seed)
    return [make(rng) for _ in range(count)]


@pytest.fixture(scope="module")
def policy():
    return build_policy()


def _failures(policy, passwords: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    results = ((p, policy.check(p, personal=JEAN)) for p in passwords)
    return [(p, r.failed) for p, r in results if not r.ok]


def test_random_classic_passwords_are_accepted(policy):
    assert _failures(policy, generated(1, random_classic)) == []


def test_random_french_passphrases_are_accepted(policy):
    words = french_words()
    assert _failures(policy, generated(2, lambda rng: random_passphrase(rng, words))) == []


def test_passphrases_of_frequent_words_are_accepted(policy):
    words = french_words()[:3000]
    assert _failures(policy, generated(3, lambda rng: random_passphrase(rng, words))) == []


@pytest.mark.parametrize(
    ("seed", "maker", "failing"),
    [
        (4, "word_year_symbol", "strength"),
        (5, "azerty_walk", "strength"),
        (6, "years", "strength"),
        (7, "personal_mix", "personal"),
    ],
)
def test_predictable_passwords_are_refused(policy, seed, maker, failing):
    common = [w for w in french_words() if len(w) >= 4][:3000]
    makers: dict[str, Callable[[random.Random], str]] = {
        "word_year_symbol": lambda rng: word_year_symbol(rng, common),
        "azerty_walk": azerty_walk,
        "years": years,
        "personal_mix": personal_mix,
    }
    passwords = generated(seed, makers[maker])
    accepted = [p for p in passwords if policy.check(p, personal=JEAN).ok]
    assert accepted == []
    not_flagged = [p for p in passwords if failing not in policy.check(p, personal=JEAN).failed]
    assert not_flagged == []


def test_generated_refusals_are_not_only_composition(policy):
    """Most generated weak passwords pass the composition rule: the server
    criteria are what refuse them."""
    common = [w for w in french_words() if len(w) >= 7][:3000]
    passwords = generated(8, lambda rng: word_year_symbol(rng, common), 100)
    composed = [p for p in passwords if policy.check_pattern(p).item("composition").met]
    assert len(composed) > 50
    assert all("strength" in policy.check(p).failed for p in composed)
