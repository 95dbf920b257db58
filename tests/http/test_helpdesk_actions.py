"""Help-desk and gestionnaire actions over HTTP: unlock, disable and enable, the trail of every
agent action, the gestionnaire's dashboard and import, and the scope of staff accounts and
scoped imports."""

from __future__ import annotations

import json

from starlette.testclient import TestClient
from support.helpdesk import AGENT, BACKUP, IN_SCOPE, account, account_page, check, csrf, make_staff, sign_in, upload
from support.journeys import GOOD, login
from support.web import JEAN, Page, date_fields, get, submit


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
    assert rows == [["Collège Test 0130999A", "2", "1", "1", "1", "0", "0", "0", "Évolution"]], (
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
