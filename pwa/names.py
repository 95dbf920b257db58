"""Identifiant and academic address generation (DESIGN §2). Pure functions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Letters NFKD does not decompose into ASCII.
_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS", "ø": "o", "Ø": "O",
     "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i", "’": "'", "ʼ": "'"}
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_NOT_NAME = re.compile(r"[^a-z0-9-]+")


def ascii_fold(text: str) -> str:
    """Lower case ASCII: é→e, ç→c, œ→oe, ß→ss; other non-ASCII characters dropped."""
    text = unicodedata.normalize("NFKC", text).translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii()).lower()


def joined_surname(last_name: str) -> str:
    """`de la Fontaine` → `delafontaine`, `N'Diaye-Martin` → `ndiayemartin`."""
    return _NOT_ALNUM.sub("", ascii_fold(last_name))


def first_name_part(first_name: str) -> str:
    """`Jean-Pierre` → `jean-pierre`, `Marie Claire` → `marie-claire`, `Zoë` → `zoe`."""
    folded = ascii_fold(first_name).strip()
    folded = re.sub(r"[\s_]+", "-", folded)
    folded = _NOT_NAME.sub("", folded)
    return re.sub(r"-{2,}", "-", folded).strip("-")


def base_identifiant(first_name: str, last_name: str) -> str:
    """`pnom`: first letter of the first name + the whole joined surname."""
    first = _NOT_ALNUM.sub("", ascii_fold(first_name))
    surname = joined_surname(last_name)
    if not first or not surname:
        raise ValueError("name has no letter usable in an identifiant")
    return first[0] + surname


def base_local_part(first_name: str, last_name: str) -> tuple[str, str]:
    first, surname = first_name_part(first_name), joined_surname(last_name)
    if not first or not surname:
        raise ValueError("name has no letter usable in an address")
    return first, surname


def with_suffix(base: str, taken: Callable[[str], bool]) -> str:
    """`base`, then `base1`, `base2`… : the first candidate not taken."""
    candidate, n = base, 0
    while taken(candidate):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def new_identifiant(first_name: str, last_name: str, taken: Callable[[str], bool]) -> str:
    return with_suffix(base_identifiant(first_name, last_name), taken)


def new_address(
    first_name: str, last_name: str, domain: str, taken: Callable[[str], bool]
) -> str:
    """`prenom.nom@domain`; on collision the digit goes on the surname part."""
    first, surname = base_local_part(first_name, last_name)
    local = with_suffix(f"{first}.{surname}", lambda c: taken(f"{c}@{domain}"))
    return f"{local}@{domain}"
