"""Activation letters and one-time codes over HTTP (DESIGN §3.3, §3.5b, §5):
print, decode the QR code, use the code, reprint, throttling, the login
field, and the postal letter request."""

from __future__ import annotations

import re
import time

import pytest
from support.database import dump
from support.letters import GOOD, choose, enter_code, pdf_pages, qr_urls
from support.web import JEAN, JEANNE, Page, date_fields, get, submit

from pwa.services.codes import grouped
from pwa.services.letters import REQUESTS_PER_CLIENT_HOUR

BASE = "https://sesame.exemple.fr"


def normalise(html: str) -> str:
    """The page without its per-request tokens (CSRF, nonce, reference)."""
    html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(r"L-[A-Z2-9]{8}", "L-REF", html)


def print_letters(sesame, identifiants: list[str]) -> bytes:
    people = sesame.letters.accounts(identifiants=identifiants)
    return sesame.letters.print(people, base_url=BASE, actor="test")


def login(client, login_name: str, password: str) -> Page:
    return submit(client, get(client, "/connexion"), "/connexion", login=login_name, password=password)


def test_letters_pdf_has_one_page_per_person_and_qr_codes_that_open_the_code_page(client, sesame, people, tmp_path):
    pdf = print_letters(sesame, ["jdupont", "jdupont1"])
    assert pdf_pages(pdf) == 2
    urls = qr_urls(pdf, tmp_path)
    assert [u.split("#")[0] for u in urls] == [
        f"{BASE}/activation?identifiant=jdupont",
        f"{BASE}/activation?identifiant=jdupont1",
    ]
    code = urls[0].split("#", 1)[1]
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    # The code read from the paper works, then the password opens the account.
    page = enter_code(client, "jdupont", code)
    assert page.status == 200 and page.h1 == "Choisissez votre mot de passe", page.errors
    done = choose(client, page)
    assert done.status == 200 and "jdupont" in done.text()
    assert login(client, "jdupont", GOOD).h1 == "Mon compte"
    # Single use: the same code does nothing more.
    client.cookies.clear()
    again = enter_code(client, "jdupont", code)
    assert again.status == 422 and again.field_error("code")
    audit = [r["event"] for r in sesame.store.query("select event from audit order by id")]
    assert "letter.printed" in audit and "password.set_letter" in audit


def test_no_clear_code_in_the_database(sesame, people, tmp_path):
    pdf = print_letters(sesame, ["jdupont"])
    code = qr_urls(pdf, tmp_path)[0].split("#", 1)[1].replace("-", "")
    rows = dump(sesame.store)
    assert code not in rows and grouped(code) not in rows


def test_a_reprint_voids_the_previous_letter(client, sesame, people, tmp_path):
    first = qr_urls(print_letters(sesame, ["jdupont"]), tmp_path)[0].split("#")[1]
    second = qr_urls(print_letters(sesame, ["jdupont"]), tmp_path)[0].split("#")[1]
    assert first != second
    assert enter_code(client, "jdupont", first).status == 422
    assert enter_code(client, "jdupont", second).h1 == "Choisissez votre mot de passe"


