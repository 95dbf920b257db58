"""The activation paths walked as a new user does on a phone, counting screens and taps.

Used by tests/test_browser_activation_paths.py (every screen fits 320 px, the NUMEN
path stays within 4 screens) and by bench/journeys.py (the figures in the README).

- A *screen* is a page the person sees: every load of the main frame, from the home
  page to the confirmation that the password is saved, both included.
- A *tap* is a touch on a link, a button or a field; a field that already has the
  focus (the page put it there, or the previous field moved it on) needs none.
- Characters typed are counted apart: a NUMEN is 13 of them whatever the path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

NARROW = {"width": 320, "height": 640}


@dataclass
class Walk:
    """A page being walked, with its counts and what each screen looked like."""

    page: object
    screens: int = 0
    taps: int = 0
    typed: int = 0
    titles: list[str] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)  # screens wider than the viewport

    def attach(self) -> None:
        self.page.on("load", lambda _: self._screen())

    def _screen(self) -> None:
        self.screens += 1

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
}
