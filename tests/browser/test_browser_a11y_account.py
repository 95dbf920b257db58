"""Accessibility of the signed-in and staff pages in Chromium, state by state (axe-core, touch
targets, no sideways scroll at 320 px): Mon compte, phone set-up, backup address, mailbox
pages, help desk and gestionnaire."""

from __future__ import annotations

import re

from support.browser import (  # noqa: E402
    activate,
    fill_birth_date,
    mailed_code,
)
from support.browser_a11y import TABLET, Audit, expect, h1, sign_in_staff


def test_sign_in_and_account_states(phone, demo_people):
    page, person, expect_ = phone, demo_people["ngirard"], expect()
    password = "Neuf lapins sur la lune rousse"
    activate(page, person, password)
    audit = Audit(page)
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(person.identifiant)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(page.locator(".error-summary")).to_be_visible()
    audit("login: no password")
    page.get_by_label("Mot de passe", exact=True).fill("Pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(page.locator(".error-summary")).to_contain_text("incorrect")
    audit("login: wrong password")
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(h1(page)).to_have_text("Mon compte")
    audit("account: overview")
    page.get_by_role("link", name="Changer mon mot de passe").click()
    expect_(h1(page)).to_have_text("Changer mon mot de passe")
    audit("account: change password")
    page.get_by_role("button", name="Changer mon mot de passe", exact=True).click()
    expect_(page.locator(".error-summary")).to_be_visible()
    audit("account: change password, nothing typed")
    page.goto("/compte")
    audit("account: overview, full page load")
    page.get_by_role("button", name="Me déconnecter", exact=True).click()
    expect_(h1(page)).to_have_text("Vous êtes déconnecté")
    audit("logged out")
    audit.assert_clean()


def test_phone_setup_states(phone, demo_people):
    """Journey 8: the app choice, every app's page (signed out, then signed in) and the
    iPhone profile form refused, at phone and tablet sizes."""
    from pwa.mailsetup import APPS

    page, person, expect_ = phone, demo_people["amuller"], expect()
    audit = Audit(page)
    page.goto("/telephone")
    expect_(h1(page)).to_have_text("Configurer mon téléphone")
    audit("phone: choose the app")
    for app in APPS:
        page.goto(f"/telephone/{app.slug}")
        expect_(h1(page)).to_contain_text(f"Configurer {app.name}")
        audit(f"phone: {app.name}, signed out")
    page.goto("/telephone/iphone")
    page.get_by_label("Votre adresse académique").fill("moi@gmail.com")
    page.get_by_role("button", name="Télécharger le profil", exact=True).click()
    expect_(page.locator(".error-summary")).to_be_visible()
    audit("phone: iPhone profile, address outside the académie")
    password = "Huit tortues vertes sous la pluie"
    activate(page, person, password)
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(person.identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(h1(page)).to_have_text("Mon compte")
    page.get_by_role("link", name="Configurer mon téléphone").click()
    expect_(h1(page)).to_have_text("Configurer mon téléphone")
    audit("phone: choose the app, signed in")
    for slug in ("gmail", "iphone"):
        page.goto(f"/telephone/{slug}")
        expect_(page.locator("#reglage-utilisateur")).to_have_text(person.identifiant)
        audit(f"phone: {slug}, signed in")
    audit.assert_clean()


def test_backup_address_states(phone, demo_people):
    page, person, expect_ = phone, demo_people["mbonnet"], expect()
    password, address = "Six flamants roses dorment debout", "manon.bonnet.perso@exemple.fr"
    activate(page, person, password)
    audit = Audit(page)
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(person.identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(h1(page)).to_have_text("Mon compte")
    page.goto("/compte/adresse-de-secours")
    expect_(h1(page)).to_have_text("Adresse de secours")
    audit("backup address: none yet")
    page.get_by_role("button", name="Recevoir un code", exact=True).click()
    expect_(page.locator("#adresse-error")).to_be_visible()
    audit("backup address: nothing typed")
    page.get_by_label("Votre adresse personnelle").fill(address)
    page.get_by_role("button", name="Recevoir un code", exact=True).click()
    expect_(h1(page)).to_have_text("Vérifier l'adresse de secours")
    audit("backup address: code screen (countdown, resend waiting)")
    page.get_by_label("Code reçu par courriel").fill("ZZZ")
    page.get_by_role("button", name="Valider le code", exact=True).click()
    expect_(page.locator("#code-error")).to_be_visible()
    audit("backup address: code too short")
    code = mailed_code(page.context, address, "Code de vérification")
    page.get_by_label("Code reçu par courriel").fill(code)
    page.get_by_role("button", name="Valider le code", exact=True).click()
    expect_(h1(page)).to_have_text("Mon compte")
    audit("account: overview with a backup address")
    page.goto("/compte/adresse-de-secours")
    audit("backup address: change or remove")
    page.context.clear_cookies()
    page.goto("/mot-de-passe/secours")
    audit("backup reset: identity")
    page.get_by_role("button", name="Recevoir un code", exact=True).click()
    expect_(page.locator(".error-summary li")).to_have_count(2)
    audit("backup reset: nothing typed")
    page.get_by_label("Votre identifiant").fill(person.identifiant)
    fill_birth_date(page, person)
    page.get_by_role("button", name="Recevoir un code", exact=True).click()
    expect_(h1(page)).to_have_text("Saisir le code reçu")
    audit("backup reset: code screen")
    page.get_by_label("Code reçu par courriel").fill("ZZZZZZ")
    page.get_by_role("button", name="Valider le code", exact=True).click()
    expect_(page.locator("#code-error")).to_be_visible()
    audit("backup reset: wrong code")
    page.get_by_role("button", name="Renvoyer le code", exact=True).evaluate("b => b.disabled = false")
    page.get_by_role("button", name="Renvoyer le code", exact=True).click()
    expect_(page.locator("#code-error")).to_contain_text("Attendez encore")
    audit("backup reset: resend too early")
    audit.assert_clean()


def test_mailbox_pages_states(phone, demo_people):
    """Tester ma connexion and Message d'absence (issue 7): the states reached without a
    mail server (the password refused before any connection, the form's errors, the preview)."""
    page, person, expect_ = phone, demo_people["ifournier"], expect()
    password = "Sept hiboux lisent sous la lune"
    activate(page, person, password)
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(person.identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(h1(page)).to_have_text("Mon compte")
    audit = Audit(page)
    page.get_by_role("link", name="Tester ma connexion").click()
    expect_(h1(page)).to_have_text("Tester ma connexion")
    audit("mailbox test: form")
    page.get_by_label("Votre mot de passe").fill("Pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Tester ma connexion", exact=True).click()
    expect_(page.locator("#password-error")).to_contain_text("Ce n'est pas votre mot de passe")
    audit("mailbox test: wrong password")
    page.goto("/compte/absence")
    expect_(h1(page)).to_have_text("Message d'absence")
    audit("absence: form")
    page.get_by_role("button", name="Voir l'aperçu", exact=True).click()
    expect_(page.locator(".error-summary")).to_be_visible()
    audit("absence: nothing typed")
    page.get_by_label("Dernier jour d'absence").fill("2099-01-01")
    page.get_by_label("Objet de la réponse").fill("Absente jusqu'au 25 août")
    page.get_by_label("Message pour vos collègues").fill("Bonjour,\nje reviens le 25 août.\n.\nInès")
    page.get_by_role("button", name="Voir l'aperçu", exact=True).click()
    expect_(page.locator("#fin-error")).to_contain_text("au plus un an")
    audit("absence: end too far")
    page.get_by_label("Dernier jour d'absence").fill(page.get_by_label("Premier jour d'absence").input_value())
    page.get_by_role("button", name="Voir l'aperçu", exact=True).click()
    expect_(page.locator(".absence-preview")).to_contain_text("je reviens le 25 août")
    audit("absence: preview")
    page.get_by_label("Votre mot de passe").last.fill("Pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Enregistrer et activer", exact=True).click()
    expect_(page.locator("#password-error")).to_contain_text("Ce n'est pas votre mot de passe")
    audit("absence: wrong password")
    audit.assert_clean()


def test_staff_area_states(tablet, demo_people):
    """The help desk (slambert, assistance on the whole académie) and the gestionnaire
    (mperrin, Collège des Calanques) at work on a tablet."""
    page, expect_ = tablet, expect()
    page.set_viewport_size(TABLET)
    audit = Audit(page)
    sign_in_staff(page, demo_people["slambert"])
    page.get_by_role("link", name="Gestion", exact=True).click()
    expect_(h1(page)).to_have_text("Gestion")
    audit("gestion: home (assistance)")
    page.get_by_role("link", name=re.compile("chercher un compte")).click()
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect_(page.locator(".error-summary")).to_be_visible()
    audit("gestion: search, nothing typed")
    page.get_by_label("Identifiant, nom, adresse ou établissement").fill("ndiaye")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    page.get_by_role("link", name="Aminata N'Diaye").click()
    expect_(h1(page)).to_have_text("Aminata N'Diaye")
    audit("gestion: account page")
    page.get_by_role("button", name="Vérifier", exact=True).click()
    expect_(page.locator(".error-summary")).to_be_visible()
    audit("gestion: caller check, nothing typed")
    group = page.get_by_role("group", name="Date de naissance dite par la personne")
    group.get_by_label("Jour").fill("1")
    group.get_by_label("Mois").fill("1")
    group.get_by_label("Année").fill("1990")
    page.get_by_label("NUMEN dit par la personne").fill("13E22DEMO9999")
    page.get_by_role("button", name="Vérifier", exact=True).click()
    expect_(page.locator("#caller-result")).to_contain_text("Ne correspond pas")
    audit("gestion: caller check, no match")
    page.get_by_role("button", name="Préparer une fiche pour le chef d'établissement").click()
    expect_(page.locator("#slip-code")).to_have_text(re.compile("^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    audit("gestion: printed slip")
    page.goto("/gestion/recherche?q=ndiaye")
    page.get_by_role("link", name="Aminata N'Diaye").click()
    page.get_by_role("link", name="Voir tout le journal du compte").click()
    expect_(h1(page)).to_contain_text("Journal du compte")
    audit("gestion: audit trail")
    page.goto("/gestion/activation")
    expect_(h1(page)).to_have_text("Accès refusé")
    audit("gestion: refused (no gestionnaire role)")
    audit.assert_clean()


def test_gestionnaire_states(tablet, demo_people):
    page, expect_ = tablet, expect()
    page.set_viewport_size(TABLET)
    audit = Audit(page)
    sign_in_staff(page, demo_people["mperrin"])
    page.goto("/gestion/activation")
    expect_(h1(page)).to_have_text("Suivi des activations")
    audit("gestion: activation dashboard")
    page.get_by_role("link", name="Collège des Calanques (fictif)", exact=True).click()
    expect_(page.get_by_role("heading", name="Lettres d'activation")).to_be_visible()
    audit("gestion: établissement")
    page.goto("/gestion/import")
    page.get_by_role("button", name="Voir l'aperçu", exact=True).click()
    expect_(page.locator(".error-summary")).to_be_visible()
    audit("gestion: import, no file")
    page.get_by_label("Fichier CSV du personnel").set_input_files(
        files=[
            {
                "name": "agents.csv",
                "mimeType": "text/csv",
                "buffer": "nom;prenom;date_naissance;numen;categorie;uai;etablissement\n"
                "Blanc;Paul;31/02/1980;13E24DEMO0100;aesh;0130999A;Collège des Calanques (fictif)\n".encode(),
            }
        ]
    )
    page.get_by_role("button", name="Voir l'aperçu", exact=True).click()
    expect_(page.locator(".panel-warning")).to_contain_text("Ligne 2")
    audit("gestion: import, a bad row")
    page.get_by_label("Fichier CSV du personnel").set_input_files(
        files=[
            {
                "name": "agents.csv",
                "mimeType": "text/csv",
                "buffer": "nom;prenom;date_naissance;numen;categorie;uai;etablissement\n"
                "Blanc;Paul;14/02/1980;13E24DEMO0100;aesh;0130999A;Collège des Calanques (fictif)\n".encode(),
            }
        ]
    )
    page.get_by_label("Ce fichier est la liste complète du personnel").check()
    page.get_by_role("button", name="Voir l'aperçu", exact=True).click()
    expect_(h1(page)).to_have_text("Vérifiez l'import avant de l'appliquer")
    expect_(page.get_by_role("heading", name="Nouvelles personnes : 1")).to_be_visible()
    audit("gestion: import preview")
    page.goto("/gestion/recherche")
    expect_(h1(page)).to_have_text("Accès refusé")
    audit.assert_clean()
