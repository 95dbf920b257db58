"""Issue 11 in a real Chromium on a phone (360×740), with staff this module imports
itself (namesakes, a 60+ character name) into a demo server of its own:
NUMEN + birth date → password chosen in at most 4 screens; the second Jean Bernard
typing the base identifiant is told about the digit and reaches his account by the
NUMEN route; reloading step 2 keeps it; no horizontal scroll at 320 px; axe clean."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support.browser import (  # noqa: E402
    DEMO_ACADEMIE,
    MOBILE,
    ROOT,
    axe,
    axe_report,
    choose_password,
    new_context,
    serve_demo,
)

GOOD = "Girafe-Orange-Sous-La-Pluie"
NARROW = {"width": 320, "height": 640}


@dataclass(frozen=True)
class Staff:
    nom: str
    prenom: str
    day: str
    month: str
    year: str
    numen: str


# Invented people (NUMENs with TEST); none shares a name with the demo staff.
FIRST = Staff("Bernard", "Jean", "12", "4", "1987", "13E24TEST0101")
SECOND = Staff("Bernard", "Jean", "3", "11", "1991", "13E24TEST0102")  # namesake: jbernard1
LONG = Staff(
    "de la Fontaine-Saint-Exupéry-Montmorency-Beauharnais",
    "Jean-Christophe-Marie",
    "29",
    "2",
    "1988",
    "13E24TEST0103",
)
STAFF = (FIRST, SECOND, LONG)


@pytest.fixture(scope="module")
def server():
    """A demo server, then a staff file imported with `sesame import` as HR would."""
    folder = Path(tempfile.mkdtemp(prefix="sesame-numen-", dir="/tmp"))
    db, key = folder / "numen.db", secrets.token_urlsafe(48)
    with serve_demo(folder, db, SESAME_SECRET_KEY=key) as running:
        csv = folder / "agents.csv"
        rows = [f"{p.nom};{p.prenom};{p.day}/{p.month}/{p.year};{p.numen};aesh;0130999A;Collège Test" for p in STAFF]
        header = "nom;prenom;date_naissance;numen;categorie;uai;etablissement"
        csv.write_text("\n".join([header, *rows]) + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
        env.update(SESAME_DB=str(db), SESAME_SECRET_KEY=key, SESAME_ACADEMIE=DEMO_ACADEMIE, PYTHONPATH=str(ROOT))
        done = subprocess.run(
            [sys.executable, "-m", "pwa", "import", "--oui", str(csv)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        yield running


@pytest.fixture
def phone(chromium, server):
    with new_context(chromium, server, without_service_worker=True, **MOBILE) as context:
        yield context.new_page()


def clean(page, label: str) -> None:
    """axe-core clean, no script error, and no horizontal scroll at 360 and 320 px."""
    violations = axe(page)
    assert not violations, f"axe, {label}:\n{axe_report(violations)}"
    assert not page.problems, page.problems
    for size in (NARROW, MOBILE["viewport"]):
        page.set_viewport_size(size)
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{label}: {wide} px of horizontal scroll at {size['width']} px"


def h1(page) -> str:
    return page.get_by_role("heading", level=1).first.text_content().strip()


def fill_identity(page, person: Staff) -> None:
    group = page.get_by_role("group", name="Votre date de naissance")
    group.get_by_label("Jour").fill(person.day)
    group.get_by_label("Mois").fill(person.month)
    group.get_by_label("Année").fill(person.year)
    page.get_by_label("Votre NUMEN").fill(person.numen)


def test_numen_and_birth_date_to_a_password_in_four_screens(phone):
    page = phone
    screens: list[str] = []

    def screen(title: str) -> None:
        page.get_by_role("heading", level=1, name=title).wait_for()
        screens.append(urlsplit(page.url).path)
        clean(page, title)

    page.goto("/")
    screen("Votre messagerie académique, pas à pas")
    page.get_by_role("link", name="Première connexion ou mot de passe oublié").click()
    screen("Première connexion ou mot de passe oublié")
    fill_identity(page, LONG)
    page.get_by_role("button", name="Continuer", exact=True).click()
    screen("Choisissez votre mot de passe")
    identifiant = page.locator("#identity-identifiant").text_content().strip()
    address = page.locator("#identity-email").text_content().strip()
    assert identifiant.startswith("jdelafontainesaintexupery") and len(identifiant) > 40
    assert address.startswith("jean-christophe-marie.") and address.endswith("@ac-aix-marseille.fr")
    page.get_by_role("button", name="Copier l'identifiant").wait_for()  # shown where the clipboard works
    page.reload()  # reload keeps the page (a GET under the grant) and what it shows
    page.get_by_role("heading", level=1, name="Choisissez votre mot de passe").wait_for()
    assert page.locator("#identity-identifiant").text_content().strip() == identifiant
    choose_password(page, GOOD)
    screen("C'est fait : votre mot de passe est enregistré")
    assert len(screens) <= 4, screens
    assert screens == ["/", "/mot-de-passe/numen", "/mot-de-passe/nouveau", "/mot-de-passe/termine"]
    # The identifiant shown opens the account.
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(GOOD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.get_by_role("heading", level=1, name="Mon compte").wait_for()


def test_namesake_typing_the_base_identifiant_reaches_his_account(phone):
    page = phone
    page.goto("/mot-de-passe")
    clean(page, "identifiant")
    page.get_by_label("Votre identifiant").fill("jbernard")
    page.get_by_role("button", name="Continuer", exact=True).click()
    page.get_by_role("heading", level=1, name="Vérifions qu'il s'agit bien de vous").wait_for()
    assert page.url.endswith("/mot-de-passe/verification?identifiant=jbernard")
    # Reload and Back never lose step 2 (post/redirect/get).
    page.reload()
    page.get_by_role("heading", level=1, name="Vérifions qu'il s'agit bien de vous").wait_for()
    assert "jbernard" in page.locator("main").text_content()
    page.go_back()
    page.get_by_role("heading", level=1, name="Choisir mon mot de passe").wait_for()
    page.go_forward()
    page.get_by_role("heading", level=1, name="Vérifions qu'il s'agit bien de vous").wait_for()
    clean(page, "step 2")
    fill_identity(page, SECOND)
    page.get_by_role("button", name="Continuer", exact=True).click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "par exemple jbernard1" in summary.text_content()
    clean(page, "namesake hint")
    page.get_by_role("link", name="Continuer avec mon NUMEN seulement").click()
    page.get_by_role("heading", level=1, name="Première connexion ou mot de passe oublié").wait_for()
    fill_identity(page, SECOND)
    page.get_by_role("button", name="Continuer", exact=True).click()
    page.get_by_role("heading", level=1, name="Choisissez votre mot de passe").wait_for()
    assert page.locator("#identity-identifiant").text_content().strip() == "jbernard1"


def test_retrieving_a_long_identifiant_by_numen_or_by_address(phone):
    page = phone
    page.goto("/identifiant")
    clean(page, "identifiant, step 1")
    page.get_by_role("link", name="Retrouver mon identifiant avec mon NUMEN").click()
    page.get_by_role("heading", level=1, name="Première connexion ou mot de passe oublié").wait_for()
    fill_identity(page, LONG)
    page.get_by_role("button", name="Continuer", exact=True).click()
    page.get_by_role("heading", level=1, name="Choisissez votre mot de passe").wait_for()
    identifiant = page.locator("#identity-identifiant").text_content().strip()
    address = page.locator("#identity-email").text_content().strip()
    assert len(address) > 64
    clean(page, "identity shown, long name")
    # The address path, with the address just shown: step 2 survives a reload.
    page.goto("/identifiant")
    page.get_by_label("Votre adresse académique").fill(address)
    page.get_by_role("button", name="Continuer", exact=True).click()
    page.get_by_role("heading", level=1, name="Vérifions qu'il s'agit bien de vous").wait_for()
    page.reload()
    page.get_by_role("heading", level=1, name="Vérifions qu'il s'agit bien de vous").wait_for()
    assert page.locator("input[name=email]").input_value() == address
    clean(page, "identifiant, step 2")
    fill_identity(page, LONG)
    page.get_by_role("button", name="Afficher mon identifiant", exact=True).click()
    page.get_by_role("heading", level=1, name="Votre identifiant").wait_for()
    page.reload()
    page.get_by_role("heading", level=1, name="Votre identifiant").wait_for()
    assert page.locator("#identifiant-value").text_content().strip() == identifiant
    clean(page, "identifiant found")
    page.get_by_role("link", name="Choisir mon mot de passe").click()  # no NUMEN typed again
    page.get_by_role("heading", level=1, name="Choisissez votre mot de passe").wait_for()
