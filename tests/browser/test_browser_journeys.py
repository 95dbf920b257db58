"""DESIGN §3.1, 3.2, 3.4, 3.6 in a real Chromium on a phone: a new user's journeys, with
JavaScript (htmx, live checklist) and without it, and with the keyboard only."""

from __future__ import annotations

import re

from support.browser import MOBILE, demo_policy, fill_birth_date, new_context  # noqa: E402

GOOD = "Girafe-Orange-Sous-La-Pluie"
NO_JS_GOOD = "Trois tortues dansent au marché"
WEAK = "Azerty123456!"


def expect():
    from playwright.sync_api import expect

    return expect


# {criterion id: its own state text}, as shown in the checklist (items may nest).
STATES_JS = """() => Object.fromEntries([...document.querySelectorAll("li[data-criterion]")]
  .map(li => [li.dataset.criterion,
              [...li.querySelectorAll(".criterion-state")].find(s => s.closest("li") === li)
                .textContent.trim()]))"""


def states(page) -> dict[str, str]:
    return page.evaluate(STATES_JS)


def pattern_states(policy, password: str) -> dict[str, str]:
    """What the checklist must show for the pattern criteria, from the server's policy."""
    return {i.id: "validé" if i.met else "non validé" for i in policy.check_pattern(password).items}


def diff(shown: dict[str, str], expected: dict[str, str]) -> str:
    return ", ".join(f"{k}={shown[k]!r} (want {v!r})" for k, v in expected.items() if shown[k] != v)


def live_text(page) -> str:
    return page.locator("#live-status").text_content().strip()


def wait_live_change(page, previous: str) -> str:
    page.wait_for_function(
        "(previous) => { const t = document.getElementById('live-status').textContent.trim();"
        " return t !== '' && t !== previous; }",
        arg=previous,
        timeout=5000,
    )
    return live_text(page)


def no_problems(page) -> None:
    assert page.problems == [], "\n".join(page.problems)


