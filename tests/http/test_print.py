"""Printing letters never silently cancels a code (issue 11, item 5), over HTTP and
with the `sesame letters` command: a help-desk slip issued after a postal request
survives printing the requests, which shows the request as served; reprinting over a
valid code needs the agent's confirmation; the établissement page shows the new state."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from support.database import cli_env
from support.helpdesk import make_staff, sign_in
from support.letters import choose, enter_code, pdf_pages, qr_urls
from support.web import JEAN, SECRET, Page, date_fields, get, submit

from pwa.cli import main
from pwa.services.codes import Check

COLLEGE = "0130999A"  # Collège Test: Jean Dupont (not activated), Jeanne Dupont (the agent)
PAGE = f"/gestion/etablissement?uai={COLLEGE}"
LETTERS = f"/gestion/lettres?uai={COLLEGE}"
LEA_BIRTH = dt.date(1996, 9, 5)


@pytest.fixture
def agent(client, sesame, people, clock):
    """Jeanne Dupont (jdupont1): help desk and gestionnaire of Collège Test, signed in."""
    acc = make_staff(sesame, "jdupont1", role="assistance", uai=COLLEGE)
    sesame.roles.grant(acc.id, "gestionnaire", COLLEGE, by="test")
    sign_in(client, clock, "jdupont1")
    return acc


def ask_letter(client, prenom: str, nom: str, birth: dt.date, etablissement: str) -> str:
    """A postal request from the public form; returns its reference."""
    page = get(client, "/courrier")
    done = submit(client, page, "/courrier", prenom=prenom, nom=nom, etablissement=etablissement, **date_fields(birth))
    assert done.status == 201, done.errors
    return done.soup.find(id="reference").get_text(strip=True)


def slip_code(client, sesame, identifiant: str = "jdupont") -> str:
    """The help desk prints a slip for someone (the code is shown once)."""
    person = sesame.directory.by_login(identifiant)
    page = get(client, f"/gestion/compte?compte={person.id}")
    slip = submit(client, page, f"/gestion/compte/code?compte={person.id}", canal="fiche")
    assert slip.status == 200
    return slip.soup.select_one("#slip-code").get_text(strip=True)


def press(client, lettres: str, **fields: str):
    """Press a print button of Collège Test's page (with its CSRF token). Raw response."""
    token = get(client, PAGE).soup.find("input", attrs={"name": "csrf_token"})["value"]
    return client.post(LETTERS, data={"csrf_token": token, "lettres": lettres, **fields})


def codes_snapshot(sesame) -> list[dict]:
    return sesame.store.query("select id, purpose, target, used_at, voided_at from codes order by id")


def request_status(sesame, reference: str) -> str:
    return sesame.store.one("select status from letter_requests where reference = ?", (reference,))["status"]


def use_code_in_a_fresh_session(app, identifiant: str, code: str) -> Page:
    from starlette.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as other:
        page = enter_code(other, identifiant, code)
        assert page.h1 == "Choisissez votre mot de passe", page.errors
        return choose(other, page)


# -- over HTTP ------------------------------------------------------------------------


def test_a_slip_issued_after_a_request_survives_printing_the_requests(app, client, sesame, agent, clock):
    reference = ask_letter(client, "jean", "DUPONT", JEAN.birth, "college test")
    clock.now += 600
    code = slip_code(client, sesame)  # the caller phoned the help desk meanwhile

    page = get(client, PAGE)
    served = page.soup.select_one("#served-requests").get_text(" ", strip=True)
    assert "Dupont Jean" in served and "fiche de l'assistance remise le" in served
    assert page.soup.find("button", string=lambda t: t and "Imprimer les lettres demandées" in t) is None

    before = codes_snapshot(sesame)
    response = press(client, "demandes")
    # Nothing to print: back on the page (post/redirect/get), which says what happened.
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    after = Page(response)
    result = after.soup.select_one("#print-result").get_text(" ", strip=True)
    assert "Aucune lettre imprimée" in result and "Jean Dupont (jdupont)" in result
    assert after.soup.select_one("#served-requests") is None
    assert codes_snapshot(sesame) == before
    assert request_status(sesame, reference) == "served"
    follow = get(client, f"/courrier/suivi?reference={reference}")
    assert "un code plus récent vous a déjà été remis" in follow.text()
    audit = sesame.store.one("select actor, details from audit where event = 'letter.request_served'")
    assert audit["actor"] == "jdupont1" and "slip" in audit["details"]

    # The slip code still leads to choosing the password.
    done = use_code_in_a_fresh_session(app, "jdupont", code)
    assert done.status == 200 and sesame.directory.by_login("jdupont").password_hash


