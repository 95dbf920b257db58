"""Recovery codes: 10 single-use codes, shown once, stored as keyed hashes."""

from __future__ import annotations

import secrets

from pwa.security.keys import Keys

# 32 unambiguous symbols (no I, O, 0, 1), as every one-time code in Sésame.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
COUNT = 10
LENGTH = 10


def new_codes() -> list[str]:
    """Five symbols, a hyphen, five symbols (`ABCDE-FGH23`): 50 bits each."""
    codes = []
    for _ in range(COUNT):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalise(code: str) -> str:
    """Case-insensitive; spaces and hyphens ignored."""
    return "".join(c for c in code.upper() if c.isalnum())


def digest(keys: Keys, account_id: int, code: str) -> str:
    return keys.bound("codes", account_id, "recovery", normalise(code))
