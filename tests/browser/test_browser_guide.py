"""The guide in a real Chromium on a phone: accessible, no horizontal scroll, big touch
targets, prev/next through htmx, the "resume" link, the NUMEN helper without
JavaScript and the printed letter."""

from __future__ import annotations

from support.browser import axe, axe_report, horizontal_overflow, touch_target_problems

PAGES = [
    "/guide",
    "/guide/numen",
    "/guide/numen/3",
    "/guide/identifiant/2",
    "/guide/mot-de-passe/1",
    "/guide/application-telephone/2",
    "/guide/numen/service?categorie=aesh",
    "/guide/lettre",
]


def test_guide_pages_on_a_phone(mobile):
    for url in PAGES:
        mobile.goto(url)
        violations = axe(mobile)
        assert not violations, f"{url}:\n{axe_report(violations)}"
        assert touch_target_problems(mobile) == [], url
        assert horizontal_overflow(mobile) == 0, url
    assert mobile.problems == []


def test_next_previous_and_resume(mobile):
    mobile.goto("/guide/numen/1")
    mobile.get_by_role("link", name="Étape suivante").click()
    mobile.wait_for_url("**/guide/numen/2")
    assert mobile.locator("h1").inner_text() == "Il arrive par la poste"
    assert "Étape 2 sur 4" in mobile.locator("main").inner_text()
    mobile.get_by_role("link", name="Étape précédente").click()
    mobile.wait_for_url("**/guide/numen/1")
    mobile.get_by_role("link", name="Étape suivante").click()
    mobile.wait_for_url("**/guide/numen/2")
    mobile.goto("/guide")
    resume = mobile.locator("#guide-resume a")
    resume.wait_for()
    assert "chapitre 1, étape 2" in resume.inner_text()
    resume.click()
    mobile.wait_for_url("**/guide/numen/2")
    assert mobile.problems == []


def test_numen_helper_without_javascript(no_js):
    no_js.goto("/guide/numen/3")
    no_js.get_by_label("AESH").check()
    no_js.get_by_role("button", name="Voir qui contacter").click()
    no_js.wait_for_url("**/guide/numen/service?categorie=aesh")
    assert "AESH" in no_js.locator(".guide-service").inner_text()
    assert no_js.locator("button[data-guide-print]").count() == 0
    no_js.goto("/guide/lettre")
    assert no_js.locator("button[data-guide-print]").is_hidden()  # needs JavaScript


def test_letter_prints_only_the_letter(mobile):
    mobile.goto("/guide/lettre")
    assert mobile.locator("button[data-guide-print]").is_visible()
    mobile.get_by_label("Nom", exact=True).fill("Dupont")
    mobile.emulate_media(media="print")
    assert mobile.locator(".site-header").is_hidden()
    assert mobile.locator(".guide-warning").is_hidden()
    assert mobile.locator(".letter").is_visible()
    assert mobile.locator("#lettre-nom").input_value() == "Dupont"
