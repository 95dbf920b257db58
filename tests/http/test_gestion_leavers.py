"""Gestion's import in two steps (issue 15): the preview names every change and writes
nothing; the confirmation applies it (audited with the agent as actor); a stale preview is
refused in French. The rules themselves run on both backends in test_leavers.py."""

from __future__ import annotations

import json

import pytest
from support.helpdesk import make_staff, sign_in, upload
from support.leavers import LEAVING, UAI, school_csv, seed_school
from support.web import JEAN, JEANNE, Page, get, submit

LISTED = (JEAN.identifiant, JEANNE.identifiant)


@pytest.fixture
def gestionnaire(client, sesame, backend, request, ldap_base, clock):
    """The school imported; Jeanne Dupont (jdupont1), its gestionnaire, signed in."""
    seed_school(sesame, backend, request, ldap_base)
    make_staff(sesame, "jdupont1", role="gestionnaire", uai=UAI)
    sign_in(client, clock, "jdupont1")
    return clock


def statuses(sesame) -> dict:
    rows = sesame.store.query("select identifiant, status, leaving_since from accounts order by identifiant")
    return {r["identifiant"]: (r["status"], r["leaving_since"]) for r in rows}


def section(page: Page, key: str) -> tuple[str, list[str]]:
    title = page.soup.find(id=f"apercu-{key}")
    names = [li.get_text(strip=True) for li in title.parent.find_all("li")]
    return title.get_text(" ", strip=True), names


def test_the_form_offers_the_complete_list_with_a_visible_label_and_hint(client, gestionnaire):
    page = get(client, "/gestion/import")
    box = page.soup.find("input", attrs={"name": "complet"})
    assert box["type"] == "checkbox" and box["aria-describedby"] == "complet-hint"
    assert (
        page.soup.find("label", attrs={"for": "complet"}).get_text() == "Ce fichier est la liste complète du personnel"
    )
    assert "désactivé après 30 jours, jamais supprimé" in page.soup.find(id="complet-hint").get_text()


def test_the_preview_names_the_leavers_and_changes_nothing_until_confirmed(client, sesame, gestionnaire):
    before = statuses(sesame)
    preview = upload(client, school_csv(*LISTED), confirm=False, complete=True)
    assert preview.status == 200, preview.text()[:500]
    assert preview.h1 == "Vérifiez l'import avant de l'appliquer"
    assert section(preview, "leaving") == (f"Départs : absentes de la liste complète ({UAI}) : 3", LEAVING)
    assert section(preview, "unchanged") == (
        "Inchangées : 2",
        ["Dupont Jean (0130999A)", "Dupont Jeanne (0130999A)"],
    )
    assert section(preview, "new") == ("Nouvelles personnes : 0", [])
    assert statuses(sesame) == before, "the preview writes nothing"
    assert not sesame.store.query("select * from audit where event = 'import'")

    done = submit(client, preview, "/gestion/import/confirmer")
    assert done.status == 200, done.text()[:500]
    assert "3 personnes marquées sur le départ." in done.text()
    after = statuses(sesame)
    assert [after[i][1] is not None for i in ("amartin", "bnoel", "cpetit", "jdupont")] == [True, True, True, False]
    (event,) = sesame.store.query("select * from audit where event = 'import'")
    assert event["actor"] == "jdupont1"
    assert json.loads(event["details"])["leaving"] == 3
    again = submit(client, preview, "/gestion/import/confirmer")
    assert again.status == 422 and "Cet aperçu n'est plus valable" in again.field_error("fichier")


def test_without_the_box_nobody_is_marked_leaving(client, sesame, gestionnaire):
    preview = upload(client, school_csv(*LISTED), confirm=False)
    assert section(preview, "leaving") == ("Départs : 0", [])
    submit(client, preview, "/gestion/import/confirmer")
    assert all(leaving is None for _, leaving in statuses(sesame).values())


def test_a_preview_older_than_thirty_minutes_is_not_applied(client, sesame, gestionnaire):
    before = statuses(sesame)
    preview = upload(client, school_csv(*LISTED), confirm=False, complete=True)
    for minutes in (20, 11):  # the agent's session stays alive; the preview does not
        gestionnaire.now += minutes * 60
        get(client, "/gestion/import")
    late = submit(client, preview, "/gestion/import/confirmer")
    assert late.status == 422, late.text()[:800]
    assert late.soup.select_one(".error-summary a[href='#fichier']")
    assert statuses(sesame) == before
