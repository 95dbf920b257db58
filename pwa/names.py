"""Identifiant and academic address generation (DESIGN §2). Pure functions.

Length (RFC 5321: a local part holds at most 64 characters, a whole address
254). A generated identifiant or local part is at most GENERATED_MAX (60)
characters, so a collision number of up to four digits still fits in 64.
Longer names are shortened deterministically, at word boundaries:
- the surname keeps its first words (particles included) while they fit;
- for the address, the first name is kept whole when the surname's first word
  still fits beside it, else only its first part (`marie-claire` → `marie`);
- a single word longer than the room left is cut at the limit.
The same names always give the same result."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Letters NFKD does not decompose into ASCII.
_LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ẞ": "SS",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "ı": "i",
        "’": "'",
        "ʼ": "'",
    }
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_NOT_NAME = re.compile(r"[^a-z0-9-]+")

LOCAL_PART_MAX = 64  # RFC 5321 §4.5.3.1.1
ADDRESS_MAX = 254  # RFC 5321 path limit, less the angle brackets
GENERATED_MAX = LOCAL_PART_MAX - 4  # room for a collision number up to 9999


def ascii_fold(text: str) -> str:
    """Lower case ASCII: é→e, ç→c, œ→oe, ß→ss; other non-ASCII characters dropped."""
    text = unicodedata.normalize("NFKC", text).translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii()).lower()


def joined_surname(last_name: str) -> str:
    """`de la Fontaine` → `delafontaine`, `N'Diaye-Martin` → `ndiayemartin`."""
    return _NOT_ALNUM.sub("", ascii_fold(last_name))


def surname_words(last_name: str) -> list[str]:
    """`de la Fontaine-Dubois` → `['de', 'la', 'fontaine', 'dubois']`."""
    return [w for w in _NOT_ALNUM.split(ascii_fold(last_name)) if w]


def shortened_surname(last_name: str, room: int) -> str:
    """The joined surname, or its first words that fit in `room` characters
    (at least one word, cut at `room` when that word alone is longer)."""
    kept = ""
    for word in surname_words(last_name):
        if len(kept) + len(word) > room:
            break
        kept += word
    return kept or joined_surname(last_name)[:room]


def first_name_part(first_name: str) -> str:
    """`Jean-Pierre` → `jean-pierre`, `Marie Claire` → `marie-claire`, `Zoë` → `zoe`."""
    folded = ascii_fold(first_name).strip()
    folded = re.sub(r"[\s_]+", "-", folded)
    folded = _NOT_NAME.sub("", folded)
    return re.sub(r"-{2,}", "-", folded).strip("-")


def base_identifiant(first_name: str, last_name: str) -> str:
    """`pnom`: first letter of the first name + the whole joined surname."""
    first = _NOT_ALNUM.sub("", ascii_fold(first_name))
    surname = shortened_surname(last_name, GENERATED_MAX - 1)
    if not first or not surname:
        raise ValueError("name has no letter usable in an identifiant")
    return first[0] + surname


def base_local_part(first_name: str, last_name: str) -> tuple[str, str]:
    """(first name part, surname part) of `prenom.nom`, together at most
    GENERATED_MAX characters with the dot (rule in the module's docstring)."""
    first, words = first_name_part(first_name), surname_words(last_name)
    if not first or not words:
        raise ValueError("name has no letter usable in an address")
    room = GENERATED_MAX - 1
    if len(first) + len(words[0]) > room:
        first = first.split("-")[0][: room // 2]
    return first, shortened_surname(last_name, room - len(first))


def fits_rfc5321(address: str) -> bool:
    """Local part at most 64 characters, whole address at most 254."""
    local, _, domain = address.rpartition("@")
    return bool(local) and bool(domain) and len(local) <= LOCAL_PART_MAX and len(address) <= ADDRESS_MAX


def with_suffix(base: str, taken: Callable[[str], bool]) -> str:
    """`base`, then `base1`, `base2`… : the first candidate not taken."""
    candidate, n = base, 0
    while taken(candidate):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def new_identifiant(first_name: str, last_name: str, taken: Callable[[str], bool]) -> str:
    return with_suffix(base_identifiant(first_name, last_name), taken)


def new_address(first_name: str, last_name: str, domain: str, taken: Callable[[str], bool]) -> str:
    """`prenom.nom@domain`; on collision the digit goes on the surname part."""
    first, surname = base_local_part(first_name, last_name)
    local = with_suffix(f"{first}.{surname}", lambda c: taken(f"{c}@{domain}"))
    return f"{local}@{domain}"


def match_key(text: str) -> str:
    """Accents, case, spaces and punctuation ignored (`N'Diaye` = `ndiaye`):
    how names are compared when a postal request is matched."""
    return _NOT_ALNUM.sub("", ascii_fold(text))


def first_name_forms(*first_names: str | None) -> set[str]:
    """Every way a person may write their first name, folded: each name
    (`Marie Claire Odile` → marie, claire, odile), names written together
    (marieclaire, claireodile, marieclaireodile), and each part of a compound
    name (`Jean-Pierre` → jeanpierre, jean, pierre)."""
    forms: set[str] = set()
    for given in first_names:
        names = [n for n in re.split(r"[\s,;]+", given or "") if match_key(n)]
        for start in range(len(names)):
            for end in range(start + 1, len(names) + 1):
                forms.add(match_key("".join(names[start:end])))
        for name in names:
            forms.update(match_key(p) for p in re.split(r"[-'’]", name) if len(match_key(p)) > 1)
    return forms
