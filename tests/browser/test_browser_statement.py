"""The accessibility statement and the checks the RGAA grid (pwa/legal/rgaa.toml) names,
in a real Chromium: the statement opened in full at 320 px, text spacing (10.12), the skip
link (12.7) and a phone held in landscape (13.9)."""

from __future__ import annotations

from support.browser import (  # noqa: E402
    MOBILE,
    axe,
    axe_report,
    horizontal_overflow,
    new_context,
    touch_target_problems,
)

NARROW = {"width": 320, "height": 740}


def public_sample() -> list[str]:
    """The grid's sample pages that need no sign-in, and a guide step."""
    from pwa.legal import rgaa

    paths = [s.path for s in rgaa.load().sample if not s.path.startswith(("/gestion", "/compte"))]
    return [*paths, "/guide/lettre", "/telephone/gmail"]


def test_statement_open_in_full_at_320_px(phone):
    page = phone
    page.goto("/accessibilite")
    summaries = page.locator("details.statement-theme > summary")
    assert summaries.count() == 13
    summaries.first.focus()
    page.keyboard.press("Enter")  # a theme opens from the keyboard
    assert page.locator("details.statement-theme").first.evaluate("d => d.open")
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.locator("li[id^=critere-]:visible").count() == 106
    for size in (NARROW, MOBILE["viewport"]):
        page.set_viewport_size(size)
        violations = axe(page)
        assert not violations, axe_report(violations)
        assert touch_target_problems(page) == []
        assert horizontal_overflow(page) == 0, f"scrolls sideways at {size['width']} px"
    assert page.problems == []


# WCAG 1.4.12 / RGAA 10.12: the spacing a reader may impose on every text.
SPACING = """* { line-height: 1.5 !important; letter-spacing: .12em !important;
  word-spacing: .16em !important; }
p { margin-bottom: 2em !important; }"""
CLIPPED = """() => {
  const out = [];
  for (const el of document.querySelectorAll("main *, footer *")) {
    if (el.closest(".visually-hidden, [hidden]") || !el.offsetParent) continue;
    const style = getComputedStyle(el);
    const clips = (v) => v === "hidden" || v === "clip";
    if ((clips(style.overflowX) && el.scrollWidth > el.clientWidth + 1) ||
        (clips(style.overflowY) && el.scrollHeight > el.clientHeight + 1)) {
      out.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
    }
  }
  return out;
}"""


def test_text_spacing_loses_nothing(chromium, sesame_server):
    # The reader's style sheet is injected as a bookmarklet would: past the page's CSP.
    with new_context(chromium, sesame_server, without_service_worker=True, bypass_csp=True, **MOBILE) as context:
        page = context.new_page()
        page.goto("/")
        page.evaluate(  # the check sees a box too small for its text
            """() => { const box = document.createElement("p");
              box.className = "cut"; box.textContent = "Un texte bien trop long pour sa boîte";
              box.style.height = "1em"; box.style.overflow = "hidden"; box.style.width = "3em";
              document.getElementById("main").append(box); }"""
        )
        assert "p.cut" in page.evaluate(CLIPPED)
        problems = []
        for path in public_sample():
            page.goto(path)
            page.add_style_tag(content=SPACING)
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
            overflow = horizontal_overflow(page)
            if overflow:
                problems.append(f"{path}: {overflow} px too wide")
            clipped = page.evaluate(CLIPPED)
            if clipped:
                problems.append(f"{path}: text cut off in {', '.join(clipped[:5])}")
        assert not problems, "\n".join(problems)


def test_skip_link_comes_first_and_reaches_the_content(chromium, sesame_server):
    with new_context(
        chromium,
        sesame_server,
        without_service_worker=True,
        viewport={"width": 1024, "height": 768},
    ) as context:
        page = context.new_page()
        for path in ("/connexion", "/accessibilite"):
            page.goto(path)
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "() => { const a = document.activeElement, box = a.getBoundingClientRect();"
                " return [a.textContent.trim(), box.left >= 0 && box.top >= 0 && box.width > 0]; }"
            )
            assert focused == ["Aller au contenu", True], path  # first, and visible once focused
            page.keyboard.press("Enter")
            page.keyboard.press("Tab")
            inside = page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
            assert inside, f"{path}: Tab after the skip link does not land in the content"
        assert page.problems == []


def test_sample_pages_in_landscape(chromium, sesame_server):
    """A phone held sideways (740×360): nothing is locked to portrait, nothing is lost."""
    landscape = {**MOBILE, "viewport": {"width": 740, "height": 360}}
    with new_context(chromium, sesame_server, without_service_worker=True, **landscape) as context:
        page = context.new_page()
        wide = []
        for path in public_sample():
            page.goto(path)
            if horizontal_overflow(page):
                wide.append(path)
            assert page.get_by_role("heading", level=1).is_visible(), path
        assert wide == []
        assert page.problems == []
