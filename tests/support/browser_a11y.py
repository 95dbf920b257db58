"""Helpers of the accessibility tests in Chromium (axe-core, touch targets, sideways scroll),
shared by tests/browser/test_browser_a11y*.py and the print tests."""

from __future__ import annotations

from urllib.parse import urlsplit

from support.browser import (
    axe,
    axe_report,
    horizontal_overflow,
    touch_target_problems,
)


def expect():
    from playwright.sync_api import expect

    return expect


def h1(page):
    return page.get_by_role("heading", level=1)


def sign_in_staff(page, person) -> None:
    """Password, then the OTP code from the key the demo page shows for this person."""
    import pyotp

    page.goto("/demo")
    key = page.locator(f"li[data-identifiant='{person.identifiant}'] .demo-totp-key").inner_text()
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(person.identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(person.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect()(h1(page)).to_have_text("Confirmez que c'est bien vous")
    page.get_by_label("Code affiché par l'application").fill(pyotp.TOTP(key.replace(" ", "")).now())
    page.get_by_role("button", name="Valider le code", exact=True).click()
    expect()(h1(page)).to_have_text("Mon compte")


PHONE = {"width": 360, "height": 740}


TABLET = {"width": 800, "height": 1280}


NARROW = {"width": 320, "height": 740}


WEAK = "Azerty123456!"


class Audit:
    """Runs every check on a page state at each size and keeps a readable list of problems."""

    def __init__(self, page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.checked: list[str] = []

    def __call__(self, label: str) -> None:
        page = self.page
        settle(page)
        self.checked.append(label)
        where = f"{label} [{urlsplit(page.url).path}]"
        try:
            for size in (PHONE, TABLET):
                page.set_viewport_size(size)
                at = f"{where} at {size['width']}×{size['height']}"
                violations = axe(page)
                if violations:
                    self.problems.append(f"axe, {at}:\n{axe_report(violations)}")
                small = touch_target_problems(page)
                if small:
                    self.problems.append(f"touch targets under 44 px, {at}:\n" + "\n".join(f"      {s}" for s in small))
            page.set_viewport_size(NARROW)
            overflow = horizontal_overflow(page)
            if overflow > 0:
                self.problems.append(
                    f"horizontal scroll at 320 px, {where}: {overflow} px too wide; widest: {widest(page)}"
                )
        finally:
            page.set_viewport_size(PHONE)
        # Console errors: CSP refusals (an inline style or script), uncaught exceptions.
        if page.problems:
            self.problems.append(f"browser console, {where}:\n" + "\n".join(f"      {p}" for p in page.problems))
            page.problems.clear()

    def assert_clean(self) -> None:
        assert not self.problems, (
            f"{len(self.problems)} accessibility problem(s) on {len(self.checked)} page states:\n"
            + "\n".join(self.problems)
        )


def settle(page) -> None:
    """Wait until htmx has finished swapping (the page's own focus moves are done)."""
    page.wait_for_load_state()
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function("(busy) => !document.querySelector(busy)", arg=busy)


def widest(page) -> str:
    """The first elements that stick out on the right."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth, out = [];
          for (const el of document.querySelectorAll("body *")) {
            const right = el.getBoundingClientRect().right;
            if (right <= width + 0.5) continue;
            const classes = typeof el.className === "string" && el.className
              ? "." + el.className.trim().split(/\\s+/).join(".") : "";
            const id = el.id ? "#" + el.id : "";
            out.push(`${el.tagName.toLowerCase()}${id}${classes} right=${Math.round(right)}`);
          }
          return out.slice(0, 5).join(", ");
        }"""
    )
