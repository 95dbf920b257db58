"""Issue 5 in a real Chromium on a phone: passkeys with a CDP virtual
authenticator, the OTP app read from the page, recovery codes."""

from __future__ import annotations

import json
import sqlite3
import time

import pyotp
import pytest
from support.browser import MOBILE, activate, axe, axe_report, new_context  # noqa: E402


def expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def phone_with_authenticator(chromium, sesame_server):
    with new_context(chromium, sesame_server, without_service_worker=True, **MOBILE) as context:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable", {"enableUI": False})
        authenticator = cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )["authenticatorId"]
        page.cdp, page.authenticator_id = cdp, authenticator
        yield page


def sign_in_with_password(page, login: str, password: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(login)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect()(page.get_by_role("heading", level=1)).not_to_have_text("Se connecter")


def sign_out(page) -> None:
    page.goto("/compte")
    page.get_by_role("button", name="Me déconnecter", exact=True).click()
    expect()(page.get_by_role("heading", level=1)).to_have_text("Vous êtes déconnecté")


def test_passkey_lifecycle(phone_with_authenticator, demo_people, sesame_server):
    page, person = phone_with_authenticator, demo_people["croux"]
    sign_in_with_password(page, person.identifiant, person.password)
    expect()(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    page.get_by_role("link", name="Clés d'accès et codes").click()
    expect()(page.get_by_role("heading", level=1)).to_have_text("Sécurité du compte")
    assert not axe(page), axe_report(axe(page))
    page.get_by_label("Nom de la nouvelle clé").fill("Mon téléphone")
    page.get_by_role("button", name="Ajouter une clé d'accès").click()
    page.wait_for_url("**/compte/securite/codes")
    expect()(page.get_by_role("heading", level=1)).to_have_text("Codes de secours")

    # Username-less sign-in: nothing typed.
    # Passkey autofill (conditional mediation): the virtual authenticator picks
    # the passkey as a person would from the autofill list.
    sign_out(page)
    page.goto("/connexion")
    page.wait_for_url("**/compte")
    expect()(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    # The explicit button, where the browser offers no autofill.
    sign_out(page)
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);")
    page.goto("/connexion")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    page.wait_for_url("**/compte")
    expect()(page.get_by_role("heading", level=1)).to_have_text("Mon compte")

    # The passkey as second factor after the password.
    sign_out(page)
    sign_in_with_password(page, person.identifiant, person.password)
    expect()(page.get_by_role("heading", level=1)).to_have_text("Confirmez que c'est bien vous")
    assert not axe(page), axe_report(axe(page))
    page.get_by_role("button", name="Utiliser ma clé d'accès").click()
    page.wait_for_url("**/compte")

    # Rename, then remove.
    page.goto("/compte/securite")
    page.get_by_label("Nouveau nom pour « Mon téléphone »").fill("Téléphone pro")
    page.get_by_role("button", name="Renommer").click()
    expect()(page.locator(".factor strong")).to_have_text("Téléphone pro")
    page.get_by_role("button", name="Supprimer « Téléphone pro »").click()
    expect()(page.locator("main")).to_contain_text("La protection est retirée")
    expect()(page.locator(".factor")).to_have_count(0)
    assert not page.problems, page.problems


def test_passkey_refusals(phone_with_authenticator, demo_people, sesame_server):
    """A replayed assertion, a decreasing non-zero counter and a username-less
    assertion without user verification are refused by the server."""
    page, person = phone_with_authenticator, demo_people["lmartin"]
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);")
    sign_in_with_password(page, person.identifiant, person.password)
    page.goto("/compte/securite")
    page.get_by_label("Nom de la nouvelle clé").fill("Tablette")
    page.get_by_role("button", name="Ajouter une clé d'accès").click()
    page.wait_for_url("**/compte/securite/codes")
    sign_out(page)

    # 1. Capture a real assertion, then replay it.
    captured = {}
    page.route(
        "**/cle/verifier",
        lambda route: (
            captured.update(body=route.request.post_data, headers=route.request.headers),
            route.continue_(),
        ),
    )
    page.goto("/connexion")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    page.wait_for_url("**/compte")
    page.unroute("**/cle/verifier")
    sign_out(page)
    page.goto("/connexion")
    token = page.locator("[data-passkey-login]").get_attribute("data-csrf")
    replay = page.request.post(
        "/cle/verifier",
        data=captured["body"],
        headers={"Content-Type": "application/json", "X-CSRF-Token": token},
    )
    assert replay.status == 400

    # 2. The stored counter ahead of the authenticator's: a cloned key is refused.
    db = sqlite3.connect(sesame_server.folder / "sesame-demo.db")
    with db:
        db.execute("update authenticators set data = json_set(data, '$.sign_count', 1000) where name = 'Tablette'")
    db.close()
    page.goto("/connexion")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect()(page.locator("[data-passkey-login] .passkey-status")).to_contain_text("n'a pas pu être vérifiée")
    db = sqlite3.connect(sesame_server.folder / "sesame-demo.db")
    with db:
        db.execute("update authenticators set data = json_set(data, '$.sign_count', 0) where name = 'Tablette'")
    db.close()

    # 3. No user verification: the page is made to ask for none; the server still requires it.
    page.cdp.send(
        "WebAuthn.setUserVerified",
        {"authenticatorId": page.authenticator_id, "isUserVerified": False},
    )

    def lax_options(route):
        response = route.fetch()
        options = response.json()
        options["userVerification"] = "discouraged"
        route.fulfill(response=response, body=json.dumps(options))

    page.route("**/cle/options", lax_options)
    page.goto("/connexion")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect()(page.locator("[data-passkey-login] .passkey-status")).to_contain_text("n'a pas pu être vérifiée")
    page.goto("/compte")
    expect()(page.get_by_role("heading", level=1)).to_have_text("Se connecter")


def test_otp_app_and_recovery_codes(chromium, sesame_server, demo_people):
    person = demo_people["ybenali"]
    password = "Quatre-Mouettes-Sur-Le-Quai"
    with new_context(chromium, sesame_server, without_service_worker=True, **MOBILE) as context:
        page = context.new_page()
        # A new AESH activates the account with the NUMEN...
        activate(page, person, password)
        # ...signs in and adds an OTP app, reading the key from the page.
        sign_in_with_password(page, person.identifiant, password)
        page.goto("/compte/securite/otp")
        assert not axe(page), axe_report(axe(page))
        secret = page.locator("#totp-key").inner_text().replace(" ", "")
        totp = pyotp.TOTP(secret)
        page.get_by_label("Code affiché par l'application").fill(totp.now())
        page.get_by_role("button", name="Valider").click()
        expect()(page.get_by_role("heading", level=1)).to_have_text("Vos codes de secours")
        codes = page.locator("#recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        assert not axe(page), axe_report(axe(page))

        # Sign in with a code from the app (the next time step: the current one was used).
        sign_out(page)
        sign_in_with_password(page, person.identifiant, password)
        code = totp.at(time.time() + 30)
        page.get_by_label("Code affiché par l'application").fill(code)
        page.get_by_role("button", name="Valider le code", exact=True).click()
        expect()(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
        # The same code a second time is refused.
        sign_out(page)
        sign_in_with_password(page, person.identifiant, password)
        page.get_by_label("Code affiché par l'application").fill(code)
        page.get_by_role("button", name="Valider le code", exact=True).click()
        expect()(page.locator(".error-summary")).to_contain_text("Ce code vient d'être utilisé")
        # A recovery code works once only.
        page.get_by_role("textbox", name="Code de secours").fill(codes[0])
        page.get_by_role("button", name="Valider le code de secours").click()
        expect()(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
        sign_out(page)
        sign_in_with_password(page, person.identifiant, password)
        page.get_by_role("textbox", name="Code de secours").fill(codes[0])
        page.get_by_role("button", name="Valider le code de secours").click()
        expect()(page.locator(".error-summary")).to_contain_text("déjà servi")
        assert not page.problems, page.problems
