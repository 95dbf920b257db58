"""RFC 6238 for OTP apps: SHA-1, 6 digits, 30 s, ±1 step, and a step once
accepted is never accepted again (the caller stores the last step)."""

from __future__ import annotations

import hmac
import re
from urllib.parse import quote

import pyotp

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1


def new_secret() -> str:
    """160 random bits, base32 (what every OTP app reads)."""
    return pyotp.random_base32(32)


def grouped(secret: str) -> str:
    """`ABCD EFGH …`: easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def clean_code(raw: str) -> str:
    return re.sub(r"[\s\-.]", "", raw)


def matching_step(secret: str, code: str, *, now: float, last_step: int | None) -> int | None:
    """The time step the code belongs to, or None. Steps at or before
    `last_step` are refused: a code cannot be replayed, even within its window."""
    code = clean_code(code)
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(now // STEP_SECONDS)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        # Compare all candidates (no early exit) so timing says nothing.
        if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
            found = step
    if found is None or (last_step is not None and found <= last_step):
        return None
    return found


def was_just_used(secret: str, code: str, *, now: float, last_step: int | None) -> bool:
    """The code is right but its step was already accepted: a replay, or a
    person typing the same code twice. Lets the page say "wait for the next"."""
    if last_step is None:
        return False
    return matching_step(secret, code, now=now, last_step=None) is not None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    return (
        f"otpauth://totp/{quote(issuer)}:{quote(account)}?secret={secret}"
        f"&issuer={quote(issuer)}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
