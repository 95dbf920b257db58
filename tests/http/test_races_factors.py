"""Second factors and one-time codes used twice at once (two requests, two sign-in
attempts, two agents): each one decides on what it reads, so the second must read
after the first has written. Every test makes two threads meet between the read and
the write; it runs on SQLite and on PostgreSQL (where two transactions do run at once)."""

from __future__ import annotations

import json
import threading

import pyotp
import pytest
from starlette.testclient import TestClient
from support.journeys import GOOD, login, set_password_with_numen
from support.races import MEET_SECONDS, at_once, meet_before
from support.softauthn import SoftAuthenticator
from support.web import JEAN, get

from pwa.mfa import totp
from pwa.mfa.passkeys import PasskeyError, RelyingParty
from pwa.mfa.store import Authenticators
from pwa.services.codes import Check, Codes

ORIGIN = "https://testserver"
RP = RelyingParty(id="testserver", name="Sésame", origin=ORIGIN)
CLIENT = "10.0.0.1"


@pytest.fixture
def account(sesame, people):
    return sesame.directory.by_login("jdupont")


# -- recovery codes and the OTP app ---------------------------------------------------------
def test_a_recovery_code_tried_twice_at_once_is_accepted_once(sesame, account, monkeypatch):
    codes = sesame.authenticators.new_recovery_codes(account.id)
    meet_before(monkeypatch, Authenticators, "_update")
    results = at_once(*[lambda: sesame.factors.use_recovery_code(account, codes[0], CLIENT)] * 2)
    assert sorted(results) == [False, True]
    assert sesame.authenticators.for_account(account.id, "recovery_codes")[0].remaining_codes == len(codes) - 1


def test_two_recovery_codes_used_at_once_both_stay_used(sesame, account, monkeypatch):
    codes = sesame.authenticators.new_recovery_codes(account.id)
    meet_before(monkeypatch, Authenticators, "_update")
    first, second = codes[0], codes[1]
    results = at_once(
        lambda: sesame.factors.use_recovery_code(account, first, CLIENT),
        lambda: sesame.factors.use_recovery_code(account, second, CLIENT),
    )
    assert results == [True, True]
    monkeypatch.undo()
    assert sesame.factors.use_recovery_code(account, first, CLIENT) is False
    assert sesame.factors.use_recovery_code(account, second, CLIENT) is False


