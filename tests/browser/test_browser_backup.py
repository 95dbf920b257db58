"""Issue 6 in a real Chromium on a phone (360×740): add an adresse de secours with the
code read from the demo server's mailbox, then, signed out, choose a new password with
a code mailed to it (M'auto dépanner)."""

from __future__ import annotations

import re

from support.browser import activate, fill_birth_date, mailed_code  # noqa: E402

FIRST = "Quatre hiboux lisent sous la lune"
SECOND = "Cinq castors bâtissent un pont de bois"
PERSO = "lucas.garcia.perso@exemple.fr"


def expect():
    from playwright.sync_api import expect

    return expect


def test_backup_address_then_reset_with_it(mobile, demo_people):
    page, person, expect_ = mobile, demo_people["lgarcia"], expect()
    activate(page, person, FIRST)
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(person.identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(FIRST)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Mon compte")

    # Mon compte → adresse de secours, verified by the code mailed to it.
    page.get_by_role("link", name="Ajouter une adresse de secours").click()
    page.get_by_label("Votre adresse personnelle").fill(person.email)
    page.get_by_role("button", name="Recevoir un code", exact=True).click()
    expect_(page.locator("#adresse-error")).to_contain_text("pas votre adresse académique")
    page.get_by_label("Votre adresse personnelle").fill(PERSO)
    page.get_by_role("button", name="Recevoir un code", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Vérifier l'adresse de secours")
    expect_(page.get_by_role("main")).to_contain_text("l•••@exemple.fr")
    expect_(page.get_by_role("timer")).to_have_text(re.compile(r"^(10 min 00|9 min \d\d) s$"))
    expect_(page.get_by_role("button", name="Renvoyer le code")).to_be_disabled()
    code = mailed_code(page.context, PERSO, "Code de vérification de votre adresse de secours")
    page.get_by_label("Code reçu par courriel").fill(code.lower())
    page.get_by_role("button", name="Valider le code", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect_(page.locator(".panel-success")).to_contain_text("l•••@exemple.fr")
    assert PERSO not in page.content()
    page.get_by_role("button", name="Me déconnecter", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Vous êtes déconnecté")

    # Signed out, password forgotten and no NUMEN at hand: the link on the login page.
    page.goto("/connexion")
    page.get_by_role("link", name=re.compile("sans NUMEN")).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Recevoir un code à mon adresse de secours")
    page.get_by_label("Votre identifiant").fill(person.identifiant)
    fill_birth_date(page, person)
    page.get_by_role("button", name="Recevoir un code", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Saisir le code reçu")
    expect_(page.locator(".panel-success")).to_contain_text("un code vient d'y être envoyé")
    timer = page.get_by_role("timer")
    first = timer.inner_text()
    expect_(timer).not_to_have_text(first, timeout=3000)  # the countdown runs
    expect_(page.get_by_role("button", name="Renvoyer le code")).to_be_disabled()
    code = mailed_code(page.context, PERSO, "Code pour choisir un nouveau mot de passe")
    page.get_by_label("Code reçu par courriel").fill("ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
    page.get_by_role("button", name="Valider le code", exact=True).click()
    expect_(page.locator("#code-error")).to_contain_text("Ce code ne convient pas")
    page.get_by_label("Code reçu par courriel").fill(code)
    page.get_by_role("button", name="Valider le code", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Choisissez votre mot de passe")
    page.get_by_label("Nouveau mot de passe", exact=True).fill(SECOND)
    page.get_by_label("Confirmez le mot de passe", exact=True).fill(SECOND)
    page.get_by_role("button", name="Enregistrer mon mot de passe", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text(re.compile("mot de passe est enregistré"))

    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(person.identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(SECOND)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    assert not page.problems, page.problems
