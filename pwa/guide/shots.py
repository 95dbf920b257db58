"""The screenshots of Sésame in the guide: which pages (shots.toml), and the
fingerprint of the HTML each picture shows, so a test can tell when a screen
changed and its picture was not made again (scripts/screenshots.py).

Only the content of <main> counts, with what changes on every request removed
(CSRF values, CSP nonces): the fingerprint depends on neither the key, nor the
database, nor the time."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pwa.profile import Profile

SHOTS_FILE = Path(__file__).parent / "shots.toml"
MANIFEST_VERSION = 1

_MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.S)
_TITLE = re.compile(r"^\s*<title>.*?</title>", re.S)  # htmx fragments start with it
# Per-request values: the CSRF field, any attribute named like *csrf* or *nonce*
# (data-csrf, nonce…), and CSRF headers in JSON attributes (hx-headers).
_CSRF_FIELD = re.compile(r'(name="csrf_token"[^>]*?\svalue=)"[^"]*"')
_TOKEN_ATTR = re.compile(r"""(\s[\w:-]*(?:csrf|nonce)[\w:-]*=)("[^"]*"|'[^']*')""", re.I)
_TOKEN_JSON = re.compile(r'("[\w-]*csrf[\w-]*"\s*:\s*)"[^"]*"', re.I)
_SPACES = re.compile(r"\s+")
_BETWEEN_TAGS = re.compile(r">\s+<")


@dataclass(frozen=True)
class Shot:
    name: str
    actions: tuple[dict[str, Any], ...]
    scroll: str | None = None
    height: int | None = None


def load_shots() -> tuple[dict[str, str], tuple[Shot, ...]]:
    """The person template and the shots, in the order they must run."""
    data = tomllib.loads(SHOTS_FILE.read_text(encoding="utf-8"))
    shots = tuple(Shot(s["name"], tuple(s["actions"]), s.get("scroll"), s.get("height")) for s in data["shot"])
    return dict(data["person"]), shots


def person_values(person: dict[str, str], profile: Profile) -> dict[str, str]:
    """{email}, {numen}… for the shots' demo person in this académie."""
    from pwa.demo import DEMO_STAFF

    demo = next(p for p in DEMO_STAFF if f"{p.prenom} {p.nom}" == person["name"])
    day, month, year = demo.date_naissance.split("/")
    return {
        "identifiant": person["identifiant"],
        "email": person["email"].format(mail_domain=profile.mail_domain),
        "password": person["password"],
        "jour": day.lstrip("0"),
        "mois": month.lstrip("0"),
        "annee": year,
        "numen": demo.numen,
    }


def fields(values: dict[str, str], template: dict[str, str]) -> dict[str, str]:
    return {name: value.format(**values) for name, value in template.items()}


def main_html(html: str) -> str:
    """The inside of <main> of a full page, or an htmx fragment without its <title>."""
    found = _MAIN.search(html)
    return found[1] if found else _TITLE.sub("", html, count=1)


def normalise(html: str) -> str:
    text = _CSRF_FIELD.sub(r'\1""', main_html(html))
    text = _TOKEN_ATTR.sub(r'\1""', text)
    text = _TOKEN_JSON.sub(r'\1""', text)
    return _BETWEEN_TAGS.sub("><", _SPACES.sub(" ", text)).strip()


def page_hash(html: str) -> str:
    return "sha256:" + hashlib.sha256(normalise(html).encode("utf-8")).hexdigest()
