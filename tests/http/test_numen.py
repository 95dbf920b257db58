"""NUMEN + birth date alone (issue 11, items 1, 2, 7): no identifiant or address typed,
the identifiant and address shown with the new password; the namesake hint on the
identifiant-first and address-first paths; step 2 kept by reload (post/redirect/get)."""

from __future__ import annotations

import datetime as dt
import logging

from support.database import stored_bytes
from support.web import JEAN, JEANNE, Page, date_fields, get, submit

from pwa.security.throttle import DAILY_BUDGET, FREE_FAILURES

GOOD = "Girafe-Orange-Sous-La-Pluie"
UNKNOWN_NUMEN = "13E24TEST9999"
WRONG_BIRTH = dt.date(1984, 7, 14)


def by_numen(client, numen: str, birth: dt.date) -> Page:
    page = get(client, "/mot-de-passe/numen")
    return submit(client, page, "/mot-de-passe/numen", numen=numen, **date_fields(birth))


def main_shape(page: Page) -> str:
    """The main content as a reader gets it, tokens and anti-robot challenge aside."""
    main = page.soup.find("main")
    for node in main.select("input[name=csrf_token], altcha-widget"):
        node.decompose()
    return str(main)


def test_numen_and_birth_date_alone_show_the_identifiant_then_the_password(client, people):
    home = get(client, "/")
    first = home.soup.select_one("main a.choice")
    assert first["href"] == "/mot-de-passe/numen" and "Première connexion" in first.get_text()
    page = by_numen(client, "13 e24 test-0002", JEANNE.birth)  # typed loosely, as on the letter
    assert page.status == 200 and str(page.response.url).endswith("/mot-de-passe/nouveau")
    assert page.soup.select_one("#identity-identifiant").get_text(strip=True) == JEANNE.identifiant
    assert page.soup.select_one("#identity-email").get_text(strip=True) == JEANNE.email
    copy = {b["data-copy"] for b in page.soup.select("button[data-copy]")}
    assert copy == {"identity-identifiant", "identity-email"}
    done = submit(client, page, "/mot-de-passe/nouveau", password=GOOD, confirmation=GOOD)
    assert "enregistré" in done.h1
    client.cookies.clear()
    login = get(client, "/connexion")
    assert submit(client, login, "/connexion", login=JEANNE.identifiant, password=GOOD).h1 == "Mon compte"


def test_the_identifiant_first_path_does_not_show_the_identity_block(client, people):
    page = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant=JEAN.identifiant)
    page = submit(client, page, "/mot-de-passe/verification", numen=JEAN.numen, **date_fields(JEAN.birth))
    assert page.h1 == "Choisissez votre mot de passe" and page.soup.select_one("#identity-identifiant") is None


def test_unknown_numen_and_wrong_birth_date_get_identical_answers(client, people):
    wrong = by_numen(client, JEAN.numen, WRONG_BIRTH)
    unknown = by_numen(client, UNKNOWN_NUMEN, WRONG_BIRTH)
    assert wrong.status == unknown.status == 422
    assert main_shape(wrong) == main_shape(unknown)
    assert wrong.errors == [wrong.field_error("numen")]
    assert wrong.errors[0].startswith("Ces informations ne correspondent pas")
    assert wrong.value("numen") == "" and JEAN.numen not in wrong.response.text
    assert (wrong.value("jour"), wrong.value("annee")) == ("14", "1984"), "the date is kept"


def test_bad_inputs_are_explained_on_the_same_page(client, sesame, people):
    page = get(client, "/mot-de-passe/numen")
    assert page.soup.find("form", attrs={"action": "/mot-de-passe/numen"}).find("altcha-widget") is not None
    empty = submit(client, page, "/mot-de-passe/numen", jour="", mois="", annee="", numen="")
    assert empty.status == 422 and len(empty.errors) == 2
    short = submit(client, page, "/mot-de-passe/numen", numen="13E24", **date_fields(JEAN.birth))
    assert short.field_error("numen") == "Le NUMEN compte 13 caractères ; vous en avez saisi 5."
    assert short.value("jour") == "14"
    robot = submit(client, page, "/mot-de-passe/numen", numen=JEAN.numen, altcha="forged", **date_fields(JEAN.birth))
    assert robot.status == 400 and robot.h1.startswith("Première connexion")
    assert robot.field_error("altcha") and robot.value("jour") == "14"
    assert sesame.store.one("select count(*) as n from audit")["n"] == 0, "refused before any check"
    # Without JavaScript (no widget solution), the form still works, within the no-JS budget.
    nojs = submit(client, page, "/mot-de-passe/numen", numen=JEAN.numen, altcha="", **date_fields(JEAN.birth))
    assert nojs.status == 200 and nojs.h1 == "Choisissez votre mot de passe"


