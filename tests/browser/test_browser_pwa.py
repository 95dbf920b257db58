"""The installable app in a real Chromium (DESIGN journey 9, §6): the service worker
activates, the kept pages and pictures load from it with the network off and with the
server stopped, the manifest makes the app installable, a changed file is offered as a
new version, a signed-in walk leaves only public copies in the caches, and the install
help fits the browser in use.

The app runs in this process under uvicorn, on a copy of static/ and a fixed port, so a
test can stop the server (the browser keeps the same origin, hence the same worker) and
change a kept file."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support.live_app import WAIT_ACTIVATED, activated, expect, path_of

ROOT = Path(__file__).resolve().parents[2]
OFFLINE_H1 = "Pas de connexion internet"
LOGIN, PASSWORD = "lmartin", "Calanque-Bleue-Soleil-42"  # pwa.demo: Léa Martin, already activated

BROKEN_PICTURES = "() => [...document.images].filter(i => !(i.complete && i.naturalWidth)).map(i => i.src)"
KEPT_COPY = "async ({cache, url}) => (await (await caches.open(cache)).match(url)).text()"
FETCH_ALL = """async ({pages, assets}) => {
  const restore = {headers: {"HX-Request": "true", "HX-History-Restore-Request": "true"}};
  await Promise.all([
    ...pages.map((url) => fetch(url, restore).then((r) => r.arrayBuffer())),
    ...assets.map((url) => fetch(url).then((r) => r.arrayBuffer())),
  ]);
}"""
CACHE_ENTRIES = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    found[name] = (await cache.keys()).map((request) => request.method + " " + request.url);
  }
  return found;
}"""


# --- the app, served from this process ---------------------------------------------


# --- the worker and its caches ------------------------------------------------------


def test_worker_activates_with_exactly_the_precache(app_context, live_app):
    page = activated(app_context)
    precache = live_app.precache()
    entries = page.evaluate(CACHE_ENTRIES)
    assert list(entries) == [f"sesame-{precache['VERSION']}"]
    kept = sorted(path_of(e.split(" ", 1)[1]) for e in next(iter(entries.values())))
    assert kept == sorted(precache["ASSETS"] + precache["PAGES"])
    assert {"/", "/hors-ligne", "/manifest.webmanifest", "/static/css/app.css"} <= set(kept)
    # The first install is not "a new version": no banner, no reload.
    assert page.locator("#update-banner").count() == 0
    assert page.problems == [], page.problems


def kept_pages_load_from_the_worker(page, precache: dict) -> None:
    # Navigations: home, the offline page, the guide's summary and each chapter, with their
    # pictures drawn.
    opened = [u for u in precache["PAGES"] if u.count("/") <= 2 and "?" not in u]
    for url in opened:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert response.from_service_worker, f"{url} did not come from the service worker"
        if url != precache["OFFLINE"]:
            assert page.locator("h1").first.text_content() != OFFLINE_H1, url
        broken = page.evaluate(BROKEN_PICTURES)
        assert broken == [], f"pictures missing offline on {url}: {broken}"
    # Everything else that is kept (guide steps, pictures, static files), in one go: whole
    # pages asked for as htmx restores them (they take the worker's page path).
    answered: dict[str, tuple[int, bool]] = {}
    page.on("response", lambda r: answered.update({path_of(r.url): (r.status, r.from_service_worker)}))
    page.evaluate(FETCH_ALL, {"pages": precache["PAGES"], "assets": precache["ASSETS"]})
    wrong = {
        url: answered.get(url) for url in precache["PAGES"] + precache["ASSETS"] if answered.get(url) != (200, True)
    }
    assert not wrong, f"not answered by the service worker: {wrong}"
    # A page that is not kept (a form): the offline page, which says why.
    response = page.goto("/identifiant")
    assert response.from_service_worker
    expect()(page.locator("h1")).to_have_text(OFFLINE_H1)
    # A boosted link (htmx) fails without network and falls back to a real navigation.
    page.goto("/")
    page.get_by_role("link", name="Retrouver mon identifiant").click()
    expect()(page.locator("h1")).to_have_text(OFFLINE_H1)
    expect()(page).to_have_url(re.compile(r"/identifiant$"))
    # A boosted GET form whose answers are kept (the guide's NUMEN helper) still answers.
    helper = [u for u in precache["PAGES"] if "?categorie=" in u]
    if helper:
        page.goto(helper[0].split("?")[0])
        page.locator("input[name=categorie]").first.check()
        page.locator("form[method=get] [type=submit]").click()
        expect()(page).to_have_url(re.compile(r"\?categorie="))
        expect()(page.locator("h1")).not_to_have_text(OFFLINE_H1)


