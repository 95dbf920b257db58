"""The out-of-office message walked in a real Chromium on an Android tablet (800×1280),
against a demo server whose mail server is a real Dovecot on loopback (IMAP +
ManageSieve over TLS, passdb = the demo's SQLite): an error keeps the fields, the
preview shows the mail, the message is switched on and off, and axe-core finds nothing."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from support.browser import TABLET, axe, axe_report, new_context, serve_demo  # noqa: E402
from support.dovecot import configure  # noqa: E402

from pwa.services.notices import PARIS  # noqa: E402

pytestmark = pytest.mark.dovecot

PERSON = ("lmartin", "Calanque-Bleue-Soleil-42")  # activated by the demo seed (pwa/demo.py)


@pytest.fixture(scope="module")
def mail_server():
    """A demo server on a database that a real Dovecot uses as its passdb."""
    folder = Path(tempfile.mkdtemp(prefix="sesame-dovecot-", dir="/tmp"))
    dovecot = None
    try:
        dovecot = configure(folder)
        with serve_demo(folder, dovecot.db, **dovecot.environ) as server:
            dovecot.start()
            yield server
    finally:
        if dovecot is not None:
            dovecot.stop()
        shutil.rmtree(folder, ignore_errors=True)


def clean(page, label: str) -> None:
    violations = axe(page)
    assert not violations, f"axe, {label}:\n{axe_report(violations)}"
    assert not page.problems, page.problems


def test_out_of_office_on_a_tablet(chromium, mail_server):
    from playwright.sync_api import expect

    identifiant, password = PERSON
    today = dt.datetime.now(PARIS).date()  # the server's today
    with new_context(chromium, mail_server, **TABLET) as context:
        page = context.new_page()
        page.goto("/connexion")
        page.get_by_label("Identifiant ou adresse académique").fill(identifiant)
        page.get_by_label("Mot de passe", exact=True).fill(password)
        page.get_by_role("button", name="Se connecter", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
        page.get_by_role("link", name="Message d'absence").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Message d'absence")
        clean(page, "the form")

        # The end before the start: a French error, every field kept.
        start, end = today + dt.timedelta(days=3), today + dt.timedelta(days=1)
        page.get_by_label("Premier jour d'absence").fill(start.isoformat())
        page.get_by_label("Dernier jour d'absence").fill(end.isoformat())
        page.get_by_label("Objet de la réponse").fill('Absente "en formation"')
        page.get_by_label("Message pour vos collègues").fill("Bonjour,\n.\nVoyez M. Roux \\ merci 😀")
        page.get_by_label("Message pour les autres personnes (facultatif)").fill("Je réponds à mon retour.")
        page.get_by_label("Répondre à la même personne", exact=False).fill("3")
        page.get_by_role("button", name="Voir l'aperçu", exact=True).click()
        expect(page.locator(".error-summary")).to_contain_text(
            "Le dernier jour doit être le même jour que le premier, ou après."
        )
        expect(page.get_by_label("Premier jour d'absence")).to_have_value(start.isoformat())
        expect(page.get_by_label("Dernier jour d'absence")).to_have_value(end.isoformat())
        expect(page.get_by_label("Objet de la réponse")).to_have_value('Absente "en formation"')
        expect(page.get_by_label("Message pour vos collègues")).to_have_value("Bonjour,\n.\nVoyez M. Roux \\ merci 😀")
        expect(page.get_by_label("Répondre à la même personne", exact=False)).to_have_value("3")
        clean(page, "end before start")

        # Fixed, previewed: the two mails as they will be sent.
        end = today + dt.timedelta(days=10)
        page.get_by_label("Dernier jour d'absence").fill(end.isoformat())
        page.get_by_role("button", name="Voir l'aperçu", exact=True).click()
        preview = page.locator(".absence-preview")
        expect(preview).to_contain_text(f"Du {start:%d/%m/%Y} au {end:%d/%m/%Y} inclus")
        expect(preview).to_contain_text("Vos collègues reçoivent")
        expect(preview).to_contain_text("Je réponds à mon retour.")
        clean(page, "preview")

        # Saved on the mail server as the user, and read back.
        page.get_by_label("Votre mot de passe").last.fill(password)
        page.get_by_role("button", name="Enregistrer et activer", exact=True).click()
        expect(page.get_by_role("status").first).to_contain_text(
            f"enregistré sur le serveur de messagerie, du {start:%d/%m/%Y} au {end:%d/%m/%Y}"
        )
        expect(page.locator(".absence-state")).to_contain_text(
            f"Programmé : la réponse automatique partira du {start:%d/%m/%Y}"
        )
        clean(page, "saved")

        page.get_by_label("Votre mot de passe").first.fill(password)
        page.get_by_role("button", name="Voir l'état sur le serveur", exact=True).click()
        expect(page.get_by_label("Message pour vos collègues")).to_have_value("Bonjour,\n.\nVoyez M. Roux \\ merci 😀")
        clean(page, "read back")

        page.get_by_label("Votre mot de passe").first.fill(password)
        page.get_by_role("button", name="Arrêter le message d'absence", exact=True).click()
        expect(page.get_by_role("status").first).to_contain_text("Votre message d'absence est arrêté.")
        expect(page.locator(".absence-state")).to_contain_text("Aucun message d'absence")
        clean(page, "switched off")
