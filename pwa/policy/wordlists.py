"""The word lists shipped in data/ (see data/README.md), loaded once per process.

They are immutable, so one cached copy is shared by every Policy object.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pwa.policy.normalize import fold, nfkc, unleet

DATA = Path(__file__).parent / "data"

# Below this length a list entry is only compared with the whole password.
MIN_CORE_LENGTH = 4
# The strength matcher stops extending a substring once its first characters
# start no entry: that keeps a 128-character check in a millisecond or two.
PREFIX_LENGTH = 5
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SEPARATORS = re.compile(r"[\s\-_.,'+]+")


@dataclass(frozen=True, eq=False)  # compared by identity: one cached instance
class Wordlists:
    french: dict[str, int]  # folded word -> rank (1 = most frequent)
    common: dict[str, int]  # folded common password -> rank
    ranked: dict[str, int]  # both, best rank: what the strength matcher looks up
    prefixes: frozenset[str]  # every 2..PREFIX_LENGTH-character start of a ranked entry
    max_length: int

    @property
    def french_size(self) -> int:
        return len(self.french)

    def is_common(self, password: str) -> bool:
        """In the common/breached list, once dressed-up forms are undone:
        case, accents, leading/trailing digits and symbols (`Motdepasse2024!`),
        separators (`mot de passe`) and light leet (`P@ssw0rd`)."""
        folded = fold(nfkc(password))
        if folded in self.common or _SEPARATORS.sub("", folded) in self.common:
            return True
        core = _EDGES.sub("", folded)
        candidates = {core, unleet(core), unleet(core, alternative=True)}
        candidates |= {_SEPARATORS.sub("", c) for c in candidates}
        return any(len(c) >= MIN_CORE_LENGTH and c in self.common for c in candidates)


def _read(name: str) -> list[str]:
    with gzip.open(DATA / name, "rt", encoding="utf-8") as lines:
        return [line.rstrip("\n") for line in lines if line.strip()]


def _ranks(words: list[str]) -> dict[str, int]:
    ranks: dict[str, int] = {}
    for rank, word in enumerate(words, start=1):
        ranks.setdefault(word, rank)
    return ranks


@cache
def load_wordlists() -> Wordlists:
    french = _ranks(_read("fr_words.txt.gz"))
    common = _ranks(_read("common_passwords.txt.gz"))
    ranked = dict(french)
    for word, rank in common.items():
        if rank < ranked.get(word, rank + 1):
            ranked[word] = rank
    return Wordlists(
        french=french,
        common=common,
        ranked=ranked,
        prefixes=frozenset(word[:size] for size in range(2, PREFIX_LENGTH + 1) for word in ranked if len(word) >= size),
        max_length=min(32, max(map(len, ranked))),
    )
