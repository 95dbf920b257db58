"""Printing letters from the établissement page on an 800×1280 tablet, in a real
Chromium against a server of its own (its codes and requests change): a help-desk slip
issued after a postal request survives printing the requests; reprinting over a valid
letter shows who would lose a code and asks first; after every print the page reloads
in place and never offers to print the same letter again. axe-core clean throughout."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pypdfium2
import pytest
from support.browser import TABLET, axe, axe_report, choose_password, new_context, serve_demo
from support.browser_a11y import sign_in_staff

COLLEGE = "/gestion/etablissement?uai=0130999A"  # Collège des Calanques (fictif), mperrin's


def expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture(scope="module")
def server(tmp_path_factory, sesame_server):
    folder = tmp_path_factory.mktemp("sesame-print")
    with serve_demo(folder, folder / "sesame-demo.db") as own:
        yield own


@pytest.fixture(scope="module")
def gestionnaire(chromium, server, demo_people):
    """mperrin, gestionnaire of the Collège, signed in once (an OTP step is accepted once)."""
    with new_context(chromium, server, accept_downloads=True, **TABLET) as context:
        page = context.new_page()
        sign_in_staff(page, demo_people["mperrin"])
        yield page


def qr_code(pdf: Path, tmp_path: Path) -> str:
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (Debian zbar-tools) is not installed")
    image = tmp_path / "page.png"
    pypdfium2.PdfDocument(pdf)[0].render(scale=1.5).to_pil().save(image)
    out = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, check=True)
    return out.stdout.strip().split("#", 1)[1]


def assert_clean(page) -> None:
    assert axe(page) == [], axe_report(axe(page))
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def waiting_row(page, name: str):
    return page.locator("ul.letters-list li").filter(has_text=name)


def test_reprint_over_a_valid_letter_asks_who_then_the_page_refreshes(gestionnaire, chromium, server, tmp_path):
    page, expect_ = gestionnaire, expect()
    page.goto(COLLEGE)
    batch = page.get_by_role("button", name=re.compile("^Imprimer les lettres des personnes pas encore activées"))
    before = int(re.search(r"\((\d+)\)", batch.inner_text()).group(1))

    # A first letter for Hugo Moreau: the PDF downloads, the page reloads in place.
    with page.expect_download() as first:
        page.get_by_role("button", name="Imprimer sa lettre (Hugo Moreau)", exact=True).click()
    first_pdf = tmp_path / "premiere.pdf"
    first.value.save_as(first_pdf)
    expect_(page.locator("#print-result")).to_contain_text("1 lettre imprimée :")
    expect_(waiting_row(page, "Moreau Hugo")).to_contain_text("lettre imprimée le")
    expect_(page.get_by_role("button", name="Imprimer sa lettre (Hugo Moreau)", exact=True)).to_have_count(0)
    expect_(batch).to_contain_text(f"({before - 1})")
    assert_clean(page)

    # A reprint would void that letter: the agent sees who, and nothing is printed yet.
    page.get_by_role("button", name="Réimprimer sa lettre (Hugo Moreau)", exact=True).click()
    panel = page.locator("#print-confirmation")
    expect_(panel.get_by_role("heading", name="Confirmez l'impression")).to_be_visible()
    expect_(panel.locator("#codes-to-void")).to_contain_text("Hugo Moreau (hmoreau) : lettre imprimée le")
    expect_(panel).to_be_focused()
    assert_clean(page)
    old_code = qr_code(first_pdf, tmp_path)

    with page.expect_download() as second:
        panel.get_by_role("button", name="Imprimer et annuler son ancien code").click()
    second_pdf = tmp_path / "seconde.pdf"
    second.value.save_as(second_pdf)
    expect_(page.locator("#print-confirmation")).to_have_count(0)
    expect_(page.locator("#print-result")).to_contain_text("Les anciens codes de Hugo Moreau ne marchent plus.")
    expect_(page.locator("#print-result")).to_be_focused()
    expect_(waiting_row(page, "Moreau Hugo")).to_contain_text("Réimprimer sa lettre")
    assert_clean(page)
    assert qr_code(second_pdf, tmp_path) != old_code

    # "Ne pas imprimer" leaves everything as it was.
    page.get_by_role("button", name="Réimprimer sa lettre (Hugo Moreau)", exact=True).click()
    page.locator("#print-confirmation").get_by_role("link", name="Ne pas imprimer").click()
    expect_(page.locator("#print-confirmation")).to_have_count(0)
    assert page.problems == []

    # The old letter's code no longer opens the account.
    with new_context(chromium, server, **TABLET) as other:
        hugo = other.new_page()
        hugo.goto("/activation?identifiant=hmoreau")
        hugo.get_by_label("Votre code").fill(old_code)
        hugo.get_by_role("button", name="Continuer", exact=True).click()
        expect_(hugo.locator(".error-summary")).to_be_visible()


def test_a_slip_issued_after_a_postal_request_survives_printing_the_requests(
    gestionnaire, chromium, server, demo_people
):
    expect_ = expect()
    with new_context(chromium, server, **TABLET) as anonymous:
        person = anonymous.new_page()
        person.goto("/courrier")
        person.get_by_label("Votre prénom").fill("Manon")
        person.get_by_label("Votre nom").fill("Bonnet")
        group = person.get_by_role("group", name="Votre date de naissance")
        group.get_by_label("Jour").fill("9")
        group.get_by_label("Mois").fill("1")
        group.get_by_label("Année").fill("1992")
        person.get_by_label("Votre établissement").fill("calanques")
        person.get_by_role("button", name="Demander la lettre").click()
        expect_(person.get_by_role("heading", level=1, name="Demande enregistrée")).to_be_visible()
        reference = person.locator("#reference").inner_text()

    # Then Manon phones the help desk, which prepares a slip for her.
    with new_context(chromium, server, **TABLET) as desk:
        agent = desk.new_page()
        sign_in_staff(agent, demo_people["slambert"])
        agent.goto("/gestion/recherche?q=bonnet")
        agent.get_by_role("link", name="Manon Bonnet").click()
        agent.get_by_role("button", name="Préparer une fiche pour le chef d'établissement").click()
        slip = agent.locator("#slip-code").inner_text()

    page = gestionnaire
    page.goto(COLLEGE)
    served = page.locator("#served-requests")
    expect_(served).to_contain_text("Bonnet Manon — mbonnet — fiche de l'assistance remise le")
    assert_clean(page)
    page.get_by_role("button", name="Clore les demandes par courrier déjà servies (1)").click()
    result = page.locator("#print-result")
    expect_(result).to_contain_text("Aucune lettre imprimée")
    expect_(result).to_contain_text("Manon Bonnet (mbonnet) : fiche de l'assistance remise le")
    expect_(page.locator("#served-requests")).to_have_count(0)
    expect_(page.get_by_role("button", name=re.compile("demandes par courrier"))).to_have_count(0)
    assert_clean(page)
    assert page.problems == []

    with new_context(chromium, server, **TABLET) as own:
        manon = own.new_page()
        manon.goto(f"/courrier/suivi?reference={reference}")
        expect_(manon.get_by_role("status")).to_contain_text("un code plus récent vous a déjà été remis")
        manon.goto("/activation?identifiant=mbonnet")
        manon.get_by_label("Votre code").fill(slip)
        manon.get_by_role("button", name="Continuer", exact=True).click()
        choose_password(manon, "Six-Galets-Blancs-Sur-La-Plage")