def test_reprinting_over_a_valid_slip_needs_confirmation(app, client, sesame, agent, clock, tmp_path):
    jean = sesame.directory.by_login("jdupont")
    code = slip_code(client, sesame)
    clock.now += 60
    before = codes_snapshot(sesame)

    asked = Page(press(client, "personne", compte=str(jean.id)))
    assert asked.status == 409 and asked.h1 == "Collège Test"
    who = asked.soup.select_one("#codes-to-void").get_text(" ", strip=True)
    assert "Jean Dupont (jdupont) : fiche de l'assistance remise le" in who
    assert "Rien n'a encore été imprimé" in asked.text()
    assert codes_snapshot(sesame) == before  # nothing printed, no code changed
    assert sesame.codes.check(jean.id, "letter", code, consume=False) is Check.OK

    form = asked.soup.select_one("#print-confirmation form")
    fields = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    assert fields["lettres"] == "personne" and fields["compte"] == str(jean.id)
    printed = client.post(LETTERS, data=fields)
    assert printed.headers["content-type"] == "application/pdf" and pdf_pages(printed.content) == 1
    # The old slip code stops working; the new letter's code works.
    assert sesame.codes.check(jean.id, "letter", code, consume=False) is not Check.OK
    new_code = qr_urls(printed.content, tmp_path)[0].split("#")[1]
    assert use_code_in_a_fresh_session(app, "jdupont", new_code).status == 200
    replaced = sesame.store.one("select actor, details from audit where event = 'letter.code_replaced'")
    assert replaced["actor"] == "jdupont1" and "slip" in replaced["details"]
    result = get(client, PAGE).soup.select_one("#print-result").get_text(" ", strip=True)
    assert "1 lettre imprimée :" in result and "Jean Dupont" in result


def test_a_confirmation_covers_only_the_codes_the_agent_saw(client, sesame, agent, clock):
    jean = sesame.directory.by_login("jdupont")
    slip_code(client, sesame)
    asked = Page(press(client, "personne", compte=str(jean.id)))
    seen = asked.soup.find("input", attrs={"name": "confirme"})["value"]
    clock.now += 60
    newer = slip_code(client, sesame)  # a colleague hands over a new slip meanwhile
    again = Page(press(client, "personne", compte=str(jean.id), confirme=seen))
    assert again.status == 409 and "Jean Dupont" in again.soup.select_one("#codes-to-void").get_text()
    assert sesame.codes.check(jean.id, "letter", newer, consume=False) is Check.OK
    assert Page(press(client, "personne", compte=str(jean.id), confirme="12,abc")).status == 409


def test_a_request_newer_than_the_letter_reprints_after_confirmation(client, sesame, agent, clock, tmp_path):
    """Jean lost the letter printed last week and asks for a new one: printing the
    requests would void the lost letter's code, so the agent confirms it."""
    jean = sesame.directory.by_login("jdupont")
    assert press(client, "personne", compte=str(jean.id)).headers["content-type"] == "application/pdf"
    clock.now += 600
    reference = ask_letter(client, "jean", "DUPONT", JEAN.birth, "college test")
    page = get(client, PAGE)
    assert page.soup.find("button", attrs={"value": "demandes"}) is not None
    assert page.soup.select_one("#served-requests") is None  # the letter is older than the request

    asked = Page(press(client, "demandes"))
    assert asked.status == 409 and asked.title.startswith("Confirmer l'impression")
    assert "Jean Dupont (jdupont) : lettre imprimée le" in asked.soup.select_one("#codes-to-void").get_text(
        " ", strip=True
    )
    assert request_status(sesame, reference) == "queued"
    confirm = asked.soup.find("input", attrs={"name": "confirme"})["value"]
    printed = press(client, "demandes", confirme=confirm)
    assert printed.headers["content-type"] == "application/pdf"
    assert request_status(sesame, reference) == "printed"
    assert "imprimée" in get(client, f"/courrier/suivi?reference={reference}").text()


