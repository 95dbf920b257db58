"""Second factors over HTTP: OTP app, recovery codes, the sign-in second step,
the NUMEN reset asking for the factor, the 10-minute rule, notices, audit."""

from __future__ import annotations

import json

import pyotp
import pytest
from support.factors import enrol_totp
from support.journeys import GOOD, OTHER_GOOD, login, set_password_with_numen
from support.web import JEAN, Page, date_fields, get, submit


@pytest.fixture
def jean(client, people, clock):
    set_password_with_numen(client, JEAN, GOOD)
    client.cookies.clear()
    return login(client, "jdupont", GOOD)


def sign_in_again(client, password=GOOD) -> Page:
    client.cookies.clear()
    return login(client, "jdupont", password)


def test_enrol_totp_then_sign_in_in_two_steps(client, sesame, jean, clock):
    secret, codes = enrol_totp(client, clock)
    assert len(codes) == 10
    stored = sesame.store.one("select data from authenticators where type = 'totp'")["data"]
    assert secret not in stored and secret.lower() not in stored
    step2 = sign_in_again(client)
    assert step2.h1 == "Confirmez que c'est bien vous"
    assert get(client, "/compte").h1 != "Mon compte", "not signed in before the factor"
    clock.now += 30
    code = pyotp.TOTP(secret).at(clock.now)
    done = submit(client, step2, "/connexion/verification", methode="totp", code=code)
    assert done.h1 == "Mon compte"
    # The same code again is refused.
    again = sign_in_again(client)
    replay = submit(client, again, "/connexion/verification", methode="totp", code=code)
    assert replay.status == 422 and replay.field_error("code-totp").startswith("Ce code vient d'être utilisé")
    wrong = submit(client, again, "/connexion/verification", methode="totp", code="000000")
    assert wrong.field_error("code-totp").startswith("Ce code n'est pas le bon")


def test_recovery_code_works_once_and_is_announced(client, sesame, jean, clock):
    _, codes = enrol_totp(client, clock)
    step2 = sign_in_again(client)
    ok = submit(client, step2, "/connexion/verification", methode="recovery", code=codes[3].lower())
    assert ok.h1 == "Mon compte"
    again = submit(client, sign_in_again(client), "/connexion/verification", methode="recovery", code=codes[3])
    assert again.status == 422 and "déjà servi" in again.field_error("code-recovery")
    subjects = [r["subject"] for r in sesame.store.query("select subject from outbox")]
    assert "[Aix-Marseille] Un code de secours a été utilisé" in subjects
    assert "[Aix-Marseille] Une protection a été ajoutée à votre compte" in subjects
    events = [e["event"] for e in sesame.audit.for_account(sesame.directory.by_login("jdupont").id, 50)]
    assert {"factor.added", "recovery.generated", "recovery.used", "login.second_factor"} <= set(events)


def test_regenerating_codes_voids_the_old_ones(client, jean, clock):
    _, old = enrol_totp(client, clock)
    intro = get(client, "/compte/securite/codes")
    new_page = submit(client, intro, "/compte/securite/codes/nouveaux")
    new = [c.get_text(strip=True) for c in new_page.soup.select("#recovery-codes code")]
    assert len(new) == 10 and not set(new) & set(old)
    refused = submit(client, sign_in_again(client), "/connexion/verification", methode="recovery", code=old[0])
    assert refused.status == 422
    assert (
        submit(client, sign_in_again(client), "/connexion/verification", methode="recovery", code=new[0]).h1
        == "Mon compte"
    )


def test_totp_failures_count_in_the_daily_budget(client, sesame, jean, clock):
    enrol_totp(client, clock)
    account = sesame.directory.by_login("jdupont")
    for n in range(25):
        clock.now += 1
        assert sesame.factors.verify_totp(account, "000000", f"10.9.{n}.1") is False
    verdict = sesame.factors.verify_totp(account, "000000", "192.0.2.50")
    assert verdict is not False and verdict.reason == "paused"


