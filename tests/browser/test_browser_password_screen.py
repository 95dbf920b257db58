"""Issue 11 item 6 in a real Chromium on a 360×740 phone: the new-password screen fits
(the confirmation field within two screens with the checklist showing, no horizontal
scroll at 320 px), a mismatched confirmation keeps the first field and says which field
to retype (with JavaScript; without it the server says it), and adding a passkey is
confirmed on screen and to screen readers."""

from __future__ import annotations

import re

from support.browser import (  # noqa: E402
    MOBILE,
    axe,
    axe_report,
    choose_password,
    fill_birth_date,
    horizontal_overflow,
    new_context,
)

SCREEN = MOBILE["viewport"]["height"]  # 740 CSS px
PARTLY_VALID = "Soleil12"  # upper, lower, digits; too short, no special character, common
GOOD = "Trois-Mouettes-Sur-La-Digue"
SCREEN_PERSON = "edelafontaine"  # only reaches the screen: never saves a password
PASSKEY_PERSON_NAME = "Jean-Pierre Lefèvre-Morel"  # chooses a password, then adds a passkey


def expect():
    from playwright.sync_api import expect

    return expect


def to_password_screen(page, person) -> None:
    """Journey 2 up to the new-password screen, as a user does it."""
    page.goto("/mot-de-passe")
    page.get_by_label("Votre identifiant").fill(person.identifiant)
    page.get_by_role("button", name="Continuer", exact=True).click()
    fill_birth_date(page, person)
    page.get_by_label("Votre NUMEN").fill(person.numen)
    page.get_by_role("button", name="Continuer", exact=True).click()
    page.get_by_role("heading", level=1, name="Choisissez votre mot de passe").wait_for()


def confirmation_top(page) -> float:
    """Where the confirmation field starts, in CSS px from the top of the page."""
    return page.evaluate("document.getElementById('confirmation').getBoundingClientRect().top + window.scrollY")


def checklist_showing(page) -> list[str]:
    """The rules a sighted user sees, each with its state in words."""
    return [
        " ".join(li.inner_text().split())
        for li in page.locator("[data-policy-checklist] li[data-criterion]").all()
        if li.is_visible()
    ]


def wait_server_states(page) -> None:
    """The server's checks (htmx) came back for what is typed."""
    page.wait_for_function("() => document.querySelector('[data-criterion=strength]').dataset.state !== 'pending'")


def type_new_password(page, password: str) -> None:
    """Types it and waits for the server's live check: the checklist above the buttons
    then stops moving (a click during the swap could land beside the button)."""
    with page.expect_response("**/mot-de-passe/verifier"):
        page.get_by_label("Nouveau mot de passe", exact=True).fill(password)


def person_named(demo_people, name: str):
    return next(p for p in demo_people.values() if p.name == name)


def test_the_confirmation_field_is_within_two_screens(chromium, sesame_server, demo_people):
    with new_context(chromium, sesame_server, without_service_worker=True, **MOBILE) as context:
        page = context.new_page()
        to_password_screen(page, demo_people[SCREEN_PERSON])
        tops = {}

        # Nothing typed: every rule still to meet is listed, the met one in one line.
        shown = checklist_showing(page)
        assert any(s.startswith("Assez long et varié") and "non validé" in s for s in shown), shown
        assert any(s.startswith("Difficile à deviner") and "à vérifier" in s for s in shown), shown
        expect()(page.locator("details.checklist-done > summary")).to_have_text("1 règle respectée")
        tops["nothing typed"] = confirmation_top(page)

        # Partly valid: the missing parts first, the ones already there after them.
        page.get_by_label("Nouveau mot de passe", exact=True).fill(PARTLY_VALID)
        wait_server_states(page)
        parts = page.locator('li[data-criterion="classic"] > ul > li')
        assert parts.evaluate_all("lis => lis.map(li => li.dataset.state)") == [
            "unmet",
            "unmet",
            "met",
            "met",
            "met",
        ]
        shown = checklist_showing(page)
        assert "une majuscule (A, É…) validé" in shown and "Encore 4 caractères." in " ".join(shown)
        tops["partly valid"] = confirmation_top(page)

        # The met rules opened too: the whole checklist showing.
        page.get_by_text(re.compile(r"^\d+ règles? respectées?$")).click()
        expect()(page.locator('li[data-criterion="max_length"]')).to_be_visible()
        tops["partly valid, met rules open"] = confirmation_top(page)
        # The server's next answer keeps the line open.
        page.get_by_label("Nouveau mot de passe", exact=True).press("End")
        page.keyboard.type("!")
        page.wait_for_timeout(700)
        wait_server_states(page)
        expect()(page.locator('li[data-criterion="max_length"]')).to_be_visible()

        too_low = {k: round(v) for k, v in tops.items() if v > 2 * SCREEN}
        assert not too_low, f"the confirmation field starts below two screens: {too_low}"
        print("confirmation field top (CSS px):", {k: round(v) for k, v in tops.items()})

        assert not axe(page), axe_report(axe(page))
        page.set_viewport_size({"width": 320, "height": 740})
        assert horizontal_overflow(page) == 0, "the password screen scrolls sideways at 320 px"
        assert not page.problems, page.problems


