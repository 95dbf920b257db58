"""The anti-robot widget in a real Chromium: fetched when someone starts filling an
anonymous form, solved on its own, held forms sent once solved, within the CSP, and
accessible (axe, touch targets)."""

from __future__ import annotations

import contextlib
import sqlite3

from support.browser import axe, axe_report, touch_target_problems  # noqa: E402

SOLVED = (
    "() => { const w = document.querySelector('altcha-widget');"
    " return !!(w && w.getState && w.getState() === 'verified'); }"
)


def expect():
    from playwright.sync_api import expect

    return expect


def counts(server) -> tuple[int, int]:
    """(unsolved submissions, spent solutions) in the demo server's database."""
    with contextlib.closing(sqlite3.connect(server.folder / "sesame-demo.db")) as db:
        unsolved = db.execute("select count(*) from failures where kind = 'altcha_unsolved'").fetchone()[0]
        spent = db.execute("select count(*) from altcha_spent").fetchone()[0]
    return unsolved, spent


def test_widget_loads_on_focus_and_solves_on_its_own(phone, sesame_server):
    page = phone
    page.goto("/connexion")
    # Nothing heavy before someone starts filling the form.
    assert page.evaluate("typeof window.$altcha") == "undefined"
    page.get_by_label("Identifiant ou adresse académique").focus()
    page.wait_for_function(SOLVED)
    checkbox = page.get_by_role("checkbox", name="Vérification automatique réussie")
    expect()(checkbox).to_be_checked()
    assert len(page.locator("input[name=altcha]").input_value()) > 100
    violations = axe(page)
    assert not violations, axe_report(violations)
    assert touch_target_problems(page) == []
    assert page.problems == []  # no CSP refusal (worker, stylesheet, script), no error


def test_a_form_sent_before_the_solution_waits_for_it(phone, sesame_server):
    page, expect_ = phone, expect()
    before = counts(sesame_server)
    page.goto("/identifiant")
    page.get_by_label("Votre adresse académique").fill("personne.inconnue@ac-aix-marseille.fr")
    page.get_by_role("button", name="Continuer", exact=True).click()  # at once
    expect_(page.get_by_role("heading", level=1)).to_have_text("Vérifions qu'il s'agit bien de vous")
    # The widget of the new page (swapped in by htmx) solves again; a wrong NUMEN is
    # then answered as usual, with no anti-robot error.
    page.get_by_label("Jour").fill("1")
    page.get_by_label("Mois").fill("2")
    page.get_by_label("Année").fill("1980")
    page.get_by_label("Votre NUMEN").fill("13E24TEST9999")
    page.get_by_role("button", name="Afficher mon identifiant", exact=True).click()
    expect_(page.locator(".error-summary")).to_contain_text("ne permettent pas de retrouver")
    assert page.locator("#altcha-error").count() == 0
    unsolved, spent = counts(sesame_server)
    assert (unsolved, spent) == (before[0], before[1] + 2), "a form went without its solution"
    assert page.problems == []


def test_without_javascript_the_form_works_under_the_budget(no_js, sesame_server):
    # (Playwright's "JavaScript off" still parses <noscript> as if scripts ran, so the
    # hint the macro puts there cannot be seen here; tests/test_antibot.py reads it.)
    page = no_js
    before = counts(sesame_server)
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill("personne")
    page.get_by_label("Mot de passe", exact=True).fill("faux")
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect()(page.locator(".error-summary")).to_contain_text("Identifiant ou mot de passe incorrect.")
    assert counts(sesame_server)[0] == before[0] + 1  # counted in the stricter budget
