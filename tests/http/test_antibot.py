"""Anti-automation on anonymous forms (issue 6 item 6): an ALTCHA proof-of-work solved
by the browser, each solution accepted once, and a stricter budget without JavaScript."""

from __future__ import annotations

import base64
import json

import altcha
from support.web import JEAN, Page, date_fields, get, solve_altcha, submit

from pwa.security.antibot import NO_JS_BUDGET


def verify_page(client) -> Page:
    return submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant=JEAN.identifiant)


def test_challenge_endpoint_is_fresh_json_never_cached(client):
    first = client.get("/anti-robot/defi")
    second = client.get("/anti-robot/defi")
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    assert first.json()["parameters"]["algorithm"] == "SHA-256"
    assert first.json()["signature"] != second.json()["signature"]


def test_forms_carry_the_widget(client):
    for url in ("/identifiant", "/mot-de-passe", "/connexion"):
        widget = get(client, url).soup.select_one("main form altcha-widget")
        assert widget is not None and widget["challenge"] == "/anti-robot/defi", url
        hint = widget.find_next_sibling("noscript").get_text(" ", strip=True)
        assert hint.startswith("Sans JavaScript, le formulaire fonctionne quand même")


def test_a_valid_solution_passes_once(client, sesame, people):
    page = verify_page(client)
    form = page.form("/mot-de-passe/verification")
    payload = solve_altcha(client)
    fields = {**form, **date_fields(JEAN.birth), "numen": JEAN.numen, "altcha": payload}
    ok = Page(client.post("/mot-de-passe/verification", data=fields, follow_redirects=True))
    assert ok.h1 == "Choisissez votre mot de passe"
    # The same solution again: refused on the same page, the other fields kept.
    page = verify_page(client)
    fields = {
        **page.form("/mot-de-passe/verification"),
        **date_fields(JEAN.birth),
        "numen": JEAN.numen,
        "altcha": payload,
    }
    replay = Page(client.post("/mot-de-passe/verification", data=fields, follow_redirects=True))
    assert replay.status == 400
    assert replay.field_error("altcha") == (
        "Cette vérification automatique a déjà servi. "
        "Attendez quelques secondes, puis appuyez de nouveau sur le bouton."
    )
    assert replay.errors == [replay.field_error("altcha")]
    assert replay.value("jour") == str(JEAN.birth.day) and replay.value("annee") == str(JEAN.birth.year)
    assert replay.value("identifiant") == JEAN.identifiant
    # Nothing was checked: the refused attempt is no NUMEN failure.
    assert sesame.store.one("select count(*) as n from failures where kind != 'altcha_unsolved'")["n"] == 0


def test_expired_and_forged_solutions_are_refused(client, sesame, people):
    key = sesame.keys.key("altcha")
    old = altcha.create_challenge("SHA-256", 1, counter=5, expires_at=1, hmac_secret=key)
    expired = altcha.Payload(old, altcha.solve_challenge(old)).to_base64()
    # A solution to a challenge signed with another key (made up by a bot).
    other = altcha.create_challenge("SHA-256", 1, counter=5, expires_at=2_000_000_000, hmac_secret=b"x" * 32)
    forged = altcha.Payload(other, altcha.solve_challenge(other)).to_base64()
    # Our challenge, with a wrong solution.
    genuine = json.loads(base64.b64decode(solve_altcha(client)))
    genuine["solution"]["counter"] += 1
    wrong = base64.b64encode(json.dumps(genuine).encode()).decode()
    expected = {
        expired: "La vérification automatique a expiré",
        forged: "La vérification automatique de votre navigateur n'a pas abouti",
        wrong: "La vérification automatique de votre navigateur n'a pas abouti",
        "pas du base64 !": "La vérification automatique de votre navigateur n'a pas abouti",
    }
    for payload, message in expected.items():
        page = get(client, "/identifiant")
        refused = submit(client, page, "/identifiant", email=JEAN.email, altcha=payload)
        assert refused.status == 400, payload
        assert refused.field_error("altcha").startswith(message)
        assert refused.h1 == "Retrouver mon identifiant" and refused.value("email") == JEAN.email


def test_without_javascript_a_stricter_budget_applies(client, sesame, people):
    for n in range(NO_JS_BUDGET):  # other logins each time: the login throttle stays out of it
        page = submit(client, get(client, "/connexion"), "/connexion", login=f"inconnu{n}", password="faux", altcha="")
        assert page.status == 422 and page.errors == ["Identifiant ou mot de passe incorrect."]
    refused = submit(client, get(client, "/connexion"), "/connexion", login="jdupont", password="faux", altcha="")
    assert refused.status == 429
    assert "JavaScript est désactivé" in refused.field_error("altcha")
    assert "Réessayez dans 60 minutes" in refused.field_error("altcha")
    assert refused.value("login") == "jdupont"
    # The budget is per client, and a solved challenge is not counted in it.
    solved = submit(client, get(client, "/connexion"), "/connexion", login="jdupont", password="faux")
    assert solved.status == 422 and solved.errors == ["Identifiant ou mot de passe incorrect."]
    # An hour later the budget is back.
    sesame.store.clock = lambda: __import__("time").time() + 3601
    again = submit(client, get(client, "/connexion"), "/connexion", login="jdupont", password="faux", altcha="")
    assert again.status == 422


def test_spent_solutions_are_purged_after_expiry(client, sesame, people):
    page = submit(client, get(client, "/identifiant"), "/identifiant", email=JEAN.email)
    assert page.status == 200
    assert sesame.store.one("select count(*) as n from altcha_spent")["n"] == 1
    sesame.maintain()
    assert sesame.store.one("select count(*) as n from altcha_spent")["n"] == 1
    sesame.store.db.execute("update altcha_spent set expires_at = 1")
    sesame.maintain()
    assert sesame.store.one("select count(*) as n from altcha_spent")["n"] == 0
