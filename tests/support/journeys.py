"""Helpers of the journeys tests, shared with other test modules."""

from __future__ import annotations

import re

from support.web import Page, date_fields, get, submit

GOOD = "Girafe-Orange-Sous-La-Pluie"


OTHER_GOOD = "k8#Vq2!rTz9@Lm"


def retrieve(client, email: str, **identity: str) -> Page:
    page = submit(client, get(client, "/identifiant"), "/identifiant", email=email)
    return submit(client, page, "/identifiant/verification", **identity)


def reset_to_choose(client, identifiant: str, birth, numen: str) -> Page:
    page = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant=identifiant)
    return submit(client, page, "/mot-de-passe/verification", numen=numen, **date_fields(birth))


def set_password_with_numen(client, person, password: str) -> Page:
    page = reset_to_choose(client, person.identifiant, person.birth, person.numen)
    assert page.status == 200, page.errors
    return submit(client, page, "/mot-de-passe/nouveau", password=password, confirmation=password)


def login(client, login_name: str, password: str) -> Page:
    return submit(client, get(client, "/connexion"), "/connexion", login=login_name, password=password)


def normalise(html: str) -> str:
    """The page without its per-request tokens (CSRF, nonce)."""
    html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)
