"""Journey 8 in a real Chromium: pick the mail app on a phone and copy a setting; the same
page without JavaScript; the QR code a computer shows opens the page."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from support.browser import activate, axe, axe_report, new_context  # noqa: E402

IMAP_HOST = "imap.ac-aix-marseille.fr"  # the demo's profile (aix-marseille)
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "fr-FR"}


def expect():
    from playwright.sync_api import expect

    return expect


def h1(page):
    return page.get_by_role("heading", level=1)


def allow_clipboard(page, server) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)


def test_pick_an_app_and_copy_a_setting_on_a_phone(phone, sesame_server):
    page, expect_ = phone, expect()
    allow_clipboard(page, sesame_server)
    page.goto("/")
    page.get_by_role("link", name=re.compile("^Configurer mon téléphone")).click()
    expect_(h1(page)).to_have_text("Configurer mon téléphone")
    page.get_by_role("link", name=re.compile("^Samsung Email")).click()
    expect_(h1(page)).to_contain_text("Configurer Samsung Email")
    assert page.viewport_size == {"width": 360, "height": 740}
    button = page.get_by_role("button", name="Copier le serveur entrant", exact=True)
    expect_(button).to_be_visible()
    button.click()
    expect_(page.locator("#live-status")).to_have_text(f"Copié : {IMAP_HOST}")
    assert page.locator("#live-status").get_attribute("aria-live") == "polite"
    assert page.evaluate("navigator.clipboard.readText()") == IMAP_HOST
    page.get_by_role("button", name="Copier le port du serveur sortant", exact=True).click()
    assert page.evaluate("navigator.clipboard.readText()") == "465"
    # The QR code is for computers: a phone does not show it.
    expect_(page.locator(".phone-handoff")).to_be_hidden()
    assert not page.problems


def test_signed_in_the_identifiant_is_copied(phone, sesame_server, demo_people):
    page, person, expect_ = phone, demo_people["bcoeur"], expect()
    password = "Sept pommes rouges dans le panier"
    activate(page, person, password)
    page.get_by_role("link", name="Configurer mon téléphone").click()
    expect_(h1(page)).to_have_text("Configurer mon téléphone")
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(person.identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(h1(page)).to_have_text("Mon compte")
    page.get_by_role("link", name="Configurer mon téléphone").click()
    page.get_by_role("link", name=re.compile("^Gmail")).click()
    expect_(page.locator("#reglage-utilisateur")).to_have_text(person.identifiant)
    allow_clipboard(page, sesame_server)
    page.get_by_role("button", name="Copier le nom d'utilisateur", exact=True).click()
    assert page.evaluate("navigator.clipboard.readText()") == person.identifiant
    # The iPhone page offers the profile for this account: a download, not a page.
    page.get_by_role("link", name="← Choisir une autre application").click()
    page.get_by_role("link", name=re.compile("^Mail")).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le profil", exact=True).click()
    assert download.value.suggested_filename == f"messagerie-aix-marseille-{person.identifiant}.mobileconfig"
    contents = open(download.value.path(), "rb").read()
    import plistlib

    payload = plistlib.loads(contents)["PayloadContent"][0]
    assert payload["IncomingMailServerUsername"] == person.identifiant


def test_without_javascript_every_value_is_readable(no_js):
    page, expect_ = no_js, expect()
    page.goto("/telephone/iphone")
    expect_(h1(page)).to_contain_text("Configurer Mail")
    expect_(page.locator("#reglage-imap-serveur")).to_have_text(IMAP_HOST)
    expect_(page.locator("#reglage-imap-serveur")).to_be_visible()
    expect_(page.locator("button[data-copy]").first).to_be_hidden()  # a button that cannot copy stays hidden
    # The form still works: a wrong address is explained on the page.
    page.get_by_label("Votre adresse académique").fill("moi@gmail.com")
    page.get_by_role("button", name="Télécharger le profil", exact=True).click()
    expect_(page.locator("#adresse-error")).to_contain_text("@ac-aix-marseille.fr")


def test_a_computer_shows_a_qr_code_that_opens_the_page(chromium, sesame_server, tmp_path):
    with new_context(chromium, sesame_server, without_service_worker=True, **DESKTOP) as context:
        page = context.new_page()
        page.goto("/telephone/thunderbird")
        qr = page.locator(".phone-handoff .qr svg")
        expect()(qr).to_be_visible()
        violations = axe(page)
        assert not violations, axe_report(violations)
        if shutil.which("zbarimg") is None:
            pytest.skip("zbarimg (Debian zbar-tools) is not installed: the QR code is not decoded")
        picture = tmp_path / "qr.png"
        qr.screenshot(path=str(picture))
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(picture)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert decoded == f"{sesame_server.url}/telephone/thunderbird"
