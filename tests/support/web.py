"""What many tests share: the test people, settings, the HTML page parser (Page, get, submit), the
clock, the SMTP sink."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from pwa.security.passwords import PasswordHashing
from pwa.settings import Settings

SECRET = "test-secret-key-that-is-long-enough-0123456789"


STAFF_CSV = """nom;prenom;date_naissance;numen;categorie;uai;etablissement
Dupont;Jean;14/07/1985;13E24TEST0001;aesh;0130999A;Collège Test
Dupont;Jeanne;02/03/1990;13E24TEST0002;aesh;0130999A;Collège Test
Martin;Léa;1996-09-05;13E23TEST0003;premier_degre;0130997C;École Test
"""


@dataclass(frozen=True)
class Person:
    identifiant: str
    email: str
    birth: dt.date
    numen: str


JEAN = Person("jdupont", "jean.dupont@ac-aix-marseille.fr", dt.date(1985, 7, 14), "13E24TEST0001")


JEANNE = Person("jdupont1", "jeanne.dupont@ac-aix-marseille.fr", dt.date(1990, 3, 2), "13E24TEST0002")


def fast_hashing() -> PasswordHashing:
    """Still argon2id (Dovecot reads it), with small costs so tests run quickly."""
    return PasswordHashing(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    base = Settings(
        db_path=tmp_path / "sesame.db",
        academie="aix-marseille",
        secret_key=SECRET,
        run_outbox_worker=False,
        smtp_tls="none",
    )
    return Settings(**{**base.__dict__, **overrides})


# The directory's entries for the people of STAFF_CSV (LDAP backend): the staff file
# then links each row to its entry by the identifiant it gives.
LDAP_PEOPLE = [
    ("jdupont", "jean.dupont@ac-aix-marseille.fr", "Jean", "Dupont", "0130999A"),
    ("jdupont1", "jeanne.dupont@ac-aix-marseille.fr", "Jeanne", "Dupont", "0130999A"),
    ("lmartin", "lea.martin@ac-aix-marseille.fr", "Léa", "Martin", "0130997C"),
]


LDAP_STAFF_CSV = """identifiant;nom;prenom;date_naissance;numen;categorie;uai;etablissement
jdupont;Dupont;Jean;14/07/1985;13E24TEST0001;aesh;0130999A;Collège Test
jdupont1;Dupont;Jeanne;02/03/1990;13E24TEST0002;aesh;0130999A;Collège Test
lmartin;Martin;Léa;1996-09-05;13E23TEST0003;premier_degre;0130997C;École Test
"""


class Clock:
    """A settable clock for the store (`sesame.store.clock`)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Page:
    """A response parsed as HTML."""

    def __init__(self, response) -> None:
        self.response = response
        self.status = response.status_code
        self.soup = BeautifulSoup(response.text, "html.parser")

    @property
    def h1(self) -> str:
        h1 = self.soup.find("h1")
        return h1.get_text(" ", strip=True) if h1 else ""

    @property
    def title(self) -> str:
        return self.soup.title.get_text(strip=True) if self.soup.title else ""

    @property
    def errors(self) -> list[str]:
        summary = self.soup.select_one(".error-summary")
        return [a.get_text(" ", strip=True) for a in summary.select("li a")] if summary else []

    def field_error(self, name: str) -> str | None:
        node = self.soup.find(id=f"{name}-error")
        return node.get_text(" ", strip=True).removeprefix("Erreur :").strip() if node else None

    def form(self, action: str) -> dict[str, str]:
        form = self.soup.find("form", attrs={"action": action})
        assert form is not None, f"no form posting to {action}"
        return {
            i["name"]: i.get("value", "")
            for i in form.find_all("input")
            if i.get("name") and i.get("type") != "checkbox"
        }

    def value(self, name: str) -> str | None:
        node = self.soup.find("input", attrs={"name": name})
        return node.get("value") if node else None

    def text(self) -> str:
        main = self.soup.find("main") or self.soup
        return main.get_text(" ", strip=True)


def submit(client: TestClient, page: Page, action: str, /, **fields: str) -> Page:
    """Fill the form found on the page (hidden fields and CSRF included) and post it.
    A form with the anti-robot widget gets a real solution, as the browser's widget would
    send it (`altcha=""` posts without one, as a browser without JavaScript does)."""
    data = {**page.form(action), **fields}
    widget = page.soup.find("form", attrs={"action": action}).find("altcha-widget")
    if widget is not None and "altcha" not in fields:
        data["altcha"] = solve_altcha(client, widget["challenge"])
    return Page(client.post(action, data=data, follow_redirects=True))


def solve_altcha(client: TestClient, challenge_url: str = "/anti-robot/defi") -> str:
    """Fetch a challenge and solve it for real (the Python twin of the widget's worker)."""
    import altcha

    challenge = altcha.Challenge.from_dict(client.get(challenge_url).json())
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


def get(client: TestClient, url: str) -> Page:
    return Page(client.get(url, follow_redirects=True))


def date_fields(birth: dt.date) -> dict[str, str]:
    return {"jour": str(birth.day), "mois": str(birth.month), "annee": str(birth.year)}


class SmtpSink:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        self.received.set()
        return "250 OK"
