"""Helpers of the helpdesk tests, shared with other test modules."""

from __future__ import annotations

import re

import pyotp

from support.journeys import GOOD, login
from support.web import Page, date_fields, get, submit

AGENT = "jdupont1"  # Jeanne Dupont, Collège Test 0130999A


KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def account(sesame, identifiant):
    return sesame.directory.by_login(identifiant)


def make_staff(sesame, identifiant=AGENT, role="assistance", uai="0130999A", factor=True):
    acc = account(sesame, identifiant)
    sesame.directory.set_password_hash(acc.id, sesame.hashing.hash(GOOD))
    if role:
        sesame.roles.grant(acc.id, role, uai, by="test")
    if factor:
        sesame.authenticators.add_totp(acc.id, KEY, 0)
    return acc


def sign_in(client, clock, identifiant=AGENT, with_factor=True) -> Page:
    client.cookies.clear()
    page = login(client, identifiant, GOOD)
    if with_factor:
        clock.now += 30
        page = submit(client, page, "/connexion/verification", methode="totp", code=pyotp.TOTP(KEY).at(clock.now))
    assert page.h1 == "Mon compte", page.text()[:300]
    return page


def upload(client, csv: str, *, confirm: bool = True, complete: bool = False) -> Page:
    """The file sent from Gestion's import page; its preview confirmed (unless `confirm`
    is false, or the file was refused)."""
    page = get(client, "/gestion/import")
    data = {"csrf_token": page.form("/gestion/import")["csrf_token"], **({"complet": "1"} if complete else {})}
    preview = Page(
        client.post("/gestion/import", data=data, files={"fichier": ("agents.csv", csv.encode(), "text/csv")})
    )
    if not confirm or preview.status != 200:
        return preview
    return submit(client, preview, "/gestion/import/confirmer")


IN_SCOPE = "jdupont"  # Jean Dupont, same établissement


def csrf(client) -> str:
    return get(client, "/compte").form("/deconnexion")["csrf_token"]


def account_page(client, sesame, identifiant=IN_SCOPE) -> Page:
    return get(client, f"/gestion/compte?compte={account(sesame, identifiant).id}")


def actions(sesame, actor=AGENT) -> list[str]:
    return [r["event"] for r in sesame.store.query("select event from audit where actor = ? order by id", (actor,))]


BACKUP = "jean.perso@exemple.fr"


# -- caller verification --------------------------------------------------------------
def check(client, page, birth, numen) -> Page:
    action = page.soup.find("form", action=re.compile("/verification"))["action"]
    return submit(client, page, action, numen=numen, **date_fields(birth))
