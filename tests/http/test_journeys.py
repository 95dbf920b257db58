"""HTTP tests of the journeys (DESIGN §3.1, 3.2, 3.4, 3.6) through the real app."""

from __future__ import annotations

import pytest
from support.journeys import GOOD, OTHER_GOOD, login, normalise, reset_to_choose, retrieve, set_password_with_numen
from support.web import JEAN, Page, date_fields, get, submit

from pwa.legal import rgaa
from pwa.services.namesakes import next_namesake


def test_home_offers_every_journey(client):
    page = get(client, "/")
    assert page.status == 200
    links = {a["href"] for a in page.soup.select("main a")}
    assert {"/identifiant", "/mot-de-passe/numen", "/mot-de-passe", "/connexion"} <= links


def test_retrieve_identifiant(client, people):
    page = retrieve(client, JEAN.email, numen=JEAN.numen, **date_fields(JEAN.birth))
    assert page.status == 200
    assert page.soup.select_one("#identifiant-value").get_text(strip=True) == "jdupont"


def test_numen_typed_loosely_is_accepted(client, people):
    loose = "13 e24 test-0001"
    page = retrieve(client, JEAN.email.upper(), numen=loose, **date_fields(JEAN.birth))
    assert page.soup.select_one("#identifiant-value").get_text(strip=True) == "jdupont"


def test_wrong_numen_and_unknown_address_get_identical_answers(client, people):
    wrong = retrieve(client, JEAN.email, numen="13E24TEST0009", **date_fields(JEAN.birth))
    unknown = retrieve(client, "personne.inconnue@ac-aix-marseille.fr", numen=JEAN.numen, **date_fields(JEAN.birth))
    assert wrong.status == unknown.status == 422
    # Same page but for the address typed (and the namesake example made from it) and the
    # per-request tokens.
    unknown_email = "personne.inconnue@ac-aix-marseille.fr"
    a = normalise(wrong.response.text).replace(next_namesake(JEAN.email), "NEXT").replace(JEAN.email, "ADDRESS")
    b = normalise(unknown.response.text).replace(next_namesake(unknown_email), "NEXT").replace(unknown_email, "ADDRESS")
    assert a == b
    assert wrong.errors and "ne permettent pas" in wrong.errors[0]


def test_bad_inputs_are_explained_and_other_fields_kept(client, people):
    page = submit(client, get(client, "/identifiant"), "/identifiant", email="")
    assert page.status == 422 and page.field_error("email") == "Indiquez votre adresse académique."
    page = submit(client, get(client, "/identifiant"), "/identifiant", email="jean.dupont@gmail.com")
    assert page.status == 422 and "@ac-aix-marseille.fr" in page.field_error("email")
    assert page.value("email") == "jean.dupont@gmail.com"
    page = submit(client, get(client, "/identifiant"), "/identifiant", email=JEAN.email)
    # Impossible date: the day and month are kept, the NUMEN is never shown back.
    bad = submit(client, page, "/identifiant/verification", jour="31", mois="2", annee="1985", numen=JEAN.numen)
    assert bad.status == 422
    assert bad.errors == ["Cette date n'existe pas. Vérifiez le jour et le mois."]
    assert (bad.value("jour"), bad.value("mois"), bad.value("annee")) == ("31", "2", "1985")
    assert bad.value("numen") == "" and JEAN.numen not in bad.response.text
    short = submit(client, page, "/identifiant/verification", numen="13E24", **date_fields(JEAN.birth))
    assert short.field_error("numen") == "Le NUMEN compte 13 caractères ; vous en avez saisi 5."
    empty = submit(client, page, "/identifiant/verification", jour="", mois="", annee="", numen="")
    assert len(empty.errors) == 2 and empty.status == 422
    letters = submit(client, page, "/identifiant/verification", jour="aa", mois="7", annee="1985", numen=JEAN.numen)
    assert letters.errors[0].startswith("Écrivez le jour, le mois et l'année en chiffres")
    # The whole date typed in the first box is understood.
    whole = submit(client, page, "/identifiant/verification", jour="14/07/1985", mois="", annee="", numen=JEAN.numen)
    assert whole.soup.select_one("#identifiant-value").get_text(strip=True) == "jdupont"
    accents = submit(
        client, get(client, "/identifiant"), "/identifiant", email="éloïse.de la fontaine@ac-aix-marseille.fr"
    )
    assert "sans accent ni espace" in accents.field_error("email")
    # The error summary links to the fields.
    assert all(a["href"].startswith("#") for a in empty.soup.select(".error-summary a"))


