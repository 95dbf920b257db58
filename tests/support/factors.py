"""Helpers of the factors tests, shared with other test modules."""

from __future__ import annotations

import pyotp

from support.web import get, submit


def enrol_totp(client, clock) -> tuple[str, list[str]]:
    page = get(client, "/compte/securite/otp")
    assert page.h1 == "Ajouter une application de codes"
    secret = page.soup.select_one("#totp-key").get_text(strip=True).replace(" ", "")
    codes_page = submit(client, page, "/compte/securite/otp", code=pyotp.TOTP(secret).at(clock.now))
    codes = [c.get_text(strip=True) for c in codes_page.soup.select("#recovery-codes code")]
    return secret, codes