def test_a_mismatch_keeps_the_first_field_and_names_the_one_to_retype(chromium, sesame_server, demo_people):
    """Then, on the same account: Mon compte > Sécurité, a passkey added is confirmed."""
    person = person_named(demo_people, PASSKEY_PERSON_NAME)
    with new_context(chromium, sesame_server, without_service_worker=True, **MOBILE) as context:
        page = context.new_page()
        posts = []
        page.on(
            "request",
            lambda r: r.method == "POST" and r.url.endswith("/mot-de-passe/nouveau") and posts.append(r),
        )
        to_password_screen(page, person)
        first = page.get_by_label("Nouveau mot de passe", exact=True)
        confirm = page.get_by_label("Confirmez le mot de passe", exact=True)
        type_new_password(page, GOOD)
        confirm.fill(GOOD.replace("Digue", "Dique"))
        page.get_by_role("button", name="Enregistrer mon mot de passe", exact=True).click()

        error = page.locator("#confirmation-error")
        expect()(error).to_contain_text("Les deux mots de passe ne sont pas identiques.")
        expect()(error).to_contain_text("retapez-le ici, dans « Confirmez le mot de passe »")
        expect()(first).to_have_value(GOOD)
        expect()(confirm).to_have_value("")
        expect()(confirm).to_be_focused()
        expect()(confirm).to_have_attribute("aria-invalid", "true")
        assert "confirmation-error" in confirm.get_attribute("aria-describedby").split()
        assert posts == [], "nothing was sent"
        assert not axe(page), axe_report(axe(page))

        # Retyped: saved, with the first field as it was.
        choose_password(page, GOOD)
        assert len(posts) == 1

        # Mon compte > Sécurité: add a passkey (a virtual authenticator plays the phone).
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable", {"enableUI": False})
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        page.goto("/connexion")
        page.get_by_label("Identifiant ou adresse académique").fill(person.identifiant)
        page.get_by_label("Mot de passe", exact=True).fill(GOOD)
        page.get_by_role("button", name="Se connecter", exact=True).click()
        expect()(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
        page.goto("/compte/securite")
        page.get_by_label("Nom de la nouvelle clé").fill("Téléphone de JP")
        page.get_by_role("button", name="Ajouter une clé d'accès").click()
        page.wait_for_url("**/compte/securite/codes")
        status = page.get_by_role("status")
        expect()(status).to_have_text("La clé d'accès « Téléphone de JP » est ajoutée.")
        expect()(page.locator("#live-status")).to_have_text("La clé d'accès « Téléphone de JP » est ajoutée.")
        assert page.locator("#live-status").get_attribute("aria-live") == "polite"
        assert not axe(page), axe_report(axe(page))
        # Said once: not again on the next page.
        page.goto("/compte/securite")
        expect()(page.locator("main")).not_to_contain_text("est ajoutée")

        # Mon compte's change-password page shares the fields: same checklist, same check.
        page.goto("/compte/mot-de-passe")
        expect()(page.get_by_role("heading", level=1)).to_have_text("Changer mon mot de passe")
        expect()(page.locator("details.checklist-done > summary")).to_have_text("1 règle respectée")
        type_new_password(page, GOOD + "!")
        page.get_by_label("Confirmez le mot de passe", exact=True).fill(GOOD)
        page.get_by_role("button", name="Changer mon mot de passe", exact=True).click()
        expect()(page.locator("#confirmation-error")).to_contain_text("« Confirmez le mot de passe »")
        expect()(page.get_by_label("Nouveau mot de passe", exact=True)).to_have_value(GOOD + "!")
        assert not page.problems, page.problems


def test_a_mismatch_without_javascript_says_which_fields_to_retype(no_js, demo_people):
    page = no_js
    to_password_screen(page, demo_people[SCREEN_PERSON])
    page.get_by_label("Nouveau mot de passe", exact=True).fill(GOOD)
    page.get_by_label("Confirmez le mot de passe", exact=True).fill(GOOD + "x")
    page.get_by_role("button", name="Enregistrer mon mot de passe", exact=True).click()
    expect()(page).to_have_title(re.compile("^Erreur"))
    error = page.locator("#confirmation-error")
    expect()(error).to_contain_text("Les deux mots de passe ne sont pas identiques.")
    expect()(error).to_contain_text(
        "tapez votre mot de passe dans « Nouveau mot de passe », puis de nouveau dans « Confirmez le mot de passe »"
    )
    expect()(page.locator(".error-summary a[href='#confirmation']")).to_be_visible()
    # Never written back into the page: both empty, as the message says.
    expect()(page.get_by_label("Nouveau mot de passe", exact=True)).to_have_value("")
    expect()(page.get_by_label("Confirmez le mot de passe", exact=True)).to_have_value("")
    # The same checklist as with JavaScript, from the server.
    expect()(page.locator("details.checklist-done > summary")).to_have_text(re.compile(r"^\d+ règles? respectées?$"))
