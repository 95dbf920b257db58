"""RFC 6238 with frozen time: window edges, replay, the failure budget."""

from __future__ import annotations

import pyotp
import pytest

from pwa.mfa import recovery, totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = 1_800_000_000.0  # a step boundary: 1_800_000_000 / 30 is whole


def code_at(when: float) -> str:
    return pyotp.TOTP(SECRET).at(when)


@pytest.mark.parametrize(
    "offset, accepted", [(-60, False), (-30, True), (0, True), (29, True), (30, True), (60, False)]
)
def test_window_is_one_step_each_side(offset, accepted):
    step = totp.matching_step(SECRET, code_at(T0 + offset), now=T0, last_step=None)
    assert (step is not None) is accepted
    if accepted:
        assert step == int((T0 + offset) // 30)


def test_a_step_once_accepted_is_refused_again():
    first = totp.matching_step(SECRET, code_at(T0), now=T0, last_step=None)
    assert totp.matching_step(SECRET, code_at(T0), now=T0 + 5, last_step=first) is None
    # ...and an older code still inside the window is refused too.
    assert totp.matching_step(SECRET, code_at(T0 - 30), now=T0 + 5, last_step=first) is None
    assert totp.matching_step(SECRET, code_at(T0 + 30), now=T0 + 31, last_step=first) == first + 1


def test_a_replay_is_told_apart_from_a_wrong_code():
    first = totp.matching_step(SECRET, code_at(T0), now=T0, last_step=None)
    assert totp.was_just_used(SECRET, code_at(T0), now=T0 + 5, last_step=first)
    assert not totp.was_just_used(
        SECRET, "000000" if code_at(T0) != "000000" else "111111", now=T0 + 5, last_step=first
    )
    assert not totp.was_just_used(SECRET, code_at(T0), now=T0, last_step=None)


def test_codes_are_typed_loosely_but_must_be_six_digits():
    code = code_at(T0)
    assert totp.matching_step(SECRET, f"{code[:3]} {code[3:]}", now=T0, last_step=None)
    assert totp.matching_step(SECRET, code[:5], now=T0, last_step=None) is None
    assert totp.matching_step(SECRET, "abcdef", now=T0, last_step=None) is None


def test_secret_and_uri_are_what_apps_read():
    secret = totp.new_secret()
    assert len(secret) == 32 and pyotp.TOTP(secret).now()
    uri = totp.provisioning_uri(secret, account="jean.dupont@ac-test.fr", issuer="Sésame Test")
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == secret and parsed.digits == 6 and parsed.interval == 30
    assert totp.grouped("ABCDEFGH") == "ABCD EFGH"


def test_recovery_codes_alphabet_and_normalisation():
    codes = recovery.new_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert set(code.replace("-", "")) <= set(recovery.ALPHABET)
        assert not set(code) & set("IO01")
    assert recovery.normalise(" abcde-fgh23 ") == "ABCDEFGH23"
