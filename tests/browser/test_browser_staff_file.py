"""Issue 11 items 3 and 4 in a real Chromium at 360×740, with staff the test
generates and imports with `sesame import` (a server of its own): an academic
address the staff file gives is found on "Retrouver mon identifiant"; a person
HR knows by three first names who types only one gets her postal request
matched, and a request with a typo is shown to the gestionnaire, who attaches
it; a 60+ character name never makes a page scroll sideways at 320 px."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys

import pyotp
import pytest
from argon2 import PasswordHasher
from support.browser import (
    MOBILE,
    ROOT,
    axe,
    axe_report,
    fill_birth_date,
    horizontal_overflow,
    new_context,
    serve_demo,
)

from pwa.demo import DEMO_ROLES, DEMO_STAFF

DOMAIN = "ac-aix-marseille.fr"
COLLEGE = "0130999A;Collège des Calanques (fictif)"  # Marc Perrin's établissement in the demo
LONG_NAME = "Dupont-Montmorency de la Rochefoucauld-Saint-Exupéry Vasconcelos-Albuquerque"
HEADER = (
    "nom;prenom;prenoms;nom_naissance;date_naissance;numen;categorie;uai;etablissement;identifiant;adresse_academique"
)
STAFF = f"""{HEADER}
Benali;Nadia;;;12/03/1991;13E24BRWS0001;aesh;{COLLEGE};nbenali-rh;nadia.benali-rh@{DOMAIN}
Lefèvre;Marie;Marie Claire Odile;Rousseau;23/11/1988;13E24BRWS0002;aesh;{COLLEGE};;
{LONG_NAME};Marie-Claire-Odile;;;01/01/1980;13E24BRWS0003;aesh;{COLLEGE};;
"""
PASSWORD = "Sept-Cigales-Sous-Le-Platane"


class Person:
    def __init__(self, identifiant: str, day: str, month: str, year: str, numen: str) -> None:
        self.identifiant, self.day, self.month, self.year, self.numen = identifiant, day, month, year, numen


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory, chromium):
    """A demo server of its own, plus the generated staff imported with `sesame import`."""
    folder = tmp_path_factory.mktemp("staff-file")
    db = folder / "staff.db"
    with serve_demo(folder, db) as server:
        csv = folder / "agents.csv"
        csv.write_text(STAFF, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
        env.update(
            SESAME_DB=str(db),
            SESAME_SECRET_KEY=db.with_suffix(".key").read_text().strip(),
            SESAME_ACADEMIE="aix-marseille",
            PYTHONPATH=str(ROOT),
        )
        done = subprocess.run(
            [sys.executable, "-m", "pwa", "import", "--oui", str(csv)],
            env=env,
            capture_output=True,
            text=True,
            cwd=folder,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "3 personnes importées : 3 nouvelles" in done.stdout
        yield server


@pytest.fixture
def phone_page(chromium, staff_server):
    with new_context(chromium, staff_server, without_service_worker=True, **MOBILE) as context:
        yield context.new_page()


def h1(page):
    return page.get_by_role("heading", level=1)


def clean(page) -> None:
    violations = axe(page)
    assert violations == [], axe_report(violations)
    assert page.problems == [], "\n".join(page.problems)


def requests_in_db(server) -> list[sqlite3.Row]:
    with sqlite3.connect(server.folder / "staff.db") as db:
        db.row_factory = sqlite3.Row
        return db.execute(
            "select r.*, a.identifiant from letter_requests r left join accounts a on a.id = r.account_id order by r.id"
        ).fetchall()


def test_an_address_from_the_staff_file_is_found(phone_page):
    from playwright.sync_api import expect

    page = phone_page
    page.goto("/identifiant")
    page.get_by_label("Votre adresse académique").fill(f"nadia.benali-rh@{DOMAIN}")
    page.get_by_role("button", name="Continuer", exact=True).click()
    expect(h1(page)).to_have_text("Vérifions qu'il s'agit bien de vous")
    fill_birth_date(page, Person("", "12", "3", "1991", ""))
    page.get_by_label("Votre NUMEN").fill("13E24BRWS0001")
    page.get_by_role("button", name="Afficher mon identifiant", exact=True).click()
    expect(h1(page)).to_have_text("Votre identifiant")
    expect(page.locator("#identifiant-value")).to_have_text("nbenali-rh")
    clean(page)


def ask_letter(page, first: str, last: str) -> str:
    from playwright.sync_api import expect

    page.goto("/courrier")
    page.get_by_label("Votre prénom").fill(first)
    page.get_by_label("Votre nom").fill(last)
    fill_birth_date(page, Person("", "23", "11", "1988", ""))
    page.get_by_label("Votre établissement").fill("calanques")
    page.get_by_role("button", name="Demander la lettre").click()
    expect(h1(page)).to_have_text("Demande enregistrée")
    return page.locator("#reference").inner_text().strip()


def sign_in_gestionnaire(page) -> None:
    from playwright.sync_api import expect

    marc = next(p for p in DEMO_STAFF if p.numen == "13E00DEMO0022")
    key = next(r.totp_key for r in DEMO_ROLES if r.numen == marc.numen)
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill("mperrin")
    page.get_by_label("Mot de passe", exact=True).fill(marc.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(h1(page)).to_have_text("Confirmez que c'est bien vous")
    page.get_by_label("Code affiché par l'application").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Valider le code", exact=True).click()
    expect(h1(page)).to_have_text("Mon compte")


def test_a_three_first_name_request_is_matched_or_shown_to_staff(phone_page, staff_server):
    from playwright.sync_api import expect

    page = phone_page
    matched = ask_letter(page, "Claire", "Lefevre")  # her second first name only
    clean(page)
    typo = ask_letter(page, "Clair", "Rousseau")  # a typo, with her birth name
    rows = {r["reference"]: r for r in requests_in_db(staff_server)}
    assert (rows[matched]["status"], rows[matched]["identifiant"]) == ("queued", "mlefevre")
    assert (rows[typo]["status"], rows[typo]["account_id"]) == ("review", None)
    # Both read the same on the follow-up page.
    texts = []
    for reference in (matched, typo):
        page.goto(f"/courrier/suivi?reference={reference}")
        # The two requests were made a few seconds apart: their times may differ by a minute.
        text = page.locator("[role=status]").inner_text()
        texts.append(re.sub(r"le \d\d/\d\d/\d{4} à \d\d:\d\d", "le JJ/MM/AAAA à HH:MM", text))
    assert texts[0] == texts[1] and "en attente d'impression" in texts[0]

    # The gestionnaire of the collège sees the typo and attaches it, on a phone.
    page.context.clear_cookies()
    sign_in_gestionnaire(page)
    page.goto("/gestion/activation")
    page.get_by_role("link", name="Vérifier les demandes de courrier").click()
    expect(h1(page)).to_have_text("Demandes de courrier à vérifier")
    clean(page)
    page.get_by_role("link", name="Clair Rousseau").click()
    expect(h1(page)).to_have_text(f"Demande de courrier {typo}")
    page.get_by_label("Nom ou prénom").fill("odile")
    page.get_by_role("button", name="Chercher dans l'établissement").click()
    expect(page.get_by_role("heading", level=3)).to_have_text(re.compile("2 comptes trouvés"))
    clean(page)
    page.set_viewport_size({"width": 320, "height": 740})
    assert horizontal_overflow(page) == 0, "a 60+ character name makes the page scroll sideways"
    page.set_viewport_size({"width": 360, "height": 740})
    page.get_by_role("button", name="Rattacher à Marie Lefèvre").click()
    expect(h1(page)).to_have_text("Demandes de courrier à vérifier")
    expect(page.get_by_role("status")).to_contain_text("rattachée à Marie Lefèvre (mlefevre)")
    clean(page)
    rows = {r["reference"]: r for r in requests_in_db(staff_server)}
    assert (rows[typo]["status"], rows[typo]["identifiant"]) == ("queued", "mlefevre")


def test_a_very_long_name_fits_mon_compte_at_320_px(phone_page, staff_server):
    from playwright.sync_api import expect

    from pwa.names import base_identifiant

    page, server = phone_page, staff_server
    identifiant = base_identifiant("Marie-Claire-Odile", LONG_NAME)
    # The password is set straight in the database (argon2id, as Sésame writes it): the
    # journeys' own screens are other tests' business.
    with sqlite3.connect(server.folder / "staff.db") as db:
        db.execute(
            "update accounts set password_hash = ? where identifiant = ?",
            (PasswordHasher().hash(PASSWORD), identifiant),
        )
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(h1(page)).to_have_text("Mon compte")
    expect(page.get_by_text(identifiant, exact=True)).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 740})
    assert horizontal_overflow(page) == 0
    clean(page)
