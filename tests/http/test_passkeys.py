"""Passkeys over HTTP with a software authenticator: registration, username-less
sign-in, passkey as second factor, and the refusals (replay, decreasing counter,
no user verification); a counter that stays 0 (synced passkeys) is accepted."""

from __future__ import annotations

import json

import pytest
from support.journeys import GOOD, login, set_password_with_numen
from support.softauthn import SoftAuthenticator
from support.web import JEAN, get

ORIGIN = "https://testserver"


class Api:
    def __init__(self, client) -> None:
        self.client = client

    def token(self, url: str) -> str:
        page = get(self.client, url)
        return page.soup.select_one("[data-csrf]")["data-csrf"]

    def post(self, url: str, body: dict, token: str):
        return self.client.post(
            url,
            content=json.dumps(body),
            headers={"Content-Type": "application/json", "X-CSRF-Token": token, "Origin": ORIGIN},
        )


@pytest.fixture
def api(client, people):
    set_password_with_numen(client, JEAN, GOOD)
    client.cookies.clear()
    login(client, "jdupont", GOOD)
    return Api(client)


def register(api: Api, authenticator: SoftAuthenticator, name: str = "Mon téléphone"):
    token = api.token("/compte/securite")
    options = api.post("/compte/securite/cle/options", {}, token).json()
    assert options["rp"]["id"] == "testserver"
    return api.post("/compte/securite/cle", {"credential": authenticator.create(options), "name": name}, token)


def passkey_sign_in(api: Api, authenticator: SoftAuthenticator, purpose="connexion", **get_options):
    token = api.token("/connexion" if purpose == "connexion" else "/connexion/verification")
    options = api.post("/cle/options", {"purpose": purpose}, token).json()
    credential = authenticator.get(options, **get_options)
    return api.post("/cle/verifier", {"purpose": purpose, "credential": credential}, token), credential, token


def test_register_then_username_less_sign_in(api, sesame):
    authenticator = SoftAuthenticator("testserver", ORIGIN)
    added = register(api, authenticator)
    assert added.status_code == 200 and added.json()["redirect"] == "/compte/securite/codes"
    account = sesame.directory.by_login("jdupont")
    [key] = sesame.authenticators.for_account(account.id, "passkey")
    assert key.name == "Mon téléphone" and key.last_used_at is None
    api.client.cookies.clear()
    response, _, _ = passkey_sign_in(api, authenticator)
    assert response.status_code == 200 and response.json()["redirect"] == "/compte"
    assert get(api.client, "/compte").h1 == "Mon compte"
    assert sesame.authenticators.for_account(account.id, "passkey")[0].last_used_at is not None
    assert "login.passkey" in [e["event"] for e in sesame.audit.for_account(account.id, 50)]


def test_passkey_as_second_factor_after_the_password(api, sesame):
    authenticator = SoftAuthenticator("testserver", ORIGIN)
    register(api, authenticator)
    api.client.cookies.clear()
    step2 = login(api.client, "jdupont", GOOD)
    assert step2.h1 == "Confirmez que c'est bien vous"
    response, _, _ = passkey_sign_in(api, authenticator, purpose="verification")
    assert response.status_code == 200
    assert get(api.client, "/compte").h1 == "Mon compte"


def test_a_replayed_assertion_is_refused(api):
    authenticator = SoftAuthenticator("testserver", ORIGIN)
    register(api, authenticator)
    api.client.cookies.clear()
    response, credential, token = passkey_sign_in(api, authenticator)
    assert response.status_code == 200
    api.client.cookies.clear()
    token = api.token("/connexion")
    # The same assertion again: its challenge was used once and is gone.
    replay = api.post("/cle/verifier", {"purpose": "connexion", "credential": credential}, token)
    assert replay.status_code == 400
    # Even with a fresh challenge pending, the old assertion does not match it.
    api.post("/cle/options", {"purpose": "connexion"}, token)
    assert api.post("/cle/verifier", {"purpose": "connexion", "credential": credential}, token).status_code == 400


def test_decreasing_non_zero_counter_is_refused(api):
    authenticator = SoftAuthenticator("testserver", ORIGIN)
    register(api, authenticator)
    api.client.cookies.clear()
    assert passkey_sign_in(api, authenticator, counter=10)[0].status_code == 200
    api.client.cookies.clear()
    assert passkey_sign_in(api, authenticator, counter=9)[0].status_code == 400
    assert passkey_sign_in(api, authenticator, counter=10)[0].status_code == 400
    assert passkey_sign_in(api, authenticator, counter=11)[0].status_code == 200


def test_counter_that_stays_zero_is_accepted(api):
    authenticator = SoftAuthenticator("testserver", ORIGIN)
    register(api, authenticator)
    for _ in range(3):
        api.client.cookies.clear()
        assert passkey_sign_in(api, authenticator, counter=0)[0].status_code == 200


def test_username_less_assertion_without_user_verification_is_refused(api):
    authenticator = SoftAuthenticator("testserver", ORIGIN)
    register(api, authenticator)
    api.client.cookies.clear()
    response, _, _ = passkey_sign_in(api, authenticator, verified=False)
    assert response.status_code == 400
    assert get(api.client, "/compte").h1 != "Mon compte"


def test_another_accounts_passkey_is_refused_at_step_two(api, client, sesame):
    jean_key = SoftAuthenticator("testserver", ORIGIN)
    register(api, jean_key)
    # Jeanne sets a password and a passkey of her own, then Jean's key is tried on her step 2.
    from support.web import JEANNE

    client.cookies.clear()
    set_password_with_numen(client, JEANNE, GOOD)
    client.cookies.clear()
    login(client, "jdupont1", GOOD)
    register(api, SoftAuthenticator("testserver", ORIGIN))
    client.cookies.clear()
    assert login(client, "jdupont1", GOOD).h1 == "Confirmez que c'est bien vous"
    response, _, _ = passkey_sign_in(api, jean_key, purpose="verification")
    assert response.status_code == 400


def test_forgotten_password_reset_with_a_passkey_sign_in(api, sesame):
    """A fresh passkey sign-in stands for the current password."""
    from support.web import submit

    authenticator = SoftAuthenticator("testserver", ORIGIN)
    register(api, authenticator)
    api.client.cookies.clear()
    passkey_sign_in(api, authenticator)
    form = get(api.client, "/compte/mot-de-passe")
    assert form.soup.find("input", attrs={"name": "current"}) is None
    new = "Sept-Pommes-Vertes-Au-Grenier"
    done = submit(api.client, form, "/compte/mot-de-passe", password=new, confirmation=new)
    assert done.h1 == "Mon compte"
    api.client.cookies.clear()
    assert login(api.client, "jdupont", new).h1 == "Confirmez que c'est bien vous"
