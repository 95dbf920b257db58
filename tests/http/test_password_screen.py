"""Issue 11 item 6 over HTTP: the new-password screen's checklist (unmet rules first,
met ones in one collapsed line), the mismatch message without JavaScript, the
OTP enrolment that counts as the
session's second step (Gestion opens at once)."""

from __future__ import annotations

import pyotp
from support.helpdesk import AGENT, make_staff, sign_in
from support.journeys import GOOD, login, reset_to_choose
from support.web import JEAN, Page, get, submit

COOKIE = "__Host-sesame"


def top_level(page) -> tuple[list[str], list[str]]:
    """(ids of the top-level rules still to do, ids of those met), as the page lists them."""
    todo = page.soup.select_one("[data-checklist-todo]")
    done = page.soup.select_one("[data-checklist-done]")
    return (
        [li["data-criterion"] for li in todo.find_all("li", recursive=False)],
        [li["data-criterion"] for li in done.find_all("li", recursive=False)],
    )


def test_unmet_rules_first_met_ones_collapsed_into_one_line(client, sesame, people):
    page = reset_to_choose(client, JEAN.identifiant, JEAN.birth, JEAN.numen)
    todo, done = top_level(page)
    assert todo[0] == "composition" and done == ["max_length"], (todo, done)
    group = page.soup.select_one("details.checklist-done")
    assert group is not None and not group.has_attr("open"), "met rules start collapsed"
    assert group.summary.get_text(" ", strip=True) == "1 règle respectée"

    # Without JavaScript, the refused form comes back with the same arrangement.
    refused = submit(client, page, "/mot-de-passe/nouveau", password="Jean1985", confirmation="Jean1985")
    assert refused.status == 422
    todo, done = top_level(refused)
    states = {li["data-criterion"]: li["data-state"] for li in refused.soup.select("li[data-criterion]")}
    assert all(states[i] == "unmet" for i in todo) and all(states[i] == "met" for i in done)
    assert "composition" in todo and "max_length" in done
    summary = refused.soup.select_one("details.checklist-done summary").get_text(" ", strip=True)
    plural = "s" if len(done) > 1 else ""
    assert summary == f"{len(done)} règle{plural} respectée{plural}"
    # Inside "Choix 1", the missing parts come before the ones already there.
    parts = [li["data-state"] for li in refused.soup.select('li[data-criterion="classic"] > ul > li')]
    assert parts == sorted(parts, key=lambda s: s != "unmet") and "met" in parts and "unmet" in parts

    # A password meeting every rule: nothing left to do, all in the one line.
    form = {**refused.form("/mot-de-passe/nouveau"), "password": GOOD, "input_id": "password"}
    ok = Page(client.post("/mot-de-passe/verifier", data=form))
    todo, done = top_level(ok)
    assert todo == [] and done == [c.id for c in sesame.policy.criteria if c.parent is None]
    assert ok.soup.select_one("[data-checklist-todo]").has_attr("hidden")
    assert ok.soup.select_one("details.checklist-done summary").get_text(" ", strip=True) == (
        f"{len(done)} règles respectées"
    )


def test_mismatch_without_javascript_says_which_fields_to_retype(client, people):
    page = reset_to_choose(client, JEAN.identifiant, JEAN.birth, JEAN.numen)
    mismatch = submit(client, page, "/mot-de-passe/nouveau", password=GOOD, confirmation=GOOD + "x")
    assert mismatch.status == 422
    message = mismatch.field_error("confirmation")
    assert message.startswith("Les deux mots de passe ne sont pas identiques.")
    assert "« Nouveau mot de passe »" in message and "« Confirmez le mot de passe »" in message
    assert mismatch.errors == [message]
    # Never echoed into the page: both fields come back empty, as the message says.
    assert mismatch.value("password") in (None, "") and mismatch.value("confirmation") in (None, "")
    assert GOOD not in mismatch.response.text


def test_staff_enrolling_an_otp_app_open_gestion_at_once(client, sesame, people, clock):
    make_staff(sesame, factor=False)
    sign_in(client, clock, with_factor=False)
    refused = get(client, "/gestion")
    assert refused.status == 403 and refused.h1 == "Ajoutez d'abord une deuxième protection"
    before = client.cookies.get(COOKIE)

    page = get(client, "/compte/securite/otp")
    secret = page.soup.select_one("#totp-key").get_text(strip=True).replace(" ", "")
    code = pyotp.TOTP(secret).at(clock.now)
    codes = submit(client, page, "/compte/securite/otp", code=code)
    assert codes.h1 == "Vos codes de secours", codes.h1
    assert client.cookies.get(COOKIE) != before, "a new session id on the privilege change"
    assert sesame.store.one("select count(*) as n from sessions")["n"] == 1, "the old one is gone"

    gestion = get(client, "/gestion")
    assert gestion.status == 200 and gestion.h1 != "Reconnectez-vous avec votre deuxième étape", gestion.text()[:300]
    # Still the same sign-in: Mon compte works, and the code used to enrol stays spent.
    assert get(client, "/compte").h1 == "Mon compte"
    client.cookies.clear()
    step2 = login(client, AGENT, GOOD)
    replay = submit(client, step2, "/connexion/verification", methode="totp", code=code)
    assert replay.status == 422 and replay.field_error("code-totp").startswith("Ce code vient d'être utilisé")


def test_a_password_only_session_is_still_refused_without_enrolment(client, sesame, people, clock):
    """The shortcut is the enrolment code alone: a factor added elsewhere does not count."""
    make_staff(sesame, factor=False)
    sign_in(client, clock, with_factor=False)
    sesame.authenticators.add_totp(sesame.directory.by_login(AGENT).id, "JBSWY3DPEHPK3PXP", 0)
    page = get(client, "/gestion")
    assert page.status == 403 and page.h1 == "Reconnectez-vous avec votre deuxième étape"