def test_wrong_codes_throttle_the_client_without_voiding_the_code(client, sesame, people):
    code = sesame.codes.issue(sesame.directory.by_login("jdupont").id, "letter")
    wrong = "ABCD-EFGH-JKLM" if code != "ABCDEFGHJKLM" else "MLKJ-HGFE-DCBA"
    statuses = [enter_code(client, "jdupont", wrong).status for _ in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
    refused = enter_code(client, "jdupont", code)
    assert refused.status == 429 and "Attendez" in refused.field_error("code")
    # The code was never voided: once the delay has passed, it still works.
    later = time.time() + 3600
    sesame.store.clock = lambda: later
    assert enter_code(client, "jdupont", code).h1 == "Choisissez votre mot de passe"


def test_wrong_and_unknown_get_the_same_answer(client, sesame, people):
    sesame.codes.issue(sesame.directory.by_login("jdupont").id, "letter")
    known = enter_code(client, "jdupont", "ABCD-EFGH-JKLM")
    unknown = enter_code(client, "personne", "ABCD-EFGH-JKLM")
    no_code = enter_code(client, "jdupont1", "ABCD-EFGH-JKLM")
    assert known.status == unknown.status == no_code.status == 422
    assert known.field_error("code") == unknown.field_error("code") == no_code.field_error("code")


def test_bad_code_shapes_are_explained_and_the_identifiant_kept(client, people):
    page = enter_code(client, "jdupont", "ABC1")
    assert page.status == 422
    assert "12 caractères" in page.field_error("code")
    assert page.value("identifiant") == "jdupont"
    assert page.value("code") in ("", None)  # a code is never sent back


def test_letter_code_typed_in_the_login_form_leads_to_choosing_the_password(client, sesame, people):
    code = sesame.codes.issue(sesame.directory.by_login("jdupont").id, "letter")
    page = login(client, "jdupont", grouped(code).lower())
    assert page.h1 == "Choisissez votre mot de passe"
    assert choose(client, page).status == 200
    assert login(client, "jean.dupont@ac-aix-marseille.fr", GOOD).h1 == "Mon compte"


def test_help_desk_code_can_reset_lost_factors(client, sesame, people):
    account = sesame.directory.by_login("jdupont")
    sesame.directory.set_password_hash(account.id, sesame.hashing.hash("Ancien-Mot-De-Passe-42"))
    sesame.authenticators.add_totp(account.id, "JBSWY3DPEHPK3PXP", 0)
    code = sesame.codes.issue(account.id, "helpdesk")
    page = enter_code(client, "jdupont", code.lower())
    # No second-factor step with a help-desk code; the lost factor can go.
    assert page.h1 == "Choisissez votre mot de passe"
    assert page.soup.find("input", id="reset_factors") is not None
    choose(client, page, reset_factors="1")
    assert not sesame.authenticators.has_factor(account.id)
    events = [r["event"] for r in sesame.store.query("select event from audit where account_id = ?", (account.id,))]
    assert "password.set_helpdesk" in events and "factors.reset" in events


def test_numen_reset_still_asks_for_the_factor(client, sesame, people):
    account = sesame.directory.by_login("jdupont")
    sesame.authenticators.add_totp(account.id, "JBSWY3DPEHPK3PXP", 0)
    page = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant="jdupont")
    page = submit(client, page, "/mot-de-passe/verification", numen=JEAN.numen, **date_fields(JEAN.birth))
    assert page.h1 != "Choisissez votre mot de passe"
    assert get(client, "/mot-de-passe/nouveau").h1 != "Choisissez votre mot de passe"


# Postal letter request (journey 5b) ----------------------------------------


def ask_letter(client, **fields: str) -> Page:
    return submit(client, get(client, "/courrier"), "/courrier", **fields)


def jeanne(**overrides: str) -> dict[str, str]:
    fields = {"prenom": "jeanne", "nom": "DUPONT", "etablissement": "college test", **date_fields(JEANNE.birth)}
    return {**fields, **overrides}


def test_letter_request_known_and_unknown_get_identical_answers(client, sesame, people):
    known = ask_letter(client, **jeanne())
    unknown = ask_letter(client, **jeanne(prenom="Personne"))
    wrong_birth = ask_letter(client, **jeanne(annee="1991"))
    assert known.status == unknown.status == wrong_birth.status == 201
    assert normalise(known.response.text) == normalise(unknown.response.text) == normalise(wrong_birth.response.text)
    rows = sesame.store.query("select account_id, status from letter_requests order by id")
    assert [r["account_id"] is not None for r in rows] == [True, False, False]