def test_choose_password_with_numen_then_log_in(client, people):
    done = set_password_with_numen(client, JEAN, GOOD)
    assert done.status == 200 and "enregistré" in done.h1
    account = login(client, "jdupont", GOOD)
    assert account.h1 == "Mon compte"
    client.cookies.clear()
    assert login(client, JEAN.email, GOOD).h1 == "Mon compte"


def test_weak_password_refused_with_checklist(client, people):
    page = reset_to_choose(client, JEAN.identifiant, JEAN.birth, JEAN.numen)
    refused = submit(client, page, "/mot-de-passe/nouveau", password="JeanDupont1985!", confirmation="JeanDupont1985!")
    assert refused.status == 422
    states = {li["data-criterion"]: li["data-state"] for li in refused.soup.select(".checklist li")}
    assert "unmet" in states.values()
    assert refused.field_error("password")
    mismatch = submit(client, refused, "/mot-de-passe/nouveau", password=GOOD, confirmation=GOOD + "x")
    assert mismatch.field_error("confirmation").startswith("Les deux mots de passe ne sont pas identiques.")


def test_new_password_page_needs_a_fresh_identity_check(client, sesame, people):
    page = get(client, "/mot-de-passe/nouveau")
    assert page.status == 410 and "délai" in page.errors[0]
    choose = reset_to_choose(client, JEAN.identifiant, JEAN.birth, JEAN.numen)
    now = sesame.store.now()
    sesame.store.clock = lambda: now + 16 * 60
    expired = submit(client, choose, "/mot-de-passe/nouveau", password=GOOD, confirmation=GOOD)
    assert expired.status == 410


def test_login_failures_are_generic(client, people):
    set_password_with_numen(client, JEAN, GOOD)
    client.cookies.clear()
    wrong = login(client, "jdupont", "Pas-Le-Bon-Mot-De-Passe")
    unknown = login(client, "inconnu", "Pas-Le-Bon-Mot-De-Passe")
    assert wrong.status == unknown.status == 422
    assert wrong.errors == unknown.errors == ["Identifiant ou mot de passe incorrect."]
    assert wrong.value("login") == "jdupont" and wrong.value("password") == ""


def test_account_pages_need_sign_in(client):
    page = get(client, "/compte")
    assert page.h1 == "Se connecter"


def test_change_password_and_other_sessions_are_revoked(app, client, people):
    from starlette.testclient import TestClient

    set_password_with_numen(client, JEAN, GOOD)
    login(client, "jdupont", GOOD)
    with TestClient(app, base_url="https://testserver") as other:
        assert login(other, "jdupont", GOOD).h1 == "Mon compte"
        form = get(client, "/compte/mot-de-passe")
        wrong = submit(
            client, form, "/compte/mot-de-passe", current="nope", password=OTHER_GOOD, confirmation=OTHER_GOOD
        )
        assert wrong.field_error("current") == "Ce n'est pas votre mot de passe actuel."
        changed = submit(
            client, form, "/compte/mot-de-passe", current=GOOD, password=OTHER_GOOD, confirmation=OTHER_GOOD
        )
        assert changed.h1 == "Mon compte" and "modifié" in changed.text()
        assert get(other, "/compte").h1 == "Se connecter"
    client.cookies.clear()
    assert login(client, "jdupont", GOOD).status == 422
    assert login(client, "jdupont", OTHER_GOOD).h1 == "Mon compte"


def test_logout_and_logout_everywhere(app, client, people):
    from starlette.testclient import TestClient

    set_password_with_numen(client, JEAN, GOOD)
    overview = login(client, "jdupont", GOOD)
    out = submit(client, overview, "/deconnexion")
    assert out.h1 == "Vous êtes déconnecté"
    assert get(client, "/compte").h1 == "Se connecter"
    with TestClient(app, base_url="https://testserver") as other:
        login(other, "jdupont", GOOD)
        overview = login(client, "jdupont", GOOD)
        submit(client, overview, "/compte/deconnexion-partout")
        assert get(other, "/compte").h1 == "Se connecter"
        assert get(client, "/compte").h1 == "Se connecter"