def test_first_connection_journey_on_a_phone(mobile, demo_people):
    page, jean, expect_ = mobile, demo_people["jdupont"], expect()
    page.goto("/")
    expect_(page.get_by_role("heading", level=1)).to_have_text("Votre messagerie académique, pas à pas")

    # Journey 1: retrouver mon identifiant.
    page.get_by_role("link", name="Retrouver mon identifiant").click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Retrouver mon identifiant")
    page.get_by_label("Votre adresse académique").fill(jean.email)
    page.get_by_role("button", name="Continuer", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Vérifions qu'il s'agit bien de vous")
    fill_birth_date(page, jean)
    page.get_by_label("Votre NUMEN").fill(jean.numen)
    page.get_by_role("button", name="Afficher mon identifiant", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Votre identifiant")
    expect_(page.locator("#identifiant-value")).to_have_text(jean.identifiant)
    expect_(page).to_have_title(re.compile("Votre identifiant"))

    # Journey 2: choisir mon mot de passe, in the same grant (the NUMEN is not typed twice).
    page.get_by_role("link", name="Choisir mon mot de passe").click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Choisissez votre mot de passe")

    # The live checklist: each state is text, and follows every keystroke.
    page_policy = demo_policy()
    password = page.get_by_label("Nouveau mot de passe", exact=True)
    start = states(page)
    assert start["composition"] == start["lower"] == start["passphrase"] == "non validé", start
    assert live_text(page) == ""
    password.click()
    seen, lagging = [start], []
    for i, char in enumerate(GOOD):
        page.keyboard.type(char)
        now = states(page)
        if now != seen[-1]:
            seen.append(now)
        expected = pattern_states(page_policy, GOOD[: i + 1])
        shown = {k: now[k] for k in expected}
        if shown != expected:
            lagging.append(f"after {GOOD[: i + 1]!r}: shown {diff(shown, expected)}")
        if i == 5:  # "Girafe": a pause, then the summary is spoken politely
            first_summary = wait_live_change(page, "")
    assert "validée" in first_summary and " sur " in first_summary, first_summary
    second_summary = wait_live_change(page, first_summary)
    assert second_summary != first_summary
    # The server criteria come back through htmx; the pattern states survive the swap.
    expect_(page.locator('li[data-criterion="strength"] > .criterion-text > .criterion-state')).to_have_text("validé")
    final = states(page)
    assert {k: final[k] for k in pattern_states(page_policy, GOOD)} == pattern_states(page_policy, GOOD)
    assert final["passphrase"] == final["composition"] == "validé" and final["digit"] == "non validé"
    assert len(seen) >= 2, f"the checklist never changed while typing: {seen}"
    # Checked last so that the rest of the journey runs: the instant checks (DESIGN §4).
    instant_checks = (
        (
            f"the checklist did not follow {len(lagging)} of {len(GOOD)} keystrokes "
            "(policy.js did not run on the page htmx swapped in?):\n" + "\n".join(lagging[:6])
        )
        if lagging
        else None
    )

    page.get_by_label("Confirmez le mot de passe", exact=True).fill(GOOD)
    page.get_by_role("button", name="Enregistrer mon mot de passe", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("C'est fait : votre mot de passe est enregistré")
    assert "/mot-de-passe/termine" in page.url

    # Journey 4 and 6: se connecter, mon compte, se déconnecter.
    page.get_by_role("link", name="Se connecter à Sésame").click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    page.get_by_label("Identifiant ou adresse académique").fill(jean.identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(GOOD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect_(page.locator("main")).to_contain_text(jean.email)
    page.get_by_role("button", name="Me déconnecter", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Vous êtes déconnecté")
    page.goto("/compte")
    expect_(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    no_problems(page)
    assert instant_checks is None, instant_checks


def test_journey_without_javascript(no_js, demo_people):
    page, person, expect_ = no_js, demo_people["jdupont1"], expect()
    page.goto("/")
    page.get_by_role("link", name="Retrouver mon identifiant").click()
    page.get_by_label("Votre adresse académique").fill(person.email)
    page.get_by_role("button", name="Continuer", exact=True).click()
    # A plain form post (no htmx): Chromium sends `Origin: null` when the page's
    # Referrer-Policy is no-referrer, and the CSRF check must still let it through.
    expect_(page.get_by_role("heading", level=1)).not_to_have_text("Retrouver mon identifiant")
    heading = page.get_by_role("heading", level=1).text_content().strip()
    assert heading == "Vérifions qu'il s'agit bien de vous", (
        f"the first form post without JavaScript led to «{heading}»: "
        + " ".join(page.locator("main").inner_text().split())
    )
    fill_birth_date(page, person)
    page.get_by_label("Votre NUMEN").fill(person.numen)
    page.get_by_role("button", name="Afficher mon identifiant", exact=True).click()
    expect_(page.locator("#identifiant-value")).to_have_text(person.identifiant)
    # The copy button needs JavaScript: it stays hidden rather than doing nothing.
    expect_(page.get_by_role("button", name="Copier l'identifiant", exact=True)).to_be_hidden()

    page.get_by_role("link", name="Choisir mon mot de passe").click()  # same grant: no NUMEN again
    expect_(page.get_by_role("heading", level=1)).to_have_text("Choisissez votre mot de passe")
    assert "/mot-de-passe/nouveau" in page.url
    before = states(page)
    data_states = page.eval_on_selector_all("li[data-criterion]", "lis => lis.map(li => li.dataset.state)")
    assert "pending" in data_states and set(data_states) <= {"met", "unmet", "pending"}, data_states

    # A weak password: refused, and the same checklist comes back with every state.
    page.get_by_label("Nouveau mot de passe", exact=True).fill(WEAK)
    page.get_by_label("Confirmez le mot de passe", exact=True).fill(WEAK)
    page.get_by_role("button", name="Enregistrer mon mot de passe", exact=True).click()
    expect_(page).to_have_title(re.compile("^Erreur"))
    summary = page.locator(".error-summary")
    expect_(summary).to_contain_text("ne respecte pas toutes les règles")
    refused = states(page)
    # The same rules (their order follows their states: unmet first, see _password_checklist.html).
    assert sorted(refused) == sorted(before), "not the same checklist after the refusal"
    assert set(refused.values()) <= {"validé", "non validé"}, refused
    assert refused["classic"] == refused["composition"] == "validé"
    assert refused["not_common"] == "non validé" or refused["strength"] == "non validé", refused
    for li in page.locator('li[data-criterion][data-state="unmet"]').all():
        assert li.locator(".criterion-state").text_content().strip() == "non validé"
    # The refused password is never sent back in the page.
    expect_(page.get_by_label("Nouveau mot de passe", exact=True)).to_have_value("")

    page.get_by_label("Nouveau mot de passe", exact=True).fill(NO_JS_GOOD)
    page.get_by_label("Confirmez le mot de passe", exact=True).fill(NO_JS_GOOD)
    page.get_by_role("button", name="Enregistrer mon mot de passe", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("C'est fait : votre mot de passe est enregistré")

    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(person.email)
    page.get_by_label("Mot de passe", exact=True).fill(NO_JS_GOOD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    page.get_by_role("button", name="Me déconnecter", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Vous êtes déconnecté")


def focused(page) -> str:
    """What has the keyboard focus: its id or classes, and its text."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const name = el.id ? "#" + el.id : "." + [...el.classList].join(".");
          return name + " " + (el.textContent || "").trim().slice(0, 40);
        }"""
    )


def tab_to(page, element_id: str, limit: int = 25) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab (focus on {focused(page)})")


def test_keyboard_error_summary_takes_focus_and_links_to_fields(chromium, sesame_server, demo_people):
    person, expect_ = demo_people["tmercier"], expect()
    with new_context(chromium, sesame_server, viewport={"width": 1024, "height": 768}) as context:
        page = context.new_page()
        page.goto("/identifiant")
        tab_to(page, "email")
        page.keyboard.press("Enter")  # empty address
        summary = page.locator(".error-summary")
        expect_(summary).to_be_focused()
        expect_(page.locator("#email")).to_have_attribute("aria-invalid", "true")
        page.keyboard.press("Tab")
        expect_(summary.get_by_role("link", name="Indiquez votre adresse académique.")).to_be_focused()
        page.keyboard.press("Enter")
        expect_(page.locator("#email")).to_be_focused()
        page.keyboard.type(person.email)
        page.keyboard.press("Enter")
        expect_(page.get_by_role("heading", level=1)).to_have_text("Vérifions qu'il s'agit bien de vous")

        # Two errors: each link of the summary leads to its own field.
        tab_to(page, "numen")
        page.keyboard.press("Enter")
        expect_(summary).to_be_focused()
        links = summary.get_by_role("link")
        expect_(links).to_have_count(2)
        targets = [link.get_attribute("href") for link in links.all()]
        assert targets == ["#jour", "#numen"], targets
        for index, target in enumerate(targets):
            for _ in range(index + 1):
                page.keyboard.press("Tab")
            expect_(links.nth(index)).to_be_focused()
            page.keyboard.press("Enter")
            expect_(page.locator(target)).to_be_focused()
            page.keyboard.press("Enter")  # submitted again from the field: the summary is back
            expect_(summary).to_be_focused()

        # Login: the summary of an htmx answer, then of a full page load.
        page.goto("/connexion")
        tab_to(page, "login")
        page.keyboard.type(person.identifiant)
        page.keyboard.press("Enter")  # no password
        expect_(summary).to_be_focused()
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect_(page.locator("#password")).to_be_focused()
        page.goto("/mot-de-passe/nouveau")  # no identity check yet: 410 with a summary
        expect_(summary).to_be_focused()
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect_(page.locator("#identifiant")).to_be_focused()
        no_problems(page)


def test_tablet_journey_shows_the_same_steps(tablet, demo_people):
    """The wizard at 800×1280: the steps and the live checklist work the same."""
    page, person, expect_ = tablet, demo_people["tnguyen"], expect()
    page.goto("/mot-de-passe")
    page.get_by_label("Votre identifiant").fill(person.identifiant)
    page.get_by_role("button", name="Continuer", exact=True).click()
    fill_birth_date(page, person)
    page.get_by_label("Votre NUMEN").fill(person.numen.lower())  # typed loosely
    page.get_by_role("button", name="Continuer", exact=True).click()
    expect_(page.get_by_role("heading", level=1)).to_have_text("Choisissez votre mot de passe")
    page.get_by_label("Nouveau mot de passe", exact=True).press_sequentially("k8#Vq2!rTz9@")
    expect_(page.locator('li[data-criterion="classic"] > .criterion-text > .criterion-state')).to_have_text("validé")
    toggle = page.get_by_role("button", name="Afficher le mot de passe", exact=True).first
    toggle.click()
    expect_(page.get_by_label("Nouveau mot de passe", exact=True)).to_have_attribute("type", "text")
    expect_(page.get_by_role("button", name="Masquer le mot de passe", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    assert MOBILE["viewport"]["width"] < page.viewport_size["width"]
    no_problems(page)
