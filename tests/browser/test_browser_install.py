"""Installing Sésame from the browser (Chromium): the manifest makes it installable, the
install help shows the steps of the browser in use, with or without JavaScript, and hides
once installed."""

from __future__ import annotations

import pytest
from support.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    MOBILE,
    axe,
    axe_report,
    touch_target_problems,
)
from support.live_app import WAIT_ACTIVATED, expect


def test_installable(chromium, app_url, tmp_path):
    """Chromium's own installability check: manifest, icons, service worker, secure origin."""
    context = chromium.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, **MOBILE
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(app_url + "/")
        assert page.evaluate(WAIT_ACTIVATED) == "activated"
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest.get("errors", []) == [], manifest["errors"]
    finally:
        context.close()


# --- install help --------------------------------------------------------------------


def install_steps(page) -> list[list]:
    return page.eval_on_selector_all(
        "[data-install-steps] details",
        "all => all.map(d => [d.dataset.browser, d.open])",
    )


IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("user_agent", "first"),
    [(MOBILE["user_agent"], "chrome-android"), (IPHONE_UA, "safari-ios")],
    ids=["android", "iphone"],
)
def test_install_help_opens_the_steps_of_the_browser_in_use(chromium, app_url, user_agent, first):
    context = chromium.new_context(base_url=app_url, **{**MOBILE, "user_agent": user_agent})
    try:
        page = context.new_page()
        page.goto("/")
        section = page.locator("#installer")
        expect()(section).to_be_visible()
        steps = install_steps(page)
        assert steps[0] == [first, True]
        assert [open_ for _, open_ in steps[1:]] == [False] * 3
        expect()(section.locator("details[open] summary")).to_contain_text("(votre navigateur)")
        # No install prompt from this browser: no button, only the steps.
        expect()(page.get_by_role("button", name="Installer l'application")).to_be_hidden()
        problems = touch_target_problems(page)
        assert not [p for p in problems if p.startswith(("summary", "button"))], (
            f"{problems} (are the install styles in static/css/app.css?)"
        )
        violations = axe(page)
        assert not violations, axe_report(violations)
    finally:
        context.close()


def test_install_help_without_javascript_lists_every_browser(chromium, app_url):
    context = chromium.new_context(base_url=app_url, java_script_enabled=False, **MOBILE)
    try:
        page = context.new_page()
        page.goto("/")
        assert install_steps(page) == [
            ["chrome-android", False],
            ["samsung", False],
            ["firefox-android", False],
            ["safari-ios", False],
        ]
        page.get_by_text("Samsung Internet").click()
        expect()(page.get_by_text("« Ajouter page à », puis « Écran d'accueil »")).to_be_visible()
    finally:
        context.close()


def test_install_button_uses_the_browser_prompt(app_context):
    page = app_context.new_page()
    page.goto("/")
    button = page.get_by_role("button", name="Installer l'application")
    expect()(button).to_be_hidden()
    page.evaluate(
        """() => {
            window.prompted = 0;
            const offer = new Event("beforeinstallprompt", {cancelable: true});
            offer.prompt = () => { window.prompted += 1; return Promise.resolve(); };
            offer.userChoice = Promise.resolve({outcome: "accepted", platform: "web"});
            window.dispatchEvent(offer);
        }"""
    )
    expect()(button).to_be_visible()
    button.click()
    expect()(page.locator("#installer")).to_be_hidden()
    assert page.evaluate("window.prompted") == 1


def test_install_help_hidden_once_installed(app_context):
    app_context.add_init_script("Object.defineProperty(Navigator.prototype, 'standalone', {get: () => true})")
    page = app_context.new_page()
    page.goto("/")
    expect()(page.get_by_role("heading", name="Installer Sésame sur votre téléphone")).to_be_hidden()
