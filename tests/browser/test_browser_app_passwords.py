"""App passwords in a real Chromium at 360×740 (issue 16): create one, copy it with the
button, use it with a real Dovecot (IMAP) that reads the demo server's database and
reports the use back, see the last use, revoke it; axe-core clean on every screen."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support.browser import (  # noqa: E402
    MOBILE,
    axe,
    axe_report,
    horizontal_overflow,
    new_context,
    serve_demo,
    touch_target_problems,
)
from support.dovecot import (
    configure,  # noqa: E402
    imap_login,  # noqa: E402
)

pytestmark = pytest.mark.dovecot

TOKEN = "b" * 40
LEA = ("lmartin", "Calanque-Bleue-Soleil-42")  # activated in the demo (pwa/demo.py)


def expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def mail_world(chromium):
    """A demo Sésame of its own and a Dovecot reading its database, reporting to it."""
    folder = Path(tempfile.mkdtemp(prefix="sesame-dovecot-", dir="/tmp"))
    folder.chmod(0o755)
    dovecot = None
    try:
        with serve_demo(folder, folder / "sesame.db", SESAME_MAIL_POLICY_TOKEN=TOKEN) as server:
            port = urlsplit(server.url).port
            dovecot = configure(
                folder,
                sieve=False,
                policy_url=f"http://127.0.0.1:{port}/dovecot/politique",
                policy_token=TOKEN,
            )
            dovecot.start()
            yield server, dovecot
    finally:
        if dovecot is not None:
            dovecot.stop()
        shutil.rmtree(folder, ignore_errors=True)


def clean(page) -> None:
    assert not axe(page), axe_report(axe(page))
    assert horizontal_overflow(page) <= 0
    assert not touch_target_problems(page), touch_target_problems(page)


def test_create_copy_use_and_revoke_on_a_phone(chromium, mail_world):
    server, dovecot = mail_world
    with new_context(chromium, server, without_service_worker=True, **MOBILE) as context:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        page = context.new_page()
        page.goto("/connexion")
        page.get_by_label("Identifiant ou adresse académique").fill(LEA[0])
        page.get_by_label("Mot de passe", exact=True).fill(LEA[1])
        page.get_by_role("button", name="Se connecter", exact=True).click()
        expect()(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
        page.get_by_role("link", name="Mots de passe d'application").click()
        expect()(page.get_by_role("heading", level=1)).to_have_text("Mots de passe d'application")
        clean(page)

        # Without a name: the error summary links to the field, which keeps the other choices.
        page.get_by_label("Fin de validité").select_option("90")
        page.get_by_role("button", name="Créer le mot de passe").click()
        expect()(page.locator(".error-summary a")).to_have_text(
            "Donnez un nom à ce mot de passe, par exemple « Téléphone de Nadia »."
        )
        expect()(page.get_by_label("Fin de validité")).to_have_value("90")
        clean(page)
        page.locator(".error-summary a").click()
        expect()(page.get_by_label("Nom", exact=True)).to_be_focused()

        # Create: a name, the scope (mail by default), an end date.
        page.get_by_label("Nom", exact=True).fill("Téléphone de Nadia")
        expect()(page.get_by_label("Recevoir et envoyer des courriels")).to_be_checked()
        page.get_by_label("Fin de validité").select_option("90")
        page.get_by_role("button", name="Créer le mot de passe").click()
        expect()(page.get_by_role("heading", level=1)).to_have_text("Votre mot de passe d'application")
        value = page.locator("#app-password-value").inner_text().strip()
        assert len(value) == 24 and value.count("-") == 4
        clean(page)

        # Copy: the button puts exactly the value on the clipboard and says so.
        page.get_by_role("button", name="Copier le mot de passe").click()
        expect()(page.locator("#live-status")).to_have_text("Mot de passe copié.")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == value

        # Use it as a mail app would: IMAP with the copied value.
        assert imap_login(dovecot.imap_port, LEA[0], copied), dovecot.log()[-2000:]

        # The list shows the last use, reported by Dovecot.
        page.get_by_role("link", name="J'ai noté ce mot de passe").click()
        item = page.locator(".app-password-list li")
        deadline = time.monotonic() + 10
        while "Dernière utilisation jamais" in item.inner_text().replace("\n", " ") and time.monotonic() < deadline:
            time.sleep(0.3)
            page.reload()
        text = " ".join(item.inner_text().split())
        assert "Dernière utilisation jamais" not in text and "127.0.0.1" in text, text
        assert value not in page.content(), "never shown again"
        clean(page)

        # Revoke: the mail server refuses it at once.
        page.get_by_role("button", name="Révoquer « Téléphone de Nadia »").click()
        expect()(page.get_by_role("status")).to_contain_text("révoqué")
        expect()(page.locator(".app-password-list li")).to_have_count(0)
        assert not imap_login(dovecot.imap_port, LEA[0], copied)
        clean(page)
        assert not page.problems, page.problems
