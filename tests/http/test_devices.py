"""A lockout strangers cannot use against the owner (issue 12, item 4), through the
real app over HTTP: a browser that signed in to the account before keeps its own
budget (device cookie), a letter code lifts the pause, the owner's mail says what
to do. The CNIL cap still holds for every unknown browser together."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from support.web import JEAN, JEANNE, get, submit

from pwa.security.throttle import DAILY_BUDGET, DEVICE_BUDGET

GOOD = "Girafe-Orange-Sous-La-Pluie"
NEW = "Calanque-Bleue-Sous-Le-Mistral"
COOKIE = "__Host-sesame-appareil"
PAUSED = "Trop d'essais ont échoué pour ce compte aujourd'hui"


def browser(app, address: str) -> TestClient:
    """A browser of its own (its own cookie jar) at a given network address."""
    return TestClient(app, base_url="https://testserver", raise_server_exceptions=False, client=(address, 443))


def login(client: TestClient, login_name: str, password: str):
    page = get(client, "/connexion")
    return submit(client, page, "/connexion", login=login_name, password=password)


def logout(client: TestClient) -> None:
    page = get(client, "/compte")
    assert submit(client, page, "/deconnexion").status == 200


@pytest.fixture
def owner(app, sesame, people):
    """Jean and Jeanne have passwords; Jean's phone signed in once, then signed out."""
    for person in (JEAN, JEANNE):
        account = sesame.directory.by_login(person.identifiant)
        sesame.directory.set_password_hash(account.id, sesame.hashing.hash(GOOD))
    with browser(app, "203.0.113.10") as phone:
        first = login(phone, JEAN.identifiant, GOOD)
        assert first.h1 == "Mon compte"
        assert COOKIE in phone.cookies
        logout(phone)
        yield phone


def stranger_exhausts_the_budget(app) -> None:
    """25 wrong passwords from 5 addresses (5 each: the per-address delay starts after)."""
    statuses = []
    for n in range(5):
        with browser(app, f"198.51.100.{n + 1}") as stranger:
            for i in range(5):
                statuses.append(login(stranger, JEAN.identifiant, f"mauvais-{n}-{i}").status)
    assert statuses == [422] * DAILY_BUDGET


def test_the_owner_signs_in_on_a_known_browser_while_a_stranger_paused_it(app, sesame, owner):
    stranger_exhausts_the_budget(app)
    # A new browser, even with the right password, waits: the CNIL cap holds for every unknown one.
    with browser(app, "192.0.2.33") as new_phone:
        refused = login(new_phone, JEAN.identifiant, GOOD)
        assert refused.status == 429 and PAUSED in refused.field_error("password")
        assert COOKIE not in new_phone.cookies
    with browser(app, "198.51.100.99") as stranger:
        assert login(stranger, JEAN.identifiant, "encore-un-essai").status == 429
    # The owner's phone, known from an earlier sign-in, is not paused by the stranger.
    signed_in = login(owner, JEAN.identifiant, GOOD)
    assert signed_in.status == 200 and signed_in.h1 == "Mon compte"
    # ...and may even change the password, as the owner's mail advises.
    page = get(owner, "/compte/mot-de-passe")
    changed = submit(owner, page, "/compte/mot-de-passe", current=GOOD, password=NEW, confirmation=NEW)
    assert changed.h1 == "Mon compte", changed.errors
    # None of this counted as the stranger's: still exactly 25 evaluated for unknown browsers.
    account = sesame.directory.by_login(JEAN.identifiant)
    counted = sesame.store.one("select count(*) as n from failures where subject = ?", (f"account:{account.id}",))
    assert counted["n"] == DAILY_BUDGET


def test_a_forged_or_other_account_device_cookie_gives_nothing(app, sesame, owner):
    with browser(app, "203.0.113.20") as jeanne_phone:
        assert login(jeanne_phone, JEANNE.identifiant, GOOD).h1 == "Mon compte"
        jeanne_cookie = jeanne_phone.cookies[COOKIE]
    jean_cookie = owner.cookies[COOKIE]
    jean_id = sesame.directory.by_login(JEAN.identifiant).id
    jeanne_id = sesame.directory.by_login(JEANNE.identifiant).id
    device_id, entry = jeanne_cookie.split(".")
    forged = [
        jeanne_cookie,  # another account's known browser
        f"{device_id}.{jean_id}-{entry.split('-', 1)[1]}",  # its entry relabelled for Jean
        f"{device_id}.{jean_cookie.split('.')[1]}",  # Jean's entry moved to another browser id
        f"{device_id}.{jean_id}-v1-{'0' * 32}",  # a made-up tag
        "x" * 5000,  # not even ours
    ]
    assert str(jeanne_id) in jeanne_cookie and jean_cookie != jeanne_cookie
    stranger_exhausts_the_budget(app)
    for n, value in enumerate(forged):
        with browser(app, f"192.0.2.{n + 40}") as thief:
            thief.cookies.set(COOKIE, value, domain="testserver.local")
            page = login(thief, JEAN.identifiant, GOOD)
            assert page.status == 429, value[:60]
    # The genuine cookie, sent the same way, is honoured (the check above is not vacuous).
    with browser(app, "192.0.2.60") as same_phone:
        same_phone.cookies.set(COOKIE, jean_cookie, domain="testserver.local")
        assert login(same_phone, JEAN.identifiant, GOOD).h1 == "Mon compte"


