"""The activation paths walked as a new user does on a phone, counting screens and taps.

Used by tests/test_browser_activation_paths.py (every screen fits 320 px, the NUMEN
path stays within 4 screens) and by bench/journeys.py (the figures in the README).

- A *screen* is a page the person sees, from the home page (or the page the letter's
  QR code opens) to the confirmation that the password is saved, both included. Forms
  may be sent by htmx (no page load), so the walk records each screen it waits for.
- A *tap* is a touch on a link, a button or a field; a field that already has the
  focus (the page put it there, or the previous field moved it on) needs none.
- Characters typed are counted apart: a NUMEN is 13 of them whatever the path.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

NARROW = {"width": 320, "height": 640}


@dataclass
class Walk:
    """A page being walked, with its counts and what each screen looked like."""

    page: object
    taps: int = 0
    typed: int = 0
    titles: list[str] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)  # screens wider than the viewport

    @property
    def screens(self) -> int:
        return len(self.titles)

    def seen(self) -> None:
        """Record the screen now shown: its title, and whether it scrolls sideways."""
        title = self.page.title()
        self.titles.append(title)
        wider = self.page.evaluate("document.documentElement.scrollWidth") - self.page.viewport_size["width"]
        if wider > 0:
            self.overflow.append(f"{title} ({self.page.url}): {wider} px too wide")

    def tap(self, locator) -> None:
        self.taps += 1
        locator.click()

    def type(self, locator, text: str) -> None:
        focused = locator.evaluate("el => el === document.activeElement")
        if not focused:
            self.taps += 1
            locator.click()
        locator.press_sequentially(text) if len(text) < 40 else locator.fill(text)
        self.typed += len(text)

    def wait_for(self, heading: str | re.Pattern) -> None:
        self.page.get_by_role("heading", level=1, name=heading).wait_for()
        self.page.wait_for_load_state("load")
        self.seen()


@dataclass(frozen=True)
class Newcomer:
    """What a new member of staff has in hand."""

    identifiant: str
    email: str
    day: str
    month: str
    year: str
    numen: str


def _birth_date(walk: Walk, person: Newcomer) -> None:
    group = walk.page.get_by_role("group", name="Votre date de naissance")
    walk.type(group.get_by_label("Jour"), person.day)
    walk.type(group.get_by_label("Mois"), person.month)
    walk.type(group.get_by_label("Année"), person.year)


def _choose(walk: Walk, password: str) -> None:
    walk.wait_for("Choisissez votre mot de passe")
    walk.type(walk.page.get_by_label("Nouveau mot de passe", exact=True), password)
    walk.type(walk.page.get_by_label("Confirmez le mot de passe", exact=True), password)
    walk.tap(walk.page.get_by_role("button", name="Enregistrer mon mot de passe", exact=True))
    walk.wait_for(re.compile("mot de passe est enregistré"))


def _start(walk: Walk, choice: str) -> None:
    walk.page.goto("/")
    walk.wait_for("Votre messagerie académique, pas à pas")
    walk.tap(walk.page.get_by_role("link", name=re.compile(choice)))


def numen_first(walk: Walk, person: Newcomer, password: str) -> None:
    """Home → birth date + NUMEN → the identifiant shown above the password → saved."""
    _start(walk, "^Première connexion ou mot de passe oublié")
    walk.wait_for("Première connexion ou mot de passe oublié")
    _birth_date(walk, person)
    walk.type(walk.page.get_by_label("Votre NUMEN"), person.numen)
    walk.tap(walk.page.get_by_role("button", name="Continuer", exact=True))
    _choose(walk, password)


def identifiant_first(walk: Walk, person: Newcomer, password: str) -> None:
    """For people who know their identifiant: identifiant → birth date + NUMEN → password."""
    _start(walk, "^Première connexion ou mot de passe oublié")
    walk.wait_for("Première connexion ou mot de passe oublié")
    walk.tap(walk.page.get_by_role("link", name="Je connais mon identifiant"))
    walk.page.get_by_label("Votre identifiant").wait_for()
    walk.page.wait_for_load_state("load")
    walk.seen()
    walk.type(walk.page.get_by_label("Votre identifiant"), person.identifiant)
    walk.tap(walk.page.get_by_role("button", name="Continuer", exact=True))
    walk.page.get_by_label("Votre NUMEN").wait_for()
    walk.seen()
    _birth_date(walk, person)
    walk.type(walk.page.get_by_label("Votre NUMEN"), person.numen)
    walk.tap(walk.page.get_by_role("button", name="Continuer", exact=True))
    _choose(walk, password)


def address_first(walk: Walk, person: Newcomer, password: str) -> None:
    """Retrouver mon identifiant with the address HR gave: address → birth date + NUMEN →
    the identifiant shown → the password, in the same grant."""
    _start(walk, "^Retrouver mon identifiant")
    walk.wait_for("Retrouver mon identifiant")
    walk.type(walk.page.get_by_label("Votre adresse académique"), person.email)
    walk.tap(walk.page.get_by_role("button", name="Continuer", exact=True))
    walk.page.get_by_label("Votre NUMEN").wait_for()
    walk.page.wait_for_load_state("load")
    walk.seen()
    _birth_date(walk, person)
    walk.type(walk.page.get_by_label("Votre NUMEN"), person.numen)
    walk.tap(walk.page.get_by_role("button", name="Afficher mon identifiant", exact=True))
    walk.page.get_by_role("link", name="Choisir mon mot de passe").wait_for()
    walk.page.wait_for_load_state("load")
    walk.seen()
    walk.tap(walk.page.get_by_role("link", name="Choisir mon mot de passe"))
    _choose(walk, password)


def letter_typed(walk: Walk, person: Newcomer, code: str, password: str) -> None:
    """The activation letter, its code typed: identifiant + code → password."""
    _start(walk, "^J'ai une lettre avec un code")
    walk.page.get_by_label("Votre code").wait_for()
    walk.seen()
    walk.type(walk.page.get_by_label("Votre identifiant"), person.identifiant)
    walk.type(walk.page.get_by_label("Votre code"), code)
    walk.tap(walk.page.get_by_role("button", name="Continuer", exact=True))
    _choose(walk, password)


def letter_scanned(walk: Walk, qr_url: str, password: str) -> None:
    """The activation letter's QR code, scanned by the camera: the form comes filled."""
    walk.page.goto(qr_url)
    walk.page.get_by_label("Votre code").wait_for()
    walk.seen()
    walk.tap(walk.page.get_by_role("button", name="Continuer", exact=True))
    _choose(walk, password)