def test_throttle_counts_per_numen_tried_and_per_client(client, sesame, people):
    known = [by_numen(client, JEAN.numen, WRONG_BIRTH).status for _ in range(FREE_FAILURES + 2)]
    unknown = [by_numen(client, UNKNOWN_NUMEN, WRONG_BIRTH).status for _ in range(FREE_FAILURES + 2)]
    assert known == unknown == [422] * (FREE_FAILURES + 1) + [429]
    # Typed another way, the same unknown NUMEN is the same subject; another NUMEN is not.
    assert by_numen(client, "13e24 test 9999", WRONG_BIRTH).status == 429
    assert by_numen(client, JEANNE.numen, JEANNE.birth).status == 200
    # The right pair waits too on the throttled NUMEN, from this client only.
    assert by_numen(client, JEAN.numen, JEAN.birth).status == 429
    assert sesame.accounts.identify_by_numen(JEAN.birth, JEAN.numen, "198.51.100.20").ok
    subjects = {r["subject"] for r in sesame.store.query("select subject from failures")}
    jean = sesame.directory.by_login(JEAN.identifiant)
    assert f"account:{jean.id}" in subjects
    assert all(UNKNOWN_NUMEN not in s and UNKNOWN_NUMEN.lower() not in s for s in subjects)


def test_daily_budget_of_a_numen_pauses_it(sesame, people):
    service = sesame.accounts
    for n in range(DAILY_BUDGET):
        assert not service.identify_by_numen(WRONG_BIRTH, JEAN.numen, f"10.0.{n}.1").ok
    paused = service.identify_by_numen(JEAN.birth, JEAN.numen, "192.0.2.7")
    assert paused.throttled and paused.verdict.reason == "paused"
    assert service.verify_numen(JEAN.identifiant, JEAN.birth, JEAN.numen, "192.0.2.7").throttled


def test_audit_and_logs_hold_no_secret(client, sesame, people, caplog, settings):
    caplog.set_level(logging.DEBUG)
    by_numen(client, UNKNOWN_NUMEN, WRONG_BIRTH)
    by_numen(client, JEAN.numen, WRONG_BIRTH)
    page = by_numen(client, JEAN.numen, JEAN.birth)
    submit(client, page, "/mot-de-passe/nouveau", password=GOOD, confirmation=GOOD)
    jean = sesame.directory.by_login(JEAN.identifiant)
    rows = sesame.store.query("select event, account_id, details from audit order by id")
    assert [(r["event"], r["account_id"]) for r in rows] == [
        ("identity.failed", None),
        ("identity.failed", jean.id),
        ("identity.verified", jean.id),
        ("password.set", jean.id),
    ]
    raw = stored_bytes(sesame.store, settings)
    assert "POST https://testserver/mot-de-passe/numen" in caplog.text
    secrets = (JEAN.numen, UNKNOWN_NUMEN, JEAN.numen.lower(), "14/07/1985", "1985-07-14", "1984-07-14", GOOD)
    for secret in secrets:
        assert secret.encode() not in raw, f"{secret} stored in clear"
        assert secret not in caplog.text, f"{secret} logged"
        assert all(secret not in (r["details"] or "") for r in rows)


def test_disabled_account_behaves_as_on_the_identifiant_path(client, sesame, people):
    jean = sesame.directory.by_login(JEAN.identifiant)
    sesame.directory.set_status(jean.id, "disabled")
    right = by_numen(client, JEAN.numen, JEAN.birth)
    assert right.status == 403 and "désactivé" in right.errors[0]
    assert sesame.profile.helpdesk_phone in right.errors[0]
    wrong = by_numen(client, JEAN.numen, WRONG_BIRTH)
    assert wrong.status == 422 and "désactivé" not in wrong.text(), "only the owner learns it"
    assert get(client, "/mot-de-passe/nouveau").status == 410, "no grant"


def test_second_factor_still_asked_when_enrolled(client, sesame, people):
    jean = sesame.directory.by_login(JEAN.identifiant)
    sesame.authenticators.add_totp(jean.id, "JBSWY3DPEHPK3PXP", 0)
    page = by_numen(client, JEAN.numen, JEAN.birth)
    assert str(page.response.url).endswith("/mot-de-passe/facteur")
    assert page.h1 == "Confirmez avec votre deuxième protection"
    assert get(client, "/mot-de-passe/nouveau").h1 != "Choisissez votre mot de passe"


