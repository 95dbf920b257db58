"""Personal data a password must not contain (DESIGN §4, §5).

Names and identifiant are not secret: compared in clear, ignoring case and
accents, also reversed and in light leet. The birth date and the NUMEN are
never kept in clear: at import time the caller stores `digest(token)` for
each of `personal_tokens(...)`; at check time every date-like piece and every
NUMEN-shaped 13-character window of the password is normalised the same way,
digested and compared, in constant time, with those stored digests.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pwa.policy.dates import find_dates
from pwa.policy.normalize import fold, nfkc, starts_word, unleet

MIN_NAME = 3
SHORT_NAME = 5
NUMEN_LENGTH = 13
_NUMEN = re.compile(r"[0-9]{2}[A-Z][0-9]{2}[0-9A-Z]{8}")
_NUMEN_NOISE = re.compile(r"[\s\-]+")
_LETTERS = re.compile(r"[^\W\d_]+")
_SEPARATORS = re.compile(r"[\s\-_.'’]+")
# Surname particles: too common to refuse on their own (`de la Fontaine`).
PARTICLES = frozenset("d l de du des la le les van von der den del della di da do dos das ben bin el al y".split())

NAMES_MESSAGE = "Il contient votre nom, votre prénom ou votre identifiant."
SECRETS_MESSAGE = "Il contient votre date de naissance (ou une partie) ou votre NUMEN."


@dataclass(frozen=True)
class PersonalData:
    identifiant: str
    first_name: str
    last_name: str
    digest: Callable[[str], str]
    secret_digests: frozenset[str]

    def name_words(self) -> frozenset[str]:
        """Folded names and identifiant a password must not contain."""
        words: set[str] = set()
        for name in (self.first_name, self.last_name):
            parts = _LETTERS.findall(fold(nfkc(name)))
            words.update(p for p in parts if p not in PARTICLES)
            words.add("".join(parts))
        identifiant = fold(nfkc(self.identifiant))
        words |= {identifiant, identifiant.rstrip("0123456789")}
        return frozenset(w for w in words if len(w) >= MIN_NAME)

    def user_inputs(self) -> list[str]:
        """What zxcvbn is told about the person (nothing secret)."""
        return sorted(self.name_words())


def normalise_numen(numen: str) -> str:
    return _NUMEN_NOISE.sub("", nfkc(numen)).upper()


def personal_tokens(birth_date: dt.date, numen: str) -> set[str]:
    """The normalised tokens of a person's secret data; store only their digests."""
    tokens = {
        f"date:{birth_date.isoformat()}",
        f"ddmm:{birth_date.day:02d}{birth_date.month:02d}",
        f"year:{birth_date.year}",
    }
    normalised = normalise_numen(numen)
    if normalised:
        tokens.add(f"numen:{normalised}")
    return tokens


def candidate_tokens(password: str) -> set[str]:
    """Tokens in the same normal form, for every date-like piece and every
    NUMEN-shaped window of the password."""
    text = nfkc(password)
    tokens: set[str] = set()
    for span in find_dates(fold(text)):
        tokens |= span.tokens()
    for form in {text.upper(), normalise_numen(text)}:
        for start in range(len(form) - NUMEN_LENGTH + 1):
            window = form[start : start + NUMEN_LENGTH]
            if _NUMEN.fullmatch(window):
                tokens.add(f"numen:{window}")
    return tokens


def contains_names(password: str, words: Iterable[str]) -> bool:
    """Names of SHORT_NAME letters or more are looked for anywhere (also
    reversed, and across separators: `du-pont`); shorter ones only as a word
    of their own, so that `Tom` refuses `Tom2024` but not `tomate`."""
    text = nfkc(password)
    folded = fold(text)
    forms = {folded, unleet(folded), unleet(folded, alternative=True)}
    anywhere = forms | {_SEPARATORS.sub("", f) for f in forms}
    tokens = {t for alternative in (False, True) for t in _tokens(text, folded, alternative)}
    for word in words:
        if len(word) < SHORT_NAME:
            if word in tokens:
                return True
        elif any(word in f or word[::-1] in f for f in anywhere):
            return True
    return False


def _tokens(text: str, folded: str, alternative: bool) -> list[str]:
    """The words of the password, as split_words() cuts them, where a leet
    digit or symbol between two letters counts as a letter (`J3an`)."""
    leet = unleet(folded, alternative)
    n = len(text)
    tokens, current = [], ""
    for k in range(n):
        inner = 0 < k < n - 1 and folded[k - 1].isalpha() and folded[k + 1].isalpha()
        char = leet[k] if inner else folded[k]
        if not char.isalpha() or starts_word(text, k):
            tokens.append(current)
            current = ""
        if char.isalpha():
            current += char
    return [*tokens, current]


def contains_secrets(password: str, personal: PersonalData) -> bool:
    if not personal.secret_digests:
        return False
    found = False
    for token in sorted(candidate_tokens(password)):
        digest = personal.digest(token)
        for secret in personal.secret_digests:
            found |= hmac.compare_digest(digest, secret)
    return found


def check_personal(password: str, personal: PersonalData | None) -> str | None:
    """None when the password contains none of the person's data, else the
    French message to show."""
    if personal is None:
        return None
    messages = []
    if contains_names(password, personal.name_words()):
        messages.append(NAMES_MESSAGE)
    if contains_secrets(password, personal):
        messages.append(SECRETS_MESSAGE)
    return " ".join(messages) or None
