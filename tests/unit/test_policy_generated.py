"""Password policy on seeded generated sets: what must pass passes, what must
fail fails, hundreds of times. The generators are reused by test_policy_js.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
from collections.abc import Callable

import pytest
from support.policy_samples import (
    SYMBOLS,
    _decorate,
    azerty_walk,
    french_words,
    personal_mix,
    random_classic,
    random_passphrase,
)

from pwa.policy import PersonalData, build_policy, personal_tokens

SAMPLES = 300
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


def word_year_symbol(rng: random.Random, common: list[str]) -> str:
    word = rng.choice(common)
    return _decorate(rng, word.capitalize() if rng.random() < 0.8 else word.upper())


def years(rng: random.Random) -> str:
    parts = [str(rng.randint(1900, 2099)) for _ in range(rng.randint(2, 3))]
    letters = rng.choice(["Az", "Ab", "Jb", "Ok", "Xy", "Ma"])
    separator = rng.choice(SYMBOLS)
    return rng.choice([letters + separator, separator + letters]) + separator.join(parts)


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