def test_the_etablissement_page_after_printing_shows_the_new_state(client, sesame, agent, clock):
    page = get(client, PAGE)
    assert page.soup.find("button", attrs={"value": "attente"}) is not None
    response = press(client, "attente")
    assert response.headers["content-type"] == "application/pdf"

    after = get(client, PAGE)
    assert "1 lettre imprimée :" in after.soup.select_one("#print-result").get_text(" ", strip=True)
    # It no longer offers to print Jean's letter as a new one: only a reprint, which asks first.
    assert after.soup.find("button", attrs={"value": "attente"}) is None
    assert "Toutes les personnes pas encore activées ont une lettre valable" in after.text()
    row = after.soup.select_one("ul.letters-list li").get_text(" ", strip=True)
    assert "lettre imprimée le" in row and "Réimprimer sa lettre" in row
    # The result is shown once.
    assert get(client, PAGE).soup.select_one("#print-result") is None


def test_printed_requests_leave_the_waiting_list(client, sesame, agent, clock):
    ask_letter(client, "jean", "DUPONT", JEAN.birth, "college test")
    assert "Dupont Jean" in get(client, PAGE).text()
    response = press(client, "demandes")
    assert response.headers["content-type"] == "application/pdf"
    after = get(client, PAGE)
    assert after.soup.find(id="queued-title") is None
    assert after.soup.find("button", attrs={"value": "demandes"}) is None


# -- the command line -----------------------------------------------------------------


def cli(settings, *args: str):
    env = {
        **cli_env(settings),
        "SESAME_SECRET_KEY": SECRET,
        "SESAME_ACADEMIE": "aix-marseille",
        "SESAME_PUBLIC_URL": "https://sesame.exemple.fr",
    }
    return CliRunner().invoke(main, ["letters", *args], env=env)


def test_cli_skips_requests_a_newer_slip_serves_and_says_so(app, client, sesame, settings, agent, clock, tmp_path):
    reference = ask_letter(client, "jean", "DUPONT", JEAN.birth, "college test")
    ask_letter(client, "léa", "martin", LEA_BIRTH, "ecole test")
    clock.now += 600
    code = slip_code(client, sesame)
    out = tmp_path / "demandes.pdf"
    result = cli(settings, "--requests", str(out))
    assert result.exit_code == 0, result.output
    assert (
        f"Demande {reference} de Jean Dupont (jdupont) déjà servie : fiche de l'assistance remise le" in result.stdout
    )
    assert "Pas de nouvelle lettre." in result.stdout and f"1 lettre(s) dans {out}." in result.stdout
    assert [u.split("#")[0] for u in qr_urls(out.read_bytes(), tmp_path)] == [
        "https://sesame.exemple.fr/activation?identifiant=lmartin"
    ]
    assert request_status(sesame, reference) == "served"
    assert sesame.codes.check(sesame.directory.by_login("jdupont").id, "letter", code, consume=False) is Check.OK
    # Nothing left: the usual message and status.
    empty = cli(settings, "--requests", str(tmp_path / "rien.pdf"))
    assert empty.exit_code == 2 and "Erreur : aucune lettre à imprimer." in empty.stderr


def test_cli_reprint_over_a_valid_code_lists_who_and_needs_yes(sesame, settings, people, tmp_path):
    first = tmp_path / "premiere.pdf"
    assert cli(settings, "--identifiant", "jdupont", str(first)).exit_code == 0
    old = qr_urls(first.read_bytes(), tmp_path)[0].split("#")[1]
    jean = sesame.directory.by_login("jdupont")

    second = tmp_path / "seconde.pdf"
    refused = cli(settings, "--identifiant", "jdupont", str(second))
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit)  # no traceback
    assert "Ces lettres annuleraient un code encore valable" in refused.stderr
    assert "Jean Dupont (jdupont) : lettre imprimée le" in refused.stderr and "--yes" in refused.stderr
    assert "Traceback" not in refused.output
    assert not second.exists()
    assert sesame.codes.check(jean.id, "letter", old, consume=False) is Check.OK

    done = cli(settings, "--identifiant", "jdupont", "--yes", str(second))
    assert done.exit_code == 0, done.output
    assert "Les anciens codes de Jean Dupont ne marchent plus." in done.stdout
    assert sesame.codes.check(jean.id, "letter", old, consume=False) is not Check.OK
    assert pdf_pages(second.read_bytes()) == 1