PATHS: dict[str, Callable] = {
    "NUMEN + date de naissance": numen_first,
    "identifiant, puis NUMEN + date de naissance": identifiant_first,
    "adresse académique, puis NUMEN + date de naissance": address_first,
}


# --- a server with newcomers of its own -----------------------------------------------

NEWCOMERS = {
    # One person per path, invented here (NUMENs with WALK): none is in the demo list.
    "numen": ("Rivière", "Océane", "14/02/1996", "13E24WALK0001"),
    "identifiant": ("Rivière", "Océane", "03/09/1989", "13E24WALK0002"),  # a namesake: the second Océane Rivière
    "adresse": ("Benhamou-Lefort", "Marie-Claire", "21/06/1979", "13E24WALK0003"),
    "lettre": ("Tran", "Kim Anh", "30/11/2001", "13E24WALK0004"),
    "qr": ("Da Silva Ferreira", "João", "07/07/1984", "13E24WALK0005"),
}


@contextlib.contextmanager
def newcomers_server(folder: Path) -> Iterator[tuple[object, dict[str, Newcomer], dict[str, str]]]:
    """A demo server of its own, the newcomers imported with `sesame import` as HR
    would, and an activation letter printed with `sesame letters` for the two letter
    paths. Yields (server, newcomers by path, letter QR address by path)."""
    from support.browser import DEMO_ACADEMIE, ROOT, serve_demo

    db, key = folder / "walk.db", secrets.token_urlsafe(48)
    with serve_demo(folder, db, SESAME_SECRET_KEY=key) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
        env.update(
            SESAME_DB=str(db),
            SESAME_SECRET_KEY=key,
            SESAME_ACADEMIE=DEMO_ACADEMIE,
            SESAME_PUBLIC_URL=server.url,
            PYTHONPATH=str(ROOT),
        )
        csv = folder / "agents.csv"
        rows = [
            f"{nom};{prenom};{born};{numen};aesh;0130999A;Collège Test"
            for nom, prenom, born, numen in NEWCOMERS.values()
        ]
        csv.write_text("\n".join(["nom;prenom;date_naissance;numen;categorie;uai;etablissement", *rows]) + "\n")
        _run([sys.executable, "-m", "pwa", "import", "--oui", str(csv)], env, folder)
        people = {}
        for path, (_, _, born, numen) in NEWCOMERS.items():
            account = _account(db, key, numen)
            day, month, year = born.split("/")
            people[path] = Newcomer(
                account["identifiant"], account["email"], day.lstrip("0"), month.lstrip("0"), year, numen
            )
        letters = {}
        for path in ("lettre", "qr"):
            pdf = folder / f"{path}.pdf"
            _run(
                [sys.executable, "-m", "pwa", "letters", "--identifiant", people[path].identifiant, str(pdf)],
                env,
                folder,
            )
            letters[path] = _qr(pdf)
        yield server, people, letters


def _run(command: list[str], env: dict[str, str], folder: Path) -> None:
    done = subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _account(db: Path, key: str, numen: str) -> dict:
    """The identifiant and address Sésame gave, read back as HR's screen would show them."""
    from pwa.security.keys import Keys
    from pwa.services.identity import numen_index

    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            "select identifiant, email from accounts where numen_index = ?",
            (numen_index(Keys.from_secret(key), numen),),
        ).fetchone()
    return dict(row)


def _qr(pdf: Path) -> str:
    import pypdfium2

    image = pdf.with_suffix(".png")
    pypdfium2.PdfDocument(pdf.read_bytes())[0].render(scale=1.5).to_pil().save(image)
    return subprocess.run(
        ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, check=True
    ).stdout.strip()


PASSWORD = "Heron-Cendre-Sur-La-Digue-9"


def walk_every_path(new_page, people: dict[str, Newcomer], letters: dict[str, str]) -> dict[str, Walk]:
    """Each activation path by the person kept for it, on a fresh page from `new_page()`."""
    runs = {
        "NUMEN + date de naissance": lambda w: numen_first(w, people["numen"], PASSWORD),
        "identifiant, puis NUMEN + date de naissance": lambda w: identifiant_first(w, people["identifiant"], PASSWORD),
        "adresse académique, puis NUMEN + date de naissance": lambda w: address_first(w, people["adresse"], PASSWORD),
        "lettre d'activation, code tapé": lambda w: letter_typed(
            w, people["lettre"], letters["lettre"].split("#", 1)[1], PASSWORD
        ),
        "lettre d'activation, QR code": lambda w: letter_scanned(w, letters["qr"], PASSWORD),
    }
    walks = {}
    for name, run in runs.items():
        page = new_page()
        walk = Walk(page)
        run(walk)
        walks[name] = walk
    return walks