def test_a_request_is_followed_by_reference_and_printed_by_hr(client, sesame, people, tmp_path):
    page = ask_letter(client, **jeanne())
    reference = page.soup.find(id="reference").get_text(strip=True)
    follow = get(client, f"/courrier/suivi?reference={reference.lower()}")
    assert follow.status == 200 and "en attente d'impression" in follow.text()
    unknown = ask_letter(client, **jeanne(prenom="Personne")).soup.find(id="reference").get_text(strip=True)
    assert "en attente d'impression" in get(client, f"/courrier/suivi?reference={unknown}").text()
    # HR prints the queue: the person gets a letter with a working code.
    queued = sesame.letters.queued()
    assert [a.identifiant for a, _ in queued] == ["jdupont1"]
    pdf = sesame.letters.print(queued, base_url=BASE, actor="test")
    assert pdf_pages(pdf) == 1
    assert "imprimée" in get(client, f"/courrier/suivi?reference={reference}").text()
    code = qr_urls(pdf, tmp_path)[0].split("#")[1]
    assert enter_code(client, "jdupont1", code).h1 == "Choisissez votre mot de passe"
    assert get(client, "/courrier/suivi?reference=L-NOPE2345").status == 404


def test_letter_request_form_explains_mistakes_and_keeps_fields(client, sesame, people):
    page = ask_letter(client, **jeanne(prenom="", etablissement="lycée introuvable"))
    assert page.status == 422
    assert page.field_error("prenom") and "ne trouvons pas" in page.field_error("etablissement")
    assert page.value("nom") == "DUPONT" and page.value("jour") == str(JEANNE.birth.day)
    assert sesame.store.one("select count(*) as n from letter_requests")["n"] == 0


def test_several_matching_etablissements_are_offered_as_a_choice(client, sesame, people):
    page = ask_letter(client, **jeanne(etablissement="test"))
    assert page.status == 422
    radios = page.soup.select("input[name=uai]")
    assert {r["value"] for r in radios} == {"0130999A", "0130997C"}
    chosen = submit(
        client, page, "/courrier", uai="0130999A", prenom="Jeanne", nom="Dupont", **date_fields(JEANNE.birth)
    )
    assert chosen.status == 201


def test_letter_requests_are_capped_per_client(client, people):
    for _ in range(REQUESTS_PER_CLIENT_HOUR):
        assert ask_letter(client, **jeanne(prenom="Personne")).status == 201
    refused = ask_letter(client, **jeanne())
    assert refused.status == 429 and refused.errors


# Printing from the Gestion pages -------------------------------------------


@pytest.fixture
def gestionnaire(client, sesame, people):
    """Jeanne Dupont, gestionnaire of Collège Test (0130999A), signed in with her OTP app."""
    from support.helpdesk import make_staff, sign_in
    from support.web import Clock

    clock = Clock()
    sesame.store.clock = clock
    make_staff(sesame, "jdupont1", role="gestionnaire", uai="0130999A")
    sign_in(client, clock, "jdupont1")
    return clock


def print_from_gestion(client, lettres: str, *, uai: str = "0130999A", **fields: str):
    """Press a print button of Collège Test's page (its form and CSRF token),
    sending it for `uai`. Returns the raw response: a PDF when all went well."""
    form = get(client, "/gestion/etablissement?uai=0130999A").form("/gestion/lettres?uai=0130999A")
    return client.post(f"/gestion/lettres?uai={uai}", data={**form, "lettres": lettres, **fields})


def test_gestionnaire_prints_the_letters_of_an_etablissement(client, sesame, gestionnaire, tmp_path):
    assert get(client, "/gestion/etablissement?uai=0130999A").status == 200
    response = print_from_gestion(client, "attente")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    # Jean is the only one not activated in Collège Test (Jeanne, the gestionnaire, is).
    assert pdf_pages(response.content) == 1
    url = qr_urls(response.content, tmp_path)[0]
    assert "identifiant=jdupont#" in url
    events = sesame.store.query("select actor from audit where event = 'letter.printed'")
    assert [e["actor"] for e in events] == ["jdupont1"]