@pytest.mark.parametrize("cut", ["network off", "server stopped"])
def test_kept_pages_and_pictures_load_without_network(app_context, live_app, cut):
    page = activated(app_context)
    precache = live_app.precache()
    if cut == "network off":
        app_context.set_offline(True)
    else:
        live_app.stop()
    try:
        kept_pages_load_from_the_worker(page, precache)
    finally:
        app_context.set_offline(False)
        if not live_app.running:
            live_app.start()
    # Every page and picture of the guide was among them.
    from pwa import offline

    missing = set(offline.guide_urls(live_app.settings)) - set(precache["PAGES"] + precache["ASSETS"])
    assert not missing, f"guide URLs not kept offline: {sorted(missing)}"


def test_a_hanging_network_shows_the_kept_copy(app_context, live_app):
    """One bar of signal: the server takes the connection and never answers. A kept page
    comes from the worker's copy after a few seconds instead of a blank wait."""
    page = activated(app_context)
    live_app.stop()
    with socket.create_server(("127.0.0.1", live_app.port)):  # accepts, never answers
        started = time.monotonic()
        response = page.goto("/")
        waited = time.monotonic() - started
    assert response.from_service_worker and response.status == 200
    expect()(page.locator("h1")).to_have_text("Votre messagerie académique, pas à pas")
    assert 3.5 < waited < 8, waited


def test_signed_in_walk_leaves_only_public_copies(app_context, live_app):
    page = activated(app_context)
    page.goto("/connexion")
    page.get_by_label("Identifiant ou adresse académique").fill(LOGIN)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect()(page).to_have_url(re.compile(r"/compte$"))
    precache = live_app.precache()
    for path in ["/compte", "/compte/mot-de-passe", *precache["PAGES"][:6], "/identifiant"]:
        assert page.goto(path).status == 200, path
    home_now = page.evaluate("() => fetch('/').then(r => r.text())")  # from the network
    assert "data-signed-in" in home_now  # still signed in after the walk
    entries = page.evaluate(CACHE_ENTRIES)
    assert list(entries) == [f"sesame-{precache['VERSION']}"]
    allowed = set(precache["ASSETS"] + precache["PAGES"])
    for entry in next(iter(entries.values())):
        method, url = entry.split(" ", 1)
        assert method == "GET" and path_of(url) in allowed, entry
        assert not urlsplit(url).path.startswith("/compte"), entry
    # The kept home page is the anonymous copy the worker fetched, not the signed-in one.
    kept_home = page.evaluate(KEPT_COPY, {"cache": list(entries)[0], "url": "/"})
    assert "data-signed-in" not in kept_home
    assert 'name="csrf_token"' not in kept_home


def test_a_changed_file_is_offered_then_activated(app_context, live_app):
    page = activated(app_context)
    old = live_app.precache()["VERSION"]
    css = live_app.static_dir / "css" / "app.css"
    original = css.read_bytes()
    try:
        css.write_bytes(original + b"\n/* a new version */\n")
        new = live_app.precache()["VERSION"]
        assert new != old
        page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
        banner = page.locator("#update-banner")
        expect()(banner).to_contain_text("Nouvelle version disponible")
        assert banner.get_attribute("role") == "status"
        # Both versions are kept until the user chooses to reload: the old one still answers.
        assert sorted(page.evaluate("() => caches.keys()")) == sorted([f"sesame-{old}", f"sesame-{new}"])
        with page.expect_navigation():
            banner.get_by_role("button", name="Recharger").click()
        assert page.evaluate(WAIT_ACTIVATED) == "activated"
        assert page.evaluate("() => caches.keys()") == [f"sesame-{new}"]
        kept_css = page.evaluate(KEPT_COPY, {"cache": f"sesame-{new}", "url": "/static/css/app.css"})
        assert kept_css.endswith("/* a new version */\n")
        assert page.locator("#update-banner").count() == 0
    finally:
        css.write_bytes(original)
