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
from starlette.testclient import TestClient
from support.helpdesk import AGENT, KEY, account, make_staff, sign_in, upload
from support.journeys import GOOD, login
from support.mail import run
from support.web import JEAN, Page, date_fields, get, make_settings, submit

from pwa.services.codes import Check

IN_SCOPE = "jdupont"  # Jean Dupont, same établissement
OUT_OF_SCOPE = "lmartin"  # Léa Martin, École Test 0130997C
BACKUP = "jean.perso@exemple.fr"


@pytest.fixture
def agent(client, sesame, people, clock):
    """An assistance agent on 0130999A, signed in with password + OTP code."""
    acc = make_staff(sesame)
    sign_in(client, clock)
    return acc


def csrf(client) -> str:
    return get(client, "/compte").form("/deconnexion")["csrf_token"]


def account_page(client, sesame, identifiant=IN_SCOPE) -> Page:
    return get(client, f"/gestion/compte?compte={account(sesame, identifiant).id}")


def actions(sesame, actor=AGENT) -> list[str]:
    return [r["event"] for r in sesame.store.query("select event from audit where actor = ? order by id", (actor,))]


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


# -- caller verification --------------------------------------------------------------
def check(client, page, birth, numen) -> Page:
    action = page.soup.find("form", action=re.compile("/verification"))["action"]
    return submit(client, page, action, numen=numen, **date_fields(birth))


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


# -- unlock, disable, enable -----------------------------------------------------------
def test_unlock_lifts_a_pause(client, sesame, agent):
    jean = account(sesame, IN_SCOPE)
    for _ in range(25):
        sesame.throttle.fail(f"account:{jean.id}", "198.51.100.7", "password")
    page = account_page(client, sesame)
    assert page.text().count("Suspendues jusqu'au") == 1
    done = submit(client, page, f"/gestion/compte/deblocage?compte={jean.id}")
    assert "débloquées" in done.text() and "Normales" in done.text()
    assert sesame.throttle.paused_until(f"account:{jean.id}") == 0
    assert sesame.throttle.check(f"account:{jean.id}", "198.51.100.7").allowed


def test_disabled_account_cannot_sign_in_and_is_told_whom_to_call(app, client, sesame, agent, clock):
    jean = account(sesame, IN_SCOPE)
    sesame.directory.set_password_hash(jean.id, sesame.hashing.hash(GOOD))
    other = TestClient(app, base_url="https://testserver")
    assert login(other, IN_SCOPE, GOOD).h1 == "Mon compte"
    page = account_page(client, sesame)
    empty = submit(client, page, f"/gestion/compte/statut?compte={jean.id}", motif="  ")
    assert empty.status == 422 and "motif" in empty.field_error("motif")
    done = submit(client, page, f"/gestion/compte/statut?compte={jean.id}", motif="Départ de l'agent")
    assert "Le compte est désactivé" in done.text()
    assert not account(sesame, IN_SCOPE).active
    assert get(other, "/compte").h1 == "Se connecter", "its sessions are revoked"
    refused = login(other, IN_SCOPE, GOOD)
    assert refused.status == 403 and "désactivé" in refused.errors[0]
    assert sesame.profile.helpdesk_phone in refused.errors[0]
    wrong = login(other, IN_SCOPE, "Pas-le-bon-mot-de-passe")
    assert wrong.status == 422 and "désactivé" not in wrong.text(), "only the owner learns it"
    reset = submit(other, get(other, "/mot-de-passe"), "/mot-de-passe", identifiant=IN_SCOPE)
    reset = submit(other, reset, "/mot-de-passe/verification", numen=JEAN.numen, **date_fields(JEAN.birth))
    assert reset.status == 403 and "désactivé" in reset.errors[0]
    again = submit(client, account_page(client, sesame), f"/gestion/compte/statut?compte={jean.id}", motif="Retour")
    assert "réactivé" in again.text()
    assert login(other, IN_SCOPE, GOOD).h1 == "Mon compte"
    details = [
        json.loads(r["details"])
        for r in sesame.store.query(
            "select details from audit where event in ('account.disabled', 'account.enabled') order by id"
        )
    ]
    assert details == [{"reason": "Départ de l'agent"}, {"reason": "Retour"}]