def test_nothing_to_print_is_said_on_the_page(client, sesame, gestionnaire):
    page = Page(print_from_gestion(client, "demandes"))
    assert page.status == 422 and "aucune lettre" in page.text()


def test_letters_of_another_etablissement_are_refused(client, sesame, gestionnaire):
    response = print_from_gestion(client, "attente", uai="0130997C")
    assert response.status_code == 403
    assert sesame.store.one("select count(*) as n from codes")["n"] == 0


# Found in review ------------------------------------------------------------


def test_two_sessions_with_the_same_code_get_one_password(app, client, sesame, people):
    from starlette.testclient import TestClient

    code = sesame.codes.issue(sesame.directory.by_login("jdupont").id, "letter")
    with TestClient(app, base_url="https://testserver") as other:
        first = enter_code(client, "jdupont", code)
        second = enter_code(other, "jdupont", code)
        assert first.h1 == second.h1 == "Choisissez votre mot de passe"
        assert choose(client, first).status == 200
        late = choose(other, second, password="Autre-Phrase-De-Passe-Tres-Longue")
    assert late.status == 410 and "déjà servi" in late.field_error("code")
    assert login(client, "jdupont", GOOD).h1 == "Mon compte"


def test_a_reprint_also_voids_a_code_already_typed(client, sesame, people):
    account = sesame.directory.by_login("jdupont")
    page = enter_code(client, "jdupont", sesame.codes.issue(account.id, "letter"))
    sesame.codes.issue(account.id, "letter")  # HR prints a new letter meanwhile
    assert choose(client, page).status == 410
    assert sesame.directory.get(account.id).password_hash is None


def test_a_replaced_request_reads_like_a_queued_one(client, sesame, people, clock):
    """Otherwise asking twice would tell whether the details matched an account.
    (The clock is frozen: the pages show the minute each request was made.)"""

    def first_reference(**fields):
        reference = ask_letter(client, **jeanne(**fields)).soup.find(id="reference").get_text(strip=True)
        ask_letter(client, **jeanne(**fields))
        return normalise(get(client, f"/courrier/suivi?reference={reference}").response.text)

    assert first_reference() == first_reference(annee="1991")


def test_absurd_birth_date_numbers_are_a_french_message(client, people):
    page = ask_letter(client, **jeanne(jour="9" * 40))
    assert page.status == 422 and any("date" in e for e in page.errors)


def test_an_unknown_print_choice_is_a_4xx(client, sesame, gestionnaire):
    assert print_from_gestion(client, "tout").status_code == 400


def test_printing_for_everyone_skips_valid_letters_and_one_person_can_be_reprinted(
    client, sesame, gestionnaire, tmp_path
):
    jean = sesame.directory.by_login("jdupont")
    first = print_letters(sesame, ["jdupont"])  # a letter already on its way
    page = get(client, "/gestion/etablissement?uai=0130999A")
    assert "lettre imprimée le" in page.text()
    assert page.soup.find("button", attrs={"value": "attente"}) is None  # nobody left without one
    again = print_from_gestion(client, "attente")
    assert again.status_code == 422
    old_code = qr_urls(first, tmp_path)[0].split("#")[1]
    assert sesame.codes.check(jean.id, "letter", old_code, consume=False).value == "ok"
    # Reprinting voids Jean's valid letter: the agent confirms first (tests/test_print.py).
    ask = Page(print_from_gestion(client, "personne", compte=str(jean.id)))
    assert ask.status == 409 and "Jean Dupont" in ask.soup.select_one("#codes-to-void").get_text()
    confirm = ask.soup.find("input", attrs={"name": "confirme"})["value"]
    reprint = print_from_gestion(client, "personne", compte=str(jean.id), confirme=confirm)
    assert reprint.status_code == 200 and pdf_pages(reprint.content) == 1
    assert sesame.codes.check(jean.id, "letter", old_code, consume=False).value == "wrong"
    other = print_from_gestion(client, "personne", compte=str(sesame.directory.by_login("lmartin").id))
    assert other.status_code == 400
