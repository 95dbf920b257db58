"""The installable app in a real Chromium (DESIGN journey 9, §6): the service worker
activates, the kept pages and pictures load from it with the network off and with the
server stopped, the manifest makes the app installable, a changed file is offered as a
new version, a signed-in walk leaves only public copies in the caches, and the install
help fits the browser in use.

The app runs in this process under uvicorn, on a copy of static/ and a fixed port, so a
test can stop the server (the browser keeps the same origin, hence the same worker) and
change a kept file."""

from __future__ import annotations

import json
import logging
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.register_assert_rewrite("browser")
from browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    MOBILE,
    TIMEOUT_MS,
    axe,
    axe_report,
    touch_target_problems,
    watch_errors,
)
from conftest import SECRET, fast_hashing  # noqa: E402

pytest_plugins = ["browser"]  # the fixtures, registered once for all the browser test modules
pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"
)
OFFLINE_H1 = "Pas de connexion internet"
LOGIN, PASSWORD = "lmartin", "Calanque-Bleue-Soleil-42"  # pwa.demo: Léa Martin, already activated

WAIT_ACTIVATED = """async () => {
  const registration = await navigator.serviceWorker.ready;
  const worker = registration.active;
  if (worker.state !== "activated") {
    await new Promise((done) =>
      worker.addEventListener("statechange", () => worker.state === "activated" && done()));
  }
  if (!navigator.serviceWorker.controller) {
    await new Promise((done) =>
      navigator.serviceWorker.addEventListener("controllerchange", done, {once: true}));
  }
  return worker.state;
}"""
BROKEN_PICTURES = (
    "() => [...document.images].filter(i => !(i.complete && i.naturalWidth)).map(i => i.src)"
)
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


def expect():
    from playwright.sync_api import expect

    return expect


# --- the app, served from this process ---------------------------------------------


@dataclass
class LiveApp:
    folder: Path
    port: int
    static_dir: Path
    errors: list[str] = field(default_factory=list)
    _server: object = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def settings(self):
        from pwa.settings import Settings

        return Settings(
            db_path=self.folder / "sesame.db",
            secret_key=SECRET,
            demo=True,
            run_outbox_worker=False,
            smtp_tls="none",
            static_dir=self.static_dir,
            log_level="WARNING",
        )

    def start(self) -> None:
        import uvicorn

        from pwa.app import create_app
        from pwa.demo import seed_demo

        app = create_app(self.settings, hashing=fast_hashing())
        seed_demo(app.state.sesame)  # idempotent
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, ws="none", access_log=False, log_level="warning"
        )
        server = uvicorn.Server(config)
        self._server, self._thread = server, threading.Thread(target=server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the app did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.running:
            self._server.should_exit = True  # type: ignore[attr-defined]
            self._thread.join(15)  # type: ignore[union-attr]

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=5) as response:
            return response.read().decode()

    def precache(self) -> dict:
        """VERSION, ASSETS, PAGES and OFFLINE as /sw.js declares them."""
        script = self.get("/sw.js")
        found = dict(re.findall(r"^const (VERSION|ASSETS|PAGES|OFFLINE) = (.+);$", script, re.M))
        return {name: json.loads(value) for name, value in found.items()}


class ErrorLog(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(scope="module")  # `chromium`: the browser shared by the session (one Playwright)
def live_app(chromium, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    from pwa.mail.demo_smtp import free_port

    folder = tmp_path_factory.mktemp("pwa")
    static = folder / "static"
    shutil.copytree(ROOT / "static", static)
    live = LiveApp(folder, free_port(), static)
    handler = ErrorLog(live.errors)
    loggers = [logging.getLogger(name) for name in ("sesame", "uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    live.start()
    try:
        yield live
    finally:
        live.stop()
        for logger in loggers:
            logger.removeHandler(handler)
    assert not live.errors, "the app logged errors:\n" + "\n".join(live.errors)


@pytest.fixture
def app_url(live_app: LiveApp) -> Iterator[str]:
    """The app, running (a test may have stopped it)."""
    if not live_app.running:
        live_app.start()
    yield live_app.url


@pytest.fixture
def app_context(chromium, app_url):
    """A fresh phone context on the app: its own service worker and caches."""
    context = chromium.new_context(base_url=app_url, **MOBILE)
    context.set_default_timeout(TIMEOUT_MS)
    context.on("page", watch_errors)
    try:
        yield context
    finally:
        context.close()


def activated(context):
    page = context.new_page()
    page.goto("/")
    assert page.evaluate(WAIT_ACTIVATED) == "activated"
    return page


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


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
    page.on(
        "response", lambda r: answered.update({path_of(r.url): (r.status, r.from_service_worker)})
    )
    page.evaluate(FETCH_ALL, {"pages": precache["PAGES"], "assets": precache["ASSETS"]})
    wrong = {
        url: answered.get(url)
        for url in precache["PAGES"] + precache["ASSETS"]
        if answered.get(url) != (200, True)
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

    missing = set(offline.guide_urls(live_app.settings)) - set(
        precache["PAGES"] + precache["ASSETS"]
    )
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
        assert sorted(page.evaluate("() => caches.keys()")) == sorted(
            [f"sesame-{old}", f"sesame-{new}"]
        )
        with page.expect_navigation():
            banner.get_by_role("button", name="Recharger").click()
        assert page.evaluate(WAIT_ACTIVATED) == "activated"
        assert page.evaluate("() => caches.keys()") == [f"sesame-{new}"]
        kept_css = page.evaluate(
            KEPT_COPY, {"cache": f"sesame-{new}", "url": "/static/css/app.css"}
        )
        assert kept_css.endswith("/* a new version */\n")
        assert page.locator("#update-banner").count() == 0
    finally:
        css.write_bytes(original)


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
    app_context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'standalone', {get: () => true})"
    )
    page = app_context.new_page()
    page.goto("/")
    expect()(
        page.get_by_role("heading", name="Installer Sésame sur votre téléphone")
    ).to_be_hidden()
