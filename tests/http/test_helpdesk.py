"""The staff area (DESIGN §3.5c, §3.10) through the real app: who gets in
(every staff route, by direct URL), the help desk's actions and their audit
trail, a help-desk code read from a real SMTP server, the gestionnaire's
dashboard and import."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.routing import Route
from support.helpdesk import (
    AGENT,
    BACKUP,
    IN_SCOPE,
    KEY,
    account,
    account_page,
    actions,
    check,
    csrf,
    make_staff,
    sign_in,
)
from support.mail import run
from support.web import JEAN, Page, date_fields, get, make_settings, submit

from pwa.services.codes import Check

OUT_OF_SCOPE = "lmartin"  # Léa Martin, École Test 0130997C


# -- access: every staff route of the route table -------------------------------------
def staff_routes():
    from pwa.app import routes
    from pwa.settings import Settings

    table = routes(Settings(db_path=Path("never-opened.db"), demo=True))
    found = [r for r in table if isinstance(r, Route) and r.path.startswith("/gestion")]
    assert len(found) >= 10
    return [(r, method) for r in found for method in sorted(r.methods - {"HEAD"})]


def test_every_staff_route_is_guarded_by_the_decorator():
    for route, _ in staff_routes():
        assert hasattr(route.endpoint, "staff_role"), f"{route.path} is not wrapped in staff()"


CASES = ("anonymous", "no_role", "wrong_role", "scope", "no_factor", "password_only")
EXPECTED = {
    "no_role": "réservée aux personnes chargées de la gestion",
    "wrong_role": "Votre rôle ne donne pas accès à cette page",
    "scope": "ne fait pas partie de votre périmètre",
    "no_factor": "doit être protégé par une deuxième étape",
    "password_only": "reconnectez-vous avec votre deuxième étape",
}


def _applicable():
    for route, method in staff_routes():
        role, target = route.endpoint.staff_role, route.endpoint.staff_target
        for case in CASES:
            if case == "wrong_role" and role is None:
                continue
            if case == "scope" and target is None:
                continue
            yield pytest.param(route.path, method, role, case, id=f"{method} {route.path} {case}")


@pytest.mark.parametrize(("path", "method", "role", "case"), list(_applicable()))
def test_staff_pages_refuse_by_direct_url(client, sesame, people, clock, path, method, role, case):
    other = {"assistance": "gestionnaire", "gestionnaire": "assistance", None: "assistance"}
    if case == "no_role":
        make_staff(sesame, role=None)
    elif case == "wrong_role":
        make_staff(sesame, role=other[role])
    elif case == "scope":
        make_staff(sesame, role=role or "assistance", uai="0130999A")
    elif case == "no_factor":
        make_staff(sesame, role=role or "assistance", uai=None, factor=False)
    elif case == "password_only":
        make_staff(sesame, role=role or "assistance", uai=None, factor=False)
    target = account(sesame, OUT_OF_SCOPE)
    if case != "anonymous":
        sign_in(client, clock, with_factor=case not in ("no_factor", "password_only"))
        if case == "password_only":  # a factor added after this password-only sign-in
            sesame.authenticators.add_totp(account(sesame, AGENT).id, KEY, 0)
    url = f"{path}?compte={target.id}&uai={target.uai}"
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    else:
        token = csrf(client) if case != "anonymous" else ""
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "motif": "essai",
                "canal": "fiche",
                **date_fields(JEAN.birth),
                "numen": JEAN.numen,
            },
            follow_redirects=False,
        )
    if case == "anonymous":
        assert response.status_code == 303 and response.headers["location"].startswith("/connexion")
    else:
        page = Page(response)
        assert page.status == 403, page.text()[:300]
        assert EXPECTED[case] in page.text()
    assert account(sesame, OUT_OF_SCOPE).active
    assert actions(sesame) == [], "nothing done on a refused request"
    assert sesame.codes.latest(target.id, "helpdesk") is None


def test_refusal_pages_point_the_way(client, sesame, people, clock):
    make_staff(sesame, factor=False)
    sign_in(client, clock, with_factor=False)
    page = get(client, "/gestion")
    assert page.status == 403 and page.h1 == "Ajoutez d'abord une deuxième protection"
    assert page.soup.select_one("main a.button")["href"] == "/compte/securite"
    sesame.authenticators.add_totp(account(sesame, AGENT).id, KEY, 0)
    page = get(client, "/gestion")
    assert page.status == 403 and page.h1 == "Reconnectez-vous avec votre deuxième étape"
    assert page.soup.select_one("main a.button")["href"].startswith("/connexion?raison=confirmer")


def test_gestion_link_only_for_staff(client, sesame, people, clock):
    make_staff(sesame, identifiant=IN_SCOPE, role=None, factor=False)
    sign_in(client, clock, IN_SCOPE, with_factor=False)
    assert "/gestion" not in {a["href"] for a in get(client, "/compte").soup.select("main a")}
    make_staff(sesame)
    home = sign_in(client, clock)
    assert "/gestion" in {a["href"] for a in home.soup.select("main a")}
    page = get(client, "/gestion")
    assert page.status == 200 and page.h1 == "Gestion"
    assert "/gestion/recherche" in {a["href"] for a in page.soup.select("main a")}


# -- search ---------------------------------------------------------------------------
def test_search_stays_within_scope(client, sesame, agent, clock):
    found = get(client, "/gestion/recherche?q=dupont")
    names = [th.get_text(strip=True) for th in found.soup.select("tbody th")]
    assert names == ["Jean Dupont", "Jeanne Dupont"]
    assert "Aucun compte trouvé" in get(client, "/gestion/recherche?q=martin").text()
    assert "Aucun compte trouvé" in get(client, "/gestion/recherche?q=0130997C").text()
    short = get(client, "/gestion/recherche?q=d")
    assert short.status == 422 and "au moins 2 caractères" in short.field_error("q")
    # Académie-wide: Léa is found, by name, address or établissement.
    sesame.roles.grant(agent.id, "assistance", None, by="test")
    for query in ("martin", "lea.martin@", "École Test", "lmartin"):
        page = get(client, f"/gestion/recherche?q={query}")
        assert [th.get_text(strip=True) for th in page.soup.select("tbody th")] == ["Léa Martin"], query
    # Pagination: 20 per page.
    assert get(client, "/gestion/recherche?q=ac-aix&page=9").soup.select("tbody tr")


def test_account_page_tells_the_state_without_secrets(client, sesame, agent):
    jean = account(sesame, IN_SCOPE)
    sesame.directory.set_backup_email(jean.id, BACKUP)
    page = account_page(client, sesame)
    assert page.status == 200 and page.h1 == "Jean Dupont"
    summary = dict(
        zip(
            [d.get_text(strip=True) for d in page.soup.select("dl.summary dt")],
            [d.get_text(" ", strip=True) for d in page.soup.select("dl.summary dd")],
            strict=True,
        )
    )
    assert summary["Adresse de secours"] == "j•••@exemple.fr"
    assert summary["Mot de passe choisi"].startswith("Non")
    assert summary["Deuxième protection"] == "Non"
    assert summary["Vérifications"] == "Normales"
    assert BACKUP not in page.response.text
    assert actions(sesame) == ["helpdesk.viewed"]


def test_caller_check_answers_only_match_and_stops_at_the_daily_limit(client, sesame, agent, clock):
    page = account_page(client, sesame)
    right = check(client, page, JEAN.birth, JEAN.numen.lower().replace("e", "e "))
    assert right.status == 200
    assert right.soup.select_one("#caller-result").get_text(" ", strip=True).startswith("✓ Correspond.")
    wrong = check(client, right, JEAN.birth, "13E24TEST0009")
    assert wrong.soup.select_one("#caller-result").get_text(" ", strip=True).startswith("✗ Ne correspond pas.")
    # Neither value is ever shown back.
    assert JEAN.numen not in wrong.response.text and "13E24TEST0009" not in wrong.response.text
    third = check(client, wrong, JEAN.birth.replace(year=1986), JEAN.numen)
    assert "Ne correspond pas" in third.soup.select_one("#caller-result").get_text()
    assert "Limite atteinte" in third.text() and third.soup.find("form", action=re.compile("/verification")) is None
    # A 4th try by direct post is refused and checks nothing.
    page = Page(
        client.post(
            f"/gestion/compte/verification?compte={account(sesame, IN_SCOPE).id}",
            data={"csrf_token": csrf(client), "numen": JEAN.numen, **date_fields(JEAN.birth)},
        )
    )
    assert page.status == 429 and "Limite atteinte" in page.errors[0]
    rows = sesame.store.query("select actor, details from audit where event = 'helpdesk.caller_checked'")
    assert [json.loads(r["details"]) for r in rows] == [{"match": True}, {"match": False}, {"match": False}]
    assert {r["actor"] for r in rows} == {AGENT}
    # The next day, it works again.
    sesame.store.db.execute("update audit set at = at - 86401")
    assert "Encore 3 vérifications" in account_page(client, sesame).text()


def test_bad_caller_input_is_explained(client, sesame, agent):
    page = account_page(client, sesame)
    bad = check(client, page, JEAN.birth, "13E24")
    assert bad.status == 422 and "13 caractères" in bad.field_error("numen")
    assert actions(sesame).count("helpdesk.caller_checked") == 0


# -- one-time code through a second channel -------------------------------------------
def test_code_mailed_to_the_backup_address_only(tmp_path, smtp, client, sesame, agent):
    sink, port = smtp
    jean = account(sesame, IN_SCOPE)
    sesame.directory.set_backup_email(jean.id, BACKUP)
    page = account_page(client, sesame)
    done = submit(client, page, f"/gestion/compte/code?compte={jean.id}", canal="courriel")
    assert "envoyé à l'adresse de secours" in done.text()
    assert "Un code est en cours" in done.text()
    worker = sesame.outbox_worker()
    worker.settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")
    assert run(worker.drain_once) == 1
    rcpt, message = sink.messages[0]
    assert rcpt == [BACKUP]
    body = message.get_content()
    assert "/activation" in body and "30 minutes" in body
    code = re.search(r"^\s+([A-Z2-9]{8})\s*$", body, flags=re.M).group(1)
    assert code not in done.response.text, "the agent never sees the mailed code"
    assert sesame.codes.check(jean.id, "helpdesk", code.lower()) is Check.OK
    assert sesame.codes.check(jean.id, "helpdesk", code) is Check.VOID, "single use"
    row = sesame.store.one("select target, issued_by from codes where account_id = ?", (jean.id,))
    assert row == {"target": "backup", "issued_by": agent.id}


def test_no_backup_address_no_mail(client, sesame, agent):
    jean = account(sesame, IN_SCOPE)
    page = account_page(client, sesame)
    assert "Pas d'adresse de secours" in page.text()
    refused = Page(
        client.post(f"/gestion/compte/code?compte={jean.id}", data={"csrf_token": csrf(client), "canal": "courriel"})
    )
    assert refused.status == 422 and sesame.outbox.pending() == 0


def test_printed_slip_shows_the_code_once(client, sesame, agent, clock):
    jean = account(sesame, IN_SCOPE)
    page = account_page(client, sesame)
    assert "remise en main propre" in page.text()
    slip = submit(client, page, f"/gestion/compte/code?compte={jean.id}", canal="fiche")
    assert slip.status == 200
    code = slip.soup.select_one("#slip-code").get_text(strip=True)
    assert "jdupont" in slip.text() and "/activation" in slip.text() and "en main propre" in slip.text()
    assert code not in account_page(client, sesame).response.text
    # The slip travels like a letter (head of the établissement): a letter code, 30 days.
    clock.now += 29 * 86400
    assert sesame.codes.check(jean.id, "letter", code, consume=False) is Check.OK
    clock.now += 86400 + 1
    assert sesame.codes.check(jean.id, "letter", code) is Check.EXPIRED, "30 days"
    assert sesame.store.one("select target from codes")["target"] == "slip"