def test_reset_revokes_every_session(app, client, people):
    from starlette.testclient import TestClient

    set_password_with_numen(client, JEAN, GOOD)
    with TestClient(app, base_url="https://testserver") as other:
        login(other, "jdupont", GOOD)
        set_password_with_numen(client, JEAN, OTHER_GOOD)
        assert get(other, "/compte").h1 == "Se connecter"


def test_post_without_csrf_token_is_refused_in_french(client, people):
    get(client, "/identifiant")
    response = client.post("/identifiant", data={"email": JEAN.email})
    page = Page(response)
    assert page.status == 403 and "Rechargez la page" in page.text()
    fresh = get(client, "/identifiant")
    foreign = client.post(
        "/identifiant",
        data={**fresh.form("/identifiant"), "email": JEAN.email},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403


def test_htmx_request_gets_only_the_fragment(client):
    response = client.get("/identifiant", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and "<title>" in response.text
    assert Page(response).h1 == "Retrouver mon identifiant"


def test_unknown_page_and_wrong_method_are_french_4xx(client):
    assert get(client, "/nulle-part").status == 404
    page = Page(client.put("/connexion"))
    assert page.status == 405 and page.h1 == "Impossible de continuer"


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "max-age" in response.headers["strict-transport-security"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-") and "Secure" in cookie and "HttpOnly" in cookie


def test_numen_typed_as_password_leads_to_choosing_one(client, people):
    page = login(client, "jdupont", "13E24TEST0001")
    assert page.status == 422
    panel = page.soup.select_one("main .panel")
    assert "Vous avez saisi un NUMEN" in panel.get_text(" ", strip=True)
    assert panel.select_one("a.button")["href"] == "/mot-de-passe/numen"  # no identifiant needed
    # The same words for an identifiant that does not exist: nothing is revealed.
    other = login(client, "personne", "13E24TEST0001")
    assert other.soup.select_one("main .panel").get_text() == panel.get_text().replace("jdupont", "personne")


def test_legal_pages_are_linked_from_every_page(client):
    for url in ("/", "/identifiant", "/connexion", "/mentions-legales"):
        footer = {a["href"] for a in get(client, url).soup.select("footer a")}
        assert {"/mentions-legales", "/donnees-personnelles", "/accessibilite"} <= footer
    privacy = get(client, "/donnees-personnelles")
    assert privacy.status == 200 and "12 mois" in privacy.text() and "dpo@" in privacy.text()
    declaration = get(client, "/accessibilite")
    level = rgaa.load().level  # from the RGAA self-audit grid (tests/test_rgaa_grid.py)
    assert level in declaration.text() and "Défenseur des droits" in declaration.text()


def test_form_post_with_null_origin_from_the_same_site(client, people):
    """Referrer-Policy: no-referrer makes Chromium send "Origin: null" on form posts."""
    page = get(client, "/identifiant")
    data = {**page.form("/identifiant"), "email": JEAN.email}
    same = client.post("/identifiant", data=data, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200
    cross = client.post("/identifiant", data=data, headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403


def test_reset_accepts_the_academic_address_and_a_double_tap(client, people):
    page = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant=JEAN.email)
    choose = submit(client, page, "/mot-de-passe/verification", numen=JEAN.numen, **date_fields(JEAN.birth))
    assert choose.h1 == "Choisissez votre mot de passe"
    data = {**choose.form("/mot-de-passe/nouveau"), "password": GOOD, "confirmation": GOOD}
    first = client.post("/mot-de-passe/nouveau", data=data, follow_redirects=True)
    second = client.post("/mot-de-passe/nouveau", data=data, follow_redirects=True)
    assert Page(first).h1 == Page(second).h1 == "C'est fait : votre mot de passe est enregistré"


@pytest.fixture(params=["sqlite", "ldap"])
def backend(request) -> str:
    """Every journey here runs on both directories: Sésame's SQLite and a real slapd."""
    return request.param
