"""The namesake hint: when an identifiant-first or address-first check fails, say
that a namesake's identifiant or address carries a digit (jdupont1,
jean.dupont1@…), and offer the NUMEN route.

Decided only from what was typed, never from whether any account exists, so the
answer for an unknown identifiant and for a wrong NUMEN stay the same."""

from __future__ import annotations

import re

_TRAILING_DIGITS = re.compile(r"^(.*?)(\d*)$")


def next_namesake(typed: str) -> str:
    """What a namesake's identifiant or address would look like: the next digit on
    the identifiant or on the address's local part (jdupont → jdupont1,
    jdupont1 → jdupont2, jean.dupont@d → jean.dupont1@d)."""
    typed = typed.strip().lower()
    local, at, domain = typed.partition("@")
    found = _TRAILING_DIGITS.match(local)
    assert found is not None  # the pattern matches any one-line text
    base, digits = found.groups()
    return f"{base}{int(digits or 0) + 1}{at}{domain}"


def namesake_sentence(typed: str) -> str:
    where = (
        "votre adresse porte peut-être un chiffre avant le @"
        if "@" in typed
        else ("votre identifiant se termine peut-être par un chiffre")
    )
    return f"Si une autre personne porte le même nom que vous, {where}, par exemple {next_namesake(typed)}."