def test_namesake_typing_the_base_identifiant_is_told_about_the_digit(client, people):
    """Jeanne Dupont is jdupont1: typing jdupont with her own date and NUMEN fails, and says why."""
    step2 = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant="jdupont")
    identity = {"numen": JEANNE.numen, **date_fields(JEANNE.birth)}
    failed = submit(client, step2, "/mot-de-passe/verification", **identity)
    assert failed.status == 422
    assert "se termine peut-être par un chiffre, par exemple jdupont1" in failed.errors[0]
    route = failed.soup.select_one("main a[href='/mot-de-passe/numen']")
    assert route is not None and "NUMEN" in route.get_text()
    reached = by_numen(client, JEANNE.numen, JEANNE.birth)
    assert reached.soup.select_one("#identity-identifiant").get_text(strip=True) == "jdupont1"


def test_namesake_hint_reveals_nothing_about_accounts(client, people):
    def fail(identifiant: str) -> Page:
        step2 = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant=identifiant)
        return submit(client, step2, "/mot-de-passe/verification", numen=UNKNOWN_NUMEN, **date_fields(WRONG_BIRTH))

    known, unknown = fail("jdupont"), fail("zdupont")
    assert known.status == unknown.status == 422
    masked = [main_shape(p).replace(n, "NAME") for p, n in ((known, "jdupont"), (unknown, "zdupont"))]
    assert masked[0] == masked[1]


def test_namesake_hint_on_the_address_path(client, people):
    step2 = submit(client, get(client, "/identifiant"), "/identifiant", email="jeanne.dupont@ac-aix-marseille.fr")
    failed = submit(client, step2, "/identifiant/verification", numen=UNKNOWN_NUMEN, **date_fields(JEANNE.birth))
    assert failed.status == 422
    assert "chiffre avant le @, par exemple jeanne.dupont1@ac-aix-marseille.fr" in failed.errors[0]
    assert failed.soup.select_one("main a[href='/mot-de-passe/numen']") is not None


def test_reload_of_step_two_keeps_step_two(client, people):
    step2 = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant=" JDupont1 ")
    assert step2.response.url.path == "/mot-de-passe/verification"
    reloaded = get(client, str(step2.response.url))
    assert reloaded.status == 200 and reloaded.value("identifiant") == "jdupont1"
    assert reloaded.h1 == "Vérifions qu'il s'agit bien de vous"
    address = submit(client, get(client, "/identifiant"), "/identifiant", email=JEAN.email)
    assert address.response.url.path == "/identifiant/verification"
    again = get(client, str(address.response.url))
    assert again.status == 200 and again.value("email") == JEAN.email
    # Without (or with a broken) identifiant, step 2 sends back to step 1.
    assert get(client, "/mot-de-passe/verification").h1 == "Choisir mon mot de passe"
    assert get(client, "/identifiant/verification?adresse=x@gmail.com").h1 == "Retrouver mon identifiant"
    # Never a secret in those URLs: only the identifiant or address.
    assert str(step2.response.url).endswith("/mot-de-passe/verification?identifiant=jdupont1")


def test_every_entry_point_leads_to_the_numen_journey(client):
    for url in ("/", "/connexion", "/depannage", "/identifiant", "/mot-de-passe"):
        links = {a["href"] for a in get(client, url).soup.select("main a")}
        assert "/mot-de-passe/numen" in links, url


def test_identifiant_found_by_address_leads_to_the_password_without_the_numen_again(client, people):
    step2 = submit(client, get(client, "/identifiant"), "/identifiant", email=JEAN.email)
    found = submit(client, step2, "/identifiant/verification", numen=JEAN.numen, **date_fields(JEAN.birth))
    assert found.response.url.path == "/identifiant/trouve"
    assert found.soup.select_one("#identifiant-value").get_text(strip=True) == JEAN.identifiant
    assert get(client, "/identifiant/trouve").h1 == "Votre identifiant", "reload keeps the page"
    button = found.soup.select_one("main a.button")
    assert button["href"] == "/mot-de-passe/nouveau"
    choose = get(client, button["href"])
    assert choose.h1 == "Choisissez votre mot de passe" and choose.soup.select_one("input[name=numen]") is None
    done = submit(client, choose, "/mot-de-passe/nouveau", password=GOOD, confirmation=GOOD)
    assert "enregistré" in done.h1
    # Without a proof of identity in this session, the page sends back to the start.
    client.cookies.clear()
    assert get(client, "/identifiant/trouve").h1 == "Retrouver mon identifiant"
