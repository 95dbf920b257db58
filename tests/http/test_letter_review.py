"""Issue 11 item 4 through the real app: a postal letter request matches any
of the person's first names and the birth name; a request matching nobody
waits in Gestion until an agent attaches it (then `sesame letters --requests`
prints it) or rejects it; the follow-up page reveals nothing before that."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from support.database import cli_env
from support.helpdesk import make_staff, sign_in
from support.web import SECRET, date_fields, get, submit

from pwa.cli import main
from pwa.importer import import_staff, parse_staff_csv

MARIE_BIRTH = dt.date(1988, 11, 23)
STAFF = """nom;prenom;prenoms;nom_naissance;date_naissance;numen;categorie;uai;etablissement
Lefèvre;Marie;Marie Claire Odile;Rousseau;23/11/1988;13E24REQU0001;aesh;0130999A;Collège Test
Garnier;Claire;;;23/11/1988;13E24REQU0002;aesh;0130997C;École Test
"""


@pytest.fixture
def marie(sesame, people):
    parsed = parse_staff_csv(STAFF.encode())
    assert not parsed.errors, parsed.errors
    import_staff(parsed.rows, store=sesame.store, directory=sesame.directory, keys=sesame.keys)
    return sesame.directory.by_login("mlefevre")


def ask(client, **fields: str):
    values = {
        "prenom": "Claire",
        "nom": "Lefevre",
        "etablissement": "college test",
        **date_fields(MARIE_BIRTH),
        **fields,
    }
    return submit(client, get(client, "/courrier"), "/courrier", **values)


def reference_of(page) -> str:
    return page.soup.find(id="reference").get_text(strip=True)


def request_row(sesame, reference: str) -> dict:
    return sesame.store.one("select * from letter_requests where reference = ?", (reference,))


def follow_text(client, reference: str) -> str:
    page = get(client, f"/courrier/suivi?reference={reference}")
    assert page.status == 200
    return re.sub(r"L-[A-Z0-9]{8}", "L-REF", page.text())


def test_the_second_first_name_or_the_birth_name_matches(client, sesame, marie):
    second = ask(client)
    assert second.status == 201
    row = request_row(sesame, reference_of(second))
    assert (row["account_id"], row["status"]) == (marie.id, "queued")
    birth_name = request_row(sesame, reference_of(ask(client, prenom="odile", nom="ROUSSEAU")))
    assert (birth_name["account_id"], birth_name["status"]) == (marie.id, "queued")
    # Names written together, accents and case ignored.
    together = request_row(sesame, reference_of(ask(client, prenom="Marie-Claire", nom="Lefèvre")))
    assert together["account_id"] == marie.id
    # The birth date is still checked: a wrong one matches nobody.
    wrong = request_row(sesame, reference_of(ask(client, annee="1989")))
    assert (wrong["account_id"], wrong["status"], wrong["review_reason"]) == (None, "review", "unmatched")


def test_an_unmatched_request_reads_like_a_queued_one(client, sesame, marie):
    matched = ask(client)
    unmatched = ask(client, prenom="Clara")
    assert matched.status == unmatched.status == 201
    assert request_row(sesame, reference_of(unmatched))["status"] == "review"
    a, b = follow_text(client, reference_of(matched)), follow_text(client, reference_of(unmatched))
    assert a == b and "en attente d'impression" in a


@pytest.fixture
def agent(client, sesame, marie, clock):
    """Jeanne Dupont (jdupont1), gestionnaire of Collège Test only."""
    make_staff(sesame, "jdupont1", role="gestionnaire", uai="0130999A")
    return clock


def test_an_agent_attaches_an_unmatched_request_and_it_is_printed(client, sesame, marie, agent, tmp_path):
    reference = reference_of(ask(client, prenom="Clara"))  # a typo: matches nobody
    before = follow_text(client, reference)
    sign_in(client, agent, "jdupont1")
    board = get(client, "/gestion/activation")
    assert "1 demande de courrier à vérifier" in board.text()
    listing = get(client, "/gestion/courriers")
    link = listing.soup.find("a", string=re.compile("Clara Lefevre"))
    assert link is not None and "Aucune personne ne correspond" in listing.text()
    page = get(client, link["href"])
    assert page.h1 == f"Demande de courrier {reference}"
    found = get(client, link["href"] + "&q=claire")  # one of her first names
    buttons = [b.get_text(strip=True) for b in found.soup.select("form[action='/gestion/courrier/rattacher'] button")]
    assert buttons == ["Rattacher à Marie Lefèvre"], "only Collège Test's accounts, found by any first name"
    done = submit(client, found, "/gestion/courrier/rattacher")
    assert done.h1 == "Demandes de courrier à vérifier"
    assert "rattachée à Marie Lefèvre (mlefevre)" in done.text() and "Aucune demande à vérifier" in done.text()
    row = request_row(sesame, reference)
    assert (row["account_id"], row["status"]) == (marie.id, "queued")
    event = sesame.store.one("select * from audit where event = 'letter.request_attached'")
    assert event["actor"] == "jdupont1" and event["account_id"] == marie.id and reference in event["details"]
    # Until printing, the requester reads what she read before.
    assert follow_text(client, reference) == before
    # HR prints the queue from the command line: her letter is in it.
    out = tmp_path / "lettres.pdf"
    env = {
        **cli_env(sesame.settings),
        "SESAME_SECRET_KEY": SECRET,
        "SESAME_ACADEMIE": "aix-marseille",
        "SESAME_PUBLIC_URL": "https://sesame.test",
    }
    result = CliRunner().invoke(main, ["letters", "--requests", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert request_row(sesame, reference)["status"] == "printed"
    assert "Votre lettre a été imprimée" in follow_text(client, reference)
    # (The command runs on the real clock, the app on the test's: look at the row itself.)
    code = sesame.store.one("select * from codes where account_id = ? and purpose = 'letter'", (marie.id,))
    assert code is not None and code["voided_at"] is None


def test_an_agent_rejects_a_request_and_the_requester_is_sent_to_the_help_desk(client, sesame, marie, agent):
    reference = reference_of(ask(client, prenom="Inconnue", nom="Personne"))
    row_id = request_row(sesame, reference)["id"]
    sign_in(client, agent, "jdupont1")
    page = get(client, f"/gestion/courrier?demande={row_id}")
    empty = submit(client, page, "/gestion/courrier/refuser", motif="  ")
    assert empty.status == 422 and empty.field_error("motif") == "Indiquez pourquoi la demande est refusée."
    done = submit(client, page, "/gestion/courrier/refuser", motif="Personne inconnue au collège")
    assert done.h1 == "Demandes de courrier à vérifier" and "refusée" in done.text()
    row = request_row(sesame, reference)
    assert (row["status"], row["rejection"]) == ("rejected", "Personne inconnue au collège")
    event = sesame.store.one("select * from audit where event = 'letter.request_rejected'")
    assert event["actor"] == "jdupont1" and reference in event["details"]
    text = follow_text(client, reference)
    assert "Appelez l'assistance" in text and sesame.profile.helpdesk_phone in text
    assert "Personne inconnue" not in text, "the agent's reason stays in Gestion"
    # Resolved once: a second answer is refused.
    again = client.post("/gestion/courrier/refuser", data={**page.form("/gestion/courrier/refuser"), "motif": "x"})
    assert again.status_code == 409


def test_requests_of_another_etablissement_are_out_of_reach(client, sesame, marie, agent):
    elsewhere = reference_of(ask(client, prenom="Clarisse", nom="Garnier", etablissement="ecole test"))
    row_id = request_row(sesame, elsewhere)["id"]
    sign_in(client, agent, "jdupont1")
    assert "Aucune demande à vérifier" in get(client, "/gestion/courriers").text()
    assert get(client, f"/gestion/courrier?demande={row_id}").status == 403
    token = get(client, "/compte").form("/deconnexion")["csrf_token"]
    refused = client.post(
        "/gestion/courrier/rattacher", data={"csrf_token": token, "demande": str(row_id), "compte": str(marie.id)}
    )
    assert refused.status_code == 403
    assert request_row(sesame, elsewhere)["status"] == "review"


def test_an_ambiguous_request_waits_for_an_agent(client, sesame, marie):
    twin = (
        "nom;prenom;date_naissance;numen;categorie;uai;etablissement\n"
        "Lefèvre;Claire;23/11/1988;13E24REQU0003;aesh;0130999A;Collège Test\n"
    )
    import_staff(parse_staff_csv(twin.encode()).rows, store=sesame.store, directory=sesame.directory, keys=sesame.keys)
    row = request_row(sesame, reference_of(ask(client)))
    assert (row["account_id"], row["status"], row["review_reason"]) == (None, "review", "ambiguous")


def test_a_staff_account_cannot_be_given_a_letter_by_a_scoped_agent(client, sesame, marie, agent):
    """Jean Dupont is an assistance agent: a letter for him would open a wider account."""
    make_staff(sesame, "jdupont", role="assistance", uai=None, factor=False)
    reference = reference_of(ask(client, prenom="Jean", nom="Inconnu"))
    row_id = request_row(sesame, reference)["id"]
    sign_in(client, agent, "jdupont1")
    page = get(client, f"/gestion/courrier?demande={row_id}&q=jean")
    jean = sesame.directory.by_login("jdupont")
    refused = client.post(
        "/gestion/courrier/rattacher",
        data={
            "csrf_token": page.form("/gestion/courrier/refuser")["csrf_token"],
            "demande": str(row_id),
            "compte": str(jean.id),
        },
    )
    assert refused.status_code == 403
    row = request_row(sesame, reference)
    assert (row["status"], row["account_id"]) == ("review", None)