def test_sensitive_changes_need_a_recent_sign_in(client, sesame, jean, clock):
    secret, _ = enrol_totp(client, clock)
    clock.now += 11 * 60
    page = get(client, "/compte/securite")
    remove = page.soup.select_one('form[action$="/supprimer"]')["action"]
    confirm = submit(client, page, remove)
    assert confirm.h1 == "Confirmez que c'est bien vous"
    assert sesame.authenticators.has_factor(sesame.directory.by_login("jdupont").id)
    assert get(client, "/compte/mot-de-passe").h1 == "Confirmez que c'est bien vous"
    # Signing in again (password + code) brings them back, and now it works.
    step2 = submit(client, confirm, confirm.soup.select_one("main form")["action"], login="jdupont", password=GOOD)
    clock.now += 30
    back = submit(client, step2, "/connexion/verification", methode="totp", code=pyotp.TOTP(secret).at(clock.now))
    assert back.h1 == "Sécurité du compte", "back where the confirmation was asked"
    page = back
    done = submit(client, page, page.soup.select_one('form[action$="/supprimer"]')["action"])
    assert "retirée" in done.text()
    assert not sesame.authenticators.has_factor(sesame.directory.by_login("jdupont").id)


def test_numen_reset_asks_for_the_factor(client, sesame, jean, clock):
    secret, codes = enrol_totp(client, clock)
    client.cookies.clear()
    page = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant="jdupont")
    factor = submit(client, page, "/mot-de-passe/verification", numen=JEAN.numen, **date_fields(JEAN.birth))
    assert factor.h1 == "Confirmez avec votre deuxième protection"
    assert get(client, "/mot-de-passe/nouveau").h1 == "Confirmez avec votre deuxième protection"
    wrong = submit(client, factor, "/mot-de-passe/facteur", methode="totp", code="123456")
    assert wrong.status == 422
    clock.now += 30
    choose = submit(client, factor, "/mot-de-passe/facteur", methode="totp", code=pyotp.TOTP(secret).at(clock.now))
    assert choose.h1 == "Choisissez votre mot de passe"
    done = submit(client, choose, "/mot-de-passe/nouveau", password=OTHER_GOOD, confirmation=OTHER_GOOD)
    assert "enregistré" in done.h1


def test_passkey_endpoints_refuse_bad_input(client, jean):
    token = get(client, "/compte/securite").soup.select_one("[data-passkey-register]")["data-csrf"]
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    assert client.post("/cle/options", content="{}", headers={"Content-Type": "application/json"}).status_code == 403
    assert client.post("/cle/options", content="[]", headers=headers).status_code == 400
    assert client.post("/cle/options", content="not json", headers=headers).status_code == 400
    no_challenge = client.post(
        "/cle/verifier", content=json.dumps({"purpose": "connexion", "credential": {"id": "abc"}}), headers=headers
    )
    assert no_challenge.status_code == 400 and "n'a pas pu être vérifiée" in no_challenge.json()["error"]
    options = client.post("/compte/securite/cle/options", content="{}", headers=headers)
    assert options.status_code == 200
    body = options.json()
    assert body["authenticatorSelection"]["residentKey"] == "required"
    assert body["authenticatorSelection"]["userVerification"] == "required"
    assert body.get("attestation", "none") == "none"
    garbage = client.post(
        "/compte/securite/cle", content=json.dumps({"credential": {"id": "x"}, "name": "Tel"}), headers=headers
    )
    assert garbage.status_code == 400
    # The challenge was single-use: a second try has none.
    retry = client.post("/compte/securite/cle", content=json.dumps({"credential": {"id": "x"}}), headers=headers)
    assert retry.status_code == 400


def test_rename_validates_the_name(client, sesame, jean):
    account = sesame.directory.by_login("jdupont")
    key = sesame.authenticators.add_passkey(
        account.id, name="Tel", credential_id="abc", public_key="x", sign_count=0, transports=[]
    )
    page = get(client, "/compte/securite")
    bad = submit(client, page, f"/compte/securite/cle/{key}/renommer", name="")
    assert bad.status == 422 and bad.errors
    ok = submit(client, page, f"/compte/securite/cle/{key}/renommer", name="Mon téléphone")
    assert "Mon téléphone" in [s.get_text() for s in ok.soup.select(".factor strong")]