def test_an_otp_code_typed_twice_at_once_is_accepted_once(sesame, account, clock, monkeypatch):
    secret = totp.new_secret()
    sesame.authenticators.add_totp(account.id, secret, int(clock.now // 30) - 5)
    code = pyotp.TOTP(secret).at(clock.now)
    meet_before(monkeypatch, Authenticators, "totp_used")
    results = at_once(*[lambda: sesame.factors.verify_totp(account, code, CLIENT)] * 2)
    assert results.count(True) == 1 and results.count("used") == 1, results


def test_two_otp_apps_added_at_once_leave_one(sesame, account, clock, monkeypatch):
    secrets = [totp.new_secret(), totp.new_secret()]
    step = int(clock.now // 30)
    meet_before(monkeypatch, Authenticators, "_insert")
    results = at_once(*[lambda s=s: sesame.authenticators.add_totp(account.id, s, step) for s in secrets])
    assert all(isinstance(r, int) for r in results), results
    kept = sesame.authenticators.for_account(account.id, "totp")
    assert [k.id for k in kept] == [max(results)]


def test_recovery_codes_made_twice_at_once_leave_one_set(sesame, account, monkeypatch):
    meet_before(monkeypatch, Authenticators, "_insert")
    sets = at_once(*[lambda: sesame.authenticators.new_recovery_codes(account.id)] * 2)
    monkeypatch.undo()
    assert len(sesame.authenticators.for_account(account.id, "recovery_codes")) == 1
    worked = [sesame.authenticators.use_recovery_code(account.id, s[0]) for s in sets]
    assert sorted(worked) == [False, True]


def test_the_last_two_factors_removed_at_once_take_the_recovery_codes_along(sesame, account, clock, monkeypatch):
    otp_id = sesame.authenticators.add_totp(account.id, totp.new_secret(), int(clock.now // 30))
    key_id = sesame.authenticators.add_passkey(
        account.id, name="Téléphone", credential_id="AAAA", public_key="AAAA", sign_count=0, transports=[]
    )
    sesame.authenticators.new_recovery_codes(account.id)
    meet_before(monkeypatch, Authenticators, "has_factor")
    results = at_once(
        lambda: sesame.authenticators.remove(account.id, otp_id),
        lambda: sesame.authenticators.remove(account.id, key_id),
    )
    assert results == [True, True]
    assert sesame.authenticators.for_account(account.id) == []


# -- one-time codes -------------------------------------------------------------------------
def test_a_mailed_code_typed_twice_at_once_works_once(sesame, account, monkeypatch):
    code = sesame.codes.issue(account.id, "backup_verify")
    meet_before(monkeypatch, type(sesame.keys), "verify_bound")
    results = at_once(*[lambda: sesame.codes.check(account.id, "backup_verify", code)] * 2)
    assert sorted(r.value for r in results) == [Check.OK.value, Check.VOID.value]


def test_two_wrong_codes_typed_at_once_count_two_attempts(sesame, account, monkeypatch):
    sesame.codes.issue(account.id, "backup_reset")
    meet_before(monkeypatch, type(sesame.keys), "verify_bound")
    results = at_once(*[lambda: sesame.codes.check(account.id, "backup_reset", "AAAAAA")] * 2)
    assert results == [Check.WRONG, Check.WRONG]
    assert sesame.codes.latest(account.id, "backup_reset")["attempts"] == 2


def test_two_letters_issued_at_once_leave_one_live_code(sesame, account, monkeypatch):
    meet_before(monkeypatch, Codes, "_digest")
    codes = at_once(*[lambda: sesame.codes.issue(account.id, "letter")] * 2)
    monkeypatch.undo()
    assert all(isinstance(c, str) for c in codes), codes
    assert len(sesame.codes.live_letters([account.id])) == 1
    checks = [sesame.codes.check(account.id, "letter", c, consume=False) for c in codes]
    assert sorted(c.value for c in checks) == [Check.OK.value, Check.WRONG.value]


# -- passkeys -------------------------------------------------------------------------------
def signed_in(client) -> str:
    login(client, "jdupont", GOOD)
    return get(client, "/compte/securite").soup.select_one("[data-csrf]")["data-csrf"]


def post(client, url: str, body: dict, token: str):
    headers = {"Content-Type": "application/json", "X-CSRF-Token": token, "Origin": ORIGIN}
    return client.post(url, content=json.dumps(body), headers=headers)


def test_one_passkey_added_twice_at_once_is_refused_in_french_not_a_500(app, client, sesame, people, monkeypatch):
    set_password_with_numen(client, JEAN, GOOD)
    other = TestClient(app, base_url=ORIGIN, raise_server_exceptions=False)
    authenticator = SoftAuthenticator("testserver", ORIGIN)
    sent = []
    for browser in (client, other):
        browser.cookies.clear()
        token = signed_in(browser)
        options = post(browser, "/compte/securite/cle/options", {}, token).json()
        sent.append((browser, token, {"credential": authenticator.create(options), "name": "Téléphone"}))
    meet_before(monkeypatch, Authenticators, "by_credential_id")
    responses = at_once(*[lambda b=b, t=t, body=body: post(b, "/compte/securite/cle", body, t) for b, t, body in sent])
    assert sorted(r.status_code for r in responses) == [200, 400], [r.text[:200] for r in responses]
    refused = next(r for r in responses if r.status_code == 400)
    assert refused.json() == {"error": "La clé d'accès n'a pas pu être enregistrée. Réessayez."}
    assert len(sesame.authenticators.for_account(sesame.directory.by_login("jdupont").id, "passkey")) == 1


def test_a_passkey_counter_never_goes_down_when_two_sign_ins_run_at_once(sesame, account, monkeypatch):
    _, session = sesame.sessions.create(account_id=account.id, level="full")
    authenticator = SoftAuthenticator("testserver", ORIGIN)
    created = authenticator.create(json.loads(sesame.factors.registration_options(session, account, RP)))
    sesame.factors.register(session, account, RP, json.dumps(created), "Téléphone", CLIENT)
    tries = []
    for counter in (5, 3):  # the newer assertion (5) and an older one (3) of the same key
        _, session = sesame.sessions.create(account_id=account.id, level="password")
        options = json.loads(sesame.factors.assertion_options(session, RP, "verification", account))
        tries.append((session, json.dumps(authenticator.get(options, counter=counter))))
    # Both read the counter, then the newer one writes first and the older one after it.
    barrier, newer_written = threading.Barrier(2), threading.Event()
    original = Authenticators.passkey_used

    def used(self, found, sign_count):
        try:
            barrier.wait(timeout=MEET_SECONDS)
        except threading.BrokenBarrierError:
            pass
        if sign_count == 3:
            newer_written.wait(timeout=1.0)
        original(self, found, sign_count)
        newer_written.set()

    monkeypatch.setattr(Authenticators, "passkey_used", used)
    results = at_once(
        *[lambda s=s, c=c: sesame.factors.verify_assertion(s, RP, "verification", c, account=account) for s, c in tries]
    )
    assert results[0].id == account.id, results
    assert isinstance(results[1], PasskeyError) or results[1].id == account.id  # refused, or read first
    [key] = sesame.authenticators.for_account(account.id, "passkey")
    assert key.data["sign_count"] == 5


def test_one_passkey_added_to_two_accounts_at_once_is_refused_once(sesame, people, monkeypatch):
    """Two accounts do not wait for each other: the unique index decides, told as a PasskeyError."""
    authenticator, tries = SoftAuthenticator("testserver", ORIGIN), []
    for login_name in ("jdupont", "jdupont1"):
        owner = sesame.directory.by_login(login_name)
        _, session = sesame.sessions.create(account_id=owner.id, level="full")
        options = json.loads(sesame.factors.registration_options(session, owner, RP))
        tries.append((session, owner, json.dumps(authenticator.create(options))))
    meet_before(monkeypatch, Authenticators, "by_credential_id")
    results = at_once(
        *[lambda s=s, o=o, c=c: sesame.factors.register(s, o, RP, c, "Téléphone", CLIENT) for s, o, c in tries]
    )
    assert sorted(type(r).__name__ for r in results) == ["Authenticator", "PasskeyError"], results


def test_a_passkey_challenge_serves_one_of_two_requests_of_the_same_session(sesame, account):
    """Two requests of one browser each load the session; the challenge goes to one only."""
    raw, session = sesame.sessions.create(account_id=account.id, level="password")
    sesame.factors.assertion_options(session, RP, "verification", account)
    first, second = sesame.sessions.load(raw), sesame.sessions.load(raw)
    assert first is not None and second is not None and "webauthn" in second.data
    assert sesame.factors.take_challenge(first, "verification") is not None
    assert sesame.factors.take_challenge(second, "verification") is None