def test_every_agent_action_is_in_the_trail_with_the_agent(client, sesame, agent):
    jean = account(sesame, IN_SCOPE)
    sesame.directory.set_backup_email(jean.id, BACKUP)
    page = account_page(client, sesame)
    check(client, page, JEAN.birth, JEAN.numen)
    submit(client, page, f"/gestion/compte/code?compte={jean.id}", canal="courriel")
    submit(client, page, f"/gestion/compte/code?compte={jean.id}", canal="fiche")
    for _ in range(25):
        sesame.throttle.fail(f"account:{jean.id}", "198.51.100.7", "password")
    submit(client, account_page(client, sesame), f"/gestion/compte/deblocage?compte={jean.id}")
    submit(client, page, f"/gestion/compte/statut?compte={jean.id}", motif="Essai")
    submit(client, account_page(client, sesame), f"/gestion/compte/statut?compte={jean.id}", motif="Essai")
    rows = sesame.store.query(
        "select event, actor, account_id from audit where event like 'helpdesk.%' or event like 'account.%'"
    )
    assert {r["event"] for r in rows} >= {
        "helpdesk.viewed",
        "helpdesk.caller_checked",
        "helpdesk.code_issued",
        "helpdesk.unlocked",
        "account.disabled",
        "account.enabled",
    }
    assert {(r["actor"], r["account_id"]) for r in rows} == {(AGENT, jean.id)}
    trail = get(client, f"/gestion/compte/journal?compte={jean.id}")
    text = trail.text()
    assert "Assistance : code à usage unique transmis (par jdupont1)" in text
    assert "Compte désactivé (par jdupont1)" in text


# -- gestionnaire -----------------------------------------------------------------------
GOOD_CSV = (
    "nom;prenom;date_naissance;numen;categorie;uai;etablissement\n"
    "Blanc;Paul;01/02/1980;13E24TEST0100;aesh;0130999A;Collège Test\n"
)


def test_gestionnaire_dashboard_and_import(client, sesame, people, clock):
    make_staff(sesame, role="gestionnaire")
    sign_in(client, clock)
    board = get(client, "/gestion/activation")
    lines = board.soup.select("#etablissements tbody tr")
    rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in lines]
    assert rows == [["Collège Test 0130999A", "2", "1", "1", "1", "0", "0", "Évolution"]], (
        "the agent herself is activated with a factor"
    )
    etab = get(client, "/gestion/etablissement?uai=0130999A")
    assert etab.soup.select_one("#lettres-activation") is not None
    waiting = [li.get_text(" ", strip=True) for li in etab.soup.select("ul.letters-list li")]
    assert waiting == ["Dupont Jean — jdupont Imprimer sa lettre (Jean Dupont)"]
    before = sesame.directory.count()
    bad = upload(
        client,
        GOOD_CSV + "Noir;Zoé;31/02/1980;13E24TEST0101;aesh;0130999A;Collège Test\n"
        "Gris;Léo;01/02/1980;13E24TEST0102;aesh;0130997C;École Test\n",
    )
    assert bad.status == 422
    lines = [li.get_text(strip=True) for li in bad.soup.select(".panel-warning li")]
    assert any(line.startswith("Ligne 3 :") for line in lines)
    assert "Ligne 4 : l'établissement 0130997C ne fait pas partie de votre périmètre." in lines
    assert sesame.directory.count() == before, "nothing written"
    ok = upload(client, GOOD_CSV)
    assert ok.status == 200 and "1 personne importée : 1 nouvelle" in ok.text()
    assert sesame.directory.by_login("pblanc") is not None
    empty = Page(client.post("/gestion/import", data={"csrf_token": csrf(client)}))
    assert empty.status == 422 and empty.field_error("fichier")


# -- found in review: scope over staff accounts and scoped imports -------------------


def test_a_scoped_agent_cannot_act_on_a_staff_account(client, sesame, agent):
    """An académie-wide admin attached to the agent's établissement is out of reach:
    no code on a slip, no disabling (the agent would take over a wider account)."""
    jean = account(sesame, IN_SCOPE)
    sesame.roles.grant(jean.id, "admin", None, by="test")
    form = get(client, "/compte").form("/deconnexion")
    for path, data in (
        (f"/gestion/compte?compte={jean.id}", None),
        (f"/gestion/compte/code?compte={jean.id}", {"canal": "fiche"}),
        (f"/gestion/compte/statut?compte={jean.id}", {"statut": "disabled", "motif": "test"}),
    ):
        response = client.post(path, data={**form, **data}) if data else client.get(path)
        assert response.status_code == 403, path
    assert sesame.store.one("select count(*) as n from codes")["n"] == 0
    assert account(sesame, IN_SCOPE).active


def test_a_scoped_import_does_not_move_someone_from_another_etablissement(client, sesame, people, clock):
    make_staff(sesame, role="gestionnaire", uai="0130999A")
    sign_in(client, clock)
    lea_before = account(sesame, "lmartin")
    # Léa Martin's NUMEN (École Test, 0130997C), written as if she worked at Collège Test.
    csv = (
        "nom;prenom;date_naissance;numen;categorie;uai;etablissement\n"
        "Martin;Léa;05/09/1996;13E23TEST0003;aesh;0130999A;Collège Test\n"
    )
    page = upload(client, csv)
    assert page.status == 422 and "autre établissement" in page.text()
    after = account(sesame, "lmartin")
    assert after.uai == lea_before.uai == "0130997C" and after.birth_digest == lea_before.birth_digest