def test_a_known_browser_that_fails_too_often_waits_alone(app, sesame, owner, clock):
    failures = []
    for i in range(DEVICE_BUDGET):
        clock.now += 3600  # past the per-address delay each time
        failures.append(login(owner, JEAN.identifiant, f"oubli-{i}").status)
    assert failures == [422] * DEVICE_BUDGET
    clock.now += 3600
    refused = login(owner, JEAN.identifiant, GOOD)
    assert refused.status == 429 and PAUSED in refused.field_error("password")
    # Its failures did not count in the account's budget: another browser still signs in,
    # and nobody was told the account was paused (it was not).
    with browser(app, "192.0.2.77") as laptop:
        assert login(laptop, JEAN.identifiant, GOOD).h1 == "Mon compte"
    assert sesame.outbox.claim_due() == []


def test_a_letter_code_lifts_the_pause_and_the_new_password_signs_in(app, sesame, owner):
    stranger_exhausts_the_budget(app)
    account = sesame.directory.by_login(JEAN.identifiant)
    code = sesame.codes.issue(account.id, "letter")
    with browser(app, "192.0.2.50") as new_phone:
        assert login(new_phone, JEAN.identifiant, GOOD).status == 429
        form = get(new_phone, "/activation")
        page = submit(new_phone, form, "/activation", identifiant=JEAN.identifiant, code=code)
        assert page.status == 200, page.errors
        done = submit(new_phone, page, "/mot-de-passe/nouveau", password=NEW, confirmation=NEW)
        assert done.status == 200, done.errors
        signed_in = login(new_phone, JEAN.identifiant, NEW)
        assert signed_in.h1 == "Mon compte", signed_in.errors
    rows = sesame.store.query("select event from audit where account_id = ?", (account.id,))
    events = [r["event"] for r in rows]
    assert "account.unpaused" in events


def test_the_pause_mail_says_what_happened_and_what_to_do(app, sesame, owner):
    stranger_exhausts_the_budget(app)
    mails = sesame.outbox.claim_due()
    assert [m["to_addr"] for m in mails] == [JEAN.email]
    body = " ".join(mails[0]["body"].split())
    assert "Quelqu'un a essayé de nombreuses fois" in body
    assert "Votre mot de passe n'a pas changé" in body
    assert "sur lequel vous vous êtes déjà connecté à Sésame : votre mot de passe y marche" in body
    assert "Se connecter avec une clé d'accès" in body
    assert "/activation" in body and "lettre d'activation" in body
    assert sesame.profile.helpdesk_phone in body
    assert "Ces essais ne viennent pas de vous ? Changez votre mot de passe" in body


def test_the_second_step_on_a_known_browser_is_not_paused_either(app, sesame, clock, owner):
    import pyotp
    from support.factors import enrol_totp

    assert login(owner, JEAN.identifiant, GOOD).h1 == "Mon compte"
    secret, _ = enrol_totp(owner, clock)
    logout(owner)
    stranger_exhausts_the_budget(app)
    clock.now += 30
    step2 = login(owner, JEAN.identifiant, GOOD)
    assert step2.h1 == "Confirmez que c'est bien vous"
    code = pyotp.TOTP(secret).at(clock.now)
    done = submit(owner, step2, "/connexion/verification", methode="totp", code=code)
    assert done.h1 == "Mon compte", done.errors


def test_the_device_cookie_is_long_lived_locked_down_and_shared_by_a_family(app, sesame, owner):
    with browser(app, "203.0.113.30") as family:
        page = login(family, JEANNE.identifiant, GOOD)
        header = next(
            h for r in page.response.history for h in r.headers.get_list("set-cookie") if h.startswith(COOKIE)
        )
        attributes = {a.strip().split("=")[0].lower() for a in header.split(";")[1:]}
        assert {"path", "httponly", "secure", "samesite", "max-age"} <= attributes
        assert "SameSite=Lax" in header and "Path=/" in header
        assert f"Max-Age={180 * 24 * 3600}" in header
        logout(family)
        # Jean signs in on the same computer: it is known for both of them.
        assert login(family, JEAN.identifiant, GOOD).h1 == "Mon compte"
        logout(family)
        stranger_exhausts_the_budget(app)
        assert login(family, JEAN.identifiant, GOOD).h1 == "Mon compte"
        logout(family)
        for n in range(5):  # and Jeanne's account paused too
            with browser(app, f"198.51.100.{n + 20}") as stranger:
                for i in range(5):
                    login(stranger, JEANNE.identifiant, f"mauvais-{n}-{i}")
        assert login(family, JEANNE.identifiant, GOOD).h1 == "Mon compte"
