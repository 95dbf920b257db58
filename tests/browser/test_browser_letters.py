"""An activation letter as people use it, in a real Chromium at 360×740:
the QR code printed by `sesame letters` opens /activation with the code
already filled, the code leads to choosing the password, and the code never
reaches the server's log (browsers never send what follows `#`)."""

from __future__ import annotations

import os
import subprocess
import sys

import pypdfium2
from support.browser import ROOT, axe, axe_report, choose_password

PASSWORD = "Olivier-Mistral-Sous-Le-Pont-7"


def print_letter(server, identifiant: str, tmp_path) -> bytes:
    db = server.folder / "sesame-demo.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    env.update(
        SESAME_DB=str(db),
        SESAME_SECRET_KEY=db.with_suffix(".key").read_text().strip(),
        SESAME_ACADEMIE="aix-marseille",
        SESAME_PUBLIC_URL=server.url,
        PYTHONPATH=str(ROOT),
    )
    out = tmp_path / "lettres.pdf"
    subprocess.run(
        [sys.executable, "-m", "pwa", "letters", "--identifiant", identifiant, str(out)],
        env=env,
        check=True,
        capture_output=True,
        cwd=server.folder,
    )
    return out.read_bytes()


def read_qr(pdf: bytes, tmp_path) -> str:
    image = tmp_path / "page.png"
    pypdfium2.PdfDocument(pdf)[0].render(scale=1.5).to_pil().save(image)
    return subprocess.run(
        ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_letter_qr_code_opens_the_page_with_the_code_and_it_works(phone, sesame_server, tmp_path):
    pdf = print_letter(sesame_server, "jdupont2", tmp_path)
    url = read_qr(pdf, tmp_path)
    code = url.split("#", 1)[1]
    assert url.startswith(f"{sesame_server.url}/activation?identifiant=jdupont2#")

    phone.goto(url)
    assert phone.get_by_label("Votre identifiant").input_value() == "jdupont2"
    assert phone.get_by_label("Votre code").input_value() == code
    assert "#" not in phone.url  # the code left the address bar and the history
    assert axe(phone) == [], axe_report(axe(phone))
    phone.get_by_role("button", name="Continuer", exact=True).click()

    choose_password(phone, PASSWORD)

    # The server logs at info level (no access lines: URLs may carry an
    # identifiant); the code appears nowhere in what it wrote.
    log = sesame_server.log_text()
    assert "Démonstration" in log
    for form in (code, code.replace("-", ""), code.lower()):
        assert form not in log


def test_postal_letter_request_at_phone_size(phone, sesame_server):
    phone.goto("/courrier")
    assert axe(phone) == [], axe_report(axe(phone))
    phone.get_by_label("Votre prénom").fill("Inès")
    phone.get_by_label("Votre nom").fill("Fournier")
    group = phone.get_by_role("group", name="Votre date de naissance")
    group.get_by_label("Jour").fill("15")
    group.get_by_label("Mois").fill("3")
    group.get_by_label("Année").fill("2000")
    phone.get_by_label("Votre établissement").fill("oliviers")
    phone.get_by_role("button", name="Demander la lettre").click()
    phone.get_by_role("heading", level=1, name="Demande enregistrée").wait_for()
    assert axe(phone) == [], axe_report(axe(phone))
    reference = phone.locator("#reference").inner_text()
    phone.get_by_role("link", name="Suivre ma demande").click()
    phone.get_by_text("en attente d'impression").wait_for()
    assert phone.get_by_label("Référence de la demande").input_value() == reference
    assert axe(phone) == [], axe_report(axe(phone))
