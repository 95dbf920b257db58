"""Real-browser test helpers: the real app served by uvicorn on localhost, Debian's
Chromium driven by Playwright, and axe-core injected into pages.

tests/conftest.py registers the fixtures for the whole suite (pytest_plugins).

- One server (``sesame serve --demo`` on a fresh database in a temporary folder) and
  one browser per test session; every test opens its own context (cookies are
  per context, so tests cannot see each other's sessions).
- Chromium: ``/usr/bin/chromium`` (override with ``SESAME_CHROMIUM``). When it or
  Playwright is missing, the browser tests are skipped, except when ``CI`` is set:
  then they fail, so a broken CI image cannot turn the suite silently green.
- The server is shared by the whole session, so a test that changes a demo account
  (password, second factor, failed attempts) must own that person: tests must not
  depend on their order. Taken so far (grep ``demo_people[`` before picking one):
  journeys: jdupont, jdupont1, tmercier, tnguyen; a11y: cpetit, hmoreau, ngirard;
  policy: mlegoff; factors: croux, lmartin, ybenali; pwa: lmartin (read-only);
  letters: jdupont2, ifournier (postal request, read-only);
  phone: bcoeur, amuller;
  backup address: lgarcia (walk), mbonnet (a11y);
  a11y of the mailbox pages: ifournier;
  staff area (a11y): slambert, mperrin (demo staff with an OTP app), andiaye;
  password screen: edelafontaine (read-only), Jean-Pierre Lefèvre-Morel (password, passkey).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pwa.mail.demo_smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("SESAME_CHROMIUM", "/usr/bin/chromium")
# Text widths must not depend on what else a machine has installed: Chromium sees only the
# fonts .ci/run installs (tests/fonts.conf) and runs in the C.UTF-8 locale (its own UI
# strings, such as a file field's button, in English whatever the machine's LANG).
FONTS_CONF = Path(__file__).with_name("fonts.conf")


def chromium_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANG", "LC_"))}
    return env | {"FONTCONFIG_FILE": str(FONTS_CONF), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
]
ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Mobile Safari/537.36"
)
ANDROID_TABLET_UA = (
    "Mozilla/5.0 (Linux; Android 14; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
)
MOBILE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": ANDROID_UA,
    "locale": "fr-FR",
    "timezone_id": "Europe/Paris",
}
TABLET = {
    **MOBILE,
    "viewport": {"width": 800, "height": 1280},
    "device_scale_factor": 2,
    "user_agent": ANDROID_TABLET_UA,
}
SERVER_START_SECONDS = 30
DEMO_ACADEMIE = "aix-marseille"  # the demo's profile (SESAME_ACADEMIE's default)
TIMEOUT_MS = 10_000

__all__ = [
    "AXE_JS",
    "activate",
    "MOBILE",
    "TABLET",
    "DemoPerson",
    "Server",
    "axe",
    "axe_report",
    "browser_or_skip",
    "chromium",
    "demo_people",
    "demo_policy",
    "fill_birth_date",
    "mobile",
    "new_context",
    "no_js",
    "phone",
    "sesame_server",
    "serve_demo",
    "tablet",
    "touch_target_problems",
    "watch_errors",
    "horizontal_overflow",
    "mailed_code",
]


def missing(reason: str) -> None:
    """Skip, or fail under CI: the browser suite must not vanish from CI."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def browser_or_skip() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Playwright is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set SESAME_CHROMIUM)")
    if not AXE_JS.is_file():
        missing(f"axe-core is missing at {AXE_JS} (npm ci)")


# --- the server -------------------------------------------------------------------


@dataclass
class Server:
    url: str
    folder: Path
    process: subprocess.Popen
    log: Path
    _read: int = 0  # how much of the log new_errors() has looked at

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def new_errors(self) -> list[str]:
        """The errors the server logged since the last call: each logged error and the
        last line of each traceback (the exception), not the whole stack."""
        text = self.log_text()
        fresh, self._read = text[self._read :], len(text)
        return [
            line for line in fresh.splitlines() if line.startswith(("ERROR", "CRITICAL")) or EXCEPTION_LINE.match(line)
        ]


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Warning)\b.*")


@pytest.fixture(scope="session")
def sesame_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`sesame serve --demo` on a fresh database, on localhost (WebAuthn needs that host)."""
    browser_or_skip()
    folder = tmp_path_factory.mktemp("sesame-browser")
    with serve_demo(folder, folder / "sesame-demo.db") as server:
        yield server


@contextlib.contextmanager
def serve_demo(folder: Path, db: Path, **environ: str) -> Iterator[Server]:
    """`sesame serve --demo` on `db`, with extra SESAME_* settings; fails the test when
    the server does not start or logs an error."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    env.update(
        SESAME_DB=str(db),
        SESAME_ACADEMIE=DEMO_ACADEMIE,
        SESAME_LOG_LEVEL="info",  # tests check that no secret reaches the log
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        **environ,
    )
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pwa",
                "serve",
                "--demo",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://localhost:{port}", folder, process, log)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server stopped (code {process.returncode}):\n{server.log_text()}")
            with contextlib.suppress(OSError):
                if server.get("/sante")[0] == 200:
                    break
            if time.monotonic() > deadline:
                waited = f"the server did not answer /sante in {SERVER_START_SECONDS} s"
                pytest.fail(f"{waited}:\n{server.log_text()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    # Anything logged as an error after the last test (a failed worker at shutdown) fails loudly.
    problems = server.new_errors()
    assert not problems, f"the server logged errors (full log: {server.log}):\n" + "\n".join(problems)


# --- the demo people ---------------------------------------------------------------


@dataclass(frozen=True)
class DemoPerson:
    name: str
    identifiant: str
    email: str
    day: str
    month: str
    year: str
    numen: str
    password: str | None  # set for the demo accounts already activated


class _DemoTable(HTMLParser):
    """The rows of the /demo table, as a new user reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[list[str]]] = []  # row -> cell -> text pieces
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag in ("th", "td"):
            self._cell = [""]
            self.rows[-1].append(self._cell)
        elif self._cell is not None and tag in ("br", "small", "code"):
            self._cell.append("")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag in ("th", "td"):
            self._cell = None
        elif self._cell is not None and tag in ("small", "code"):
            self._cell.append("")

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[-1] += data


@pytest.fixture(scope="session")
def demo_people(sesame_server: Server) -> dict[str, DemoPerson]:
    """The people listed on /demo, by identifiant: ``demo_people["jdupont"]``."""
    status, html = sesame_server.get("/demo")
    assert status == 200
    parser = _DemoTable()
    parser.feed(html)
    people = {}
    for row in parser.rows:
        name, ident, birth, numen, state = ([p.strip() for p in cell if p.strip()] for cell in row)
        day, month, year = birth[0].split("/")
        password = next((p for p in state if p not in ("Activé", "Mot de passe :", "Pas encore activé")), None)
        people[ident[0]] = DemoPerson(name[0], ident[0], ident[1], day, month, year, numen[0], password)
    jean = people["jdupont"]  # DESIGN's running example: pwa.demo.DEMO_STAFF[0]
    assert (jean.name, jean.email, jean.numen) == (
        "Jean Dupont",
        "jean.dupont@ac-aix-marseille.fr",
        "13E24DEMO0001",
    )
    return people


# --- the browser -------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium(sesame_server: Server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=chromium_env())
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def new_context(browser, server: Server, *, without_service_worker: bool = False, **options):
    """A fresh context; its pages record console errors (CSP violations included) and
    uncaught exceptions in ``page.problems``.

    `without_service_worker`: /sw.js fails to load, as when it cannot be fetched, so the
    page runs without a worker (Playwright's own `service_workers="block"` makes
    `register()` resolve to undefined, which no real browser does)."""
    context = browser.new_context(base_url=server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    ignore = ()
    if without_service_worker:
        context.route(
            "**/sw.js",
            lambda route: route.continue_() if route.request.is_navigation_request() else route.abort(),
        )
        ignore = ("when fetching the script", "ServiceWorker")
    context.on("page", lambda page: watch_errors(page, ignore))
    server.new_errors()  # forget what earlier tests caused
    try:
        yield context
    finally:
        context.close()
    # Reached only when the test body passed: a 500 behind a page that looked fine fails it.
    errors = server.new_errors()
    if errors:
        pytest.fail(f"the server logged errors during the test (full log: {server.log}):\n" + "\n".join(errors))


def watch_errors(page, ignore: tuple[str, ...] = ()) -> None:
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"uncaught: {error}"))
    # 4xx answers are expected (422 on a refused form, 404): the browser logs them too.
    expected = ("the server responded with a status of 4", *ignore)

    def console(message) -> None:
        if message.type == "error" and not any(text in message.text for text in expected):
            page.problems.append(f"console: {message.text}")

    page.on("console", console)


@pytest.fixture
def mobile(chromium, sesame_server):
    """A page in a fresh phone context (360×740, DPR 3, touch, Android Chrome)."""
    with new_context(chromium, sesame_server, **MOBILE) as context:
        yield context.new_page()


@pytest.fixture
def phone(chromium, sesame_server):
    """Like `mobile`, with service workers blocked: for checks of what pages contain, so
    that each new context does not also precache the offline pages (server load)."""
    with new_context(chromium, sesame_server, without_service_worker=True, **MOBILE) as context:
        yield context.new_page()


@pytest.fixture
def tablet(chromium, sesame_server):
    """A page in a fresh Android tablet context (800×1280)."""
    with new_context(chromium, sesame_server, **TABLET) as context:
        yield context.new_page()


@pytest.fixture
def no_js(chromium, sesame_server):
    """A phone page with JavaScript off."""
    with new_context(chromium, sesame_server, java_script_enabled=False, **MOBILE) as context:
        yield context.new_page()


# --- page helpers ------------------------------------------------------------------


def demo_policy():
    """The password policy the demo server applies (its académie profile's), in Python."""
    from pwa.policy import build_policy
    from pwa.profile import load_profile

    profile = load_profile(DEMO_ACADEMIE)
    return build_policy(profile.password_preset, profile.forbidden_chars)


def activate(page, person: DemoPerson, password: str) -> None:
    """Choose `password` for `person` through journey 2 (identifiant, birth date + NUMEN)."""
    page.goto("/mot-de-passe")
    page.get_by_label("Votre identifiant").fill(person.identifiant)
    page.get_by_role("button", name="Continuer", exact=True).click()
    fill_birth_date(page, person)
    page.get_by_label("Votre NUMEN").fill(person.numen)
    page.get_by_role("button", name="Continuer", exact=True).click()
    choose_password(page, password)


def choose_password(page, password: str) -> None:
    """The last screen of every reset: type the new password twice and save it."""
    page.get_by_role("heading", level=1, name="Choisissez votre mot de passe").wait_for()
    page.get_by_label("Nouveau mot de passe", exact=True).fill(password)
    page.get_by_label("Confirmez le mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Enregistrer mon mot de passe", exact=True).click()
    page.get_by_role("heading", level=1, name=re.compile("mot de passe est enregistré")).wait_for()


def fill_birth_date(page, person: DemoPerson) -> None:
    group = page.get_by_role("group", name="Votre date de naissance")
    group.get_by_label("Jour").fill(person.day)
    group.get_by_label("Mois").fill(person.month)
    group.get_by_label("Année").fill(person.year)


AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
_AXE_RUN_JS = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.join(" "), html: n.html, summary: n.failureSummary,
    })),
  }));
}"""


def axe(page, tags: tuple[str, ...] = AXE_TAGS) -> list[dict]:
    """axe-core's violations on the page as it is now (injected when missing)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # add_script_tag would inline it, which the CSP refuses; evaluate() is not subject to it.
        page.evaluate(AXE_JS.read_text())
    return page.evaluate(_AXE_RUN_JS, list(tags))


def axe_report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"      {node['target']}  {node['html'][:160]}")
            lines.append(f"        {summary[:300]}")
    return "\n".join(lines)


_TOUCH_TARGETS_JS = """(minimum) => {
  const problems = [];
  const text = (node) => node.textContent.replace(/\\s+/g, " ").trim();
  const blockOf = (el) =>
    el.parentElement && el.parentElement.closest("p, li, dd, td, th, small, label, legend");
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    let box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (el.labels && el.labels.length && (el.type === "radio" || el.type === "checkbox")) {
      // A tick box's target is the box and its label together (clicking either ticks it).
      const boxes = [box, ...[...el.labels].map(l => l.getBoundingClientRect())];
      const top = Math.min(...boxes.map(b => b.top));
      const bottom = Math.max(...boxes.map(b => b.bottom));
      box = {right: box.right, bottom, width: box.width, height: bottom - top};
    }
    // Parked off screen until focused (the skip link).
    if (box.right + window.scrollX <= 0 || box.bottom + window.scrollY <= 0) continue;
    if (box.height >= minimum - 0.5) continue;
    // Links in running text are exempt (the "inline" exception of WCAG 2.5.5 and 2.5.8):
    // an inline link sharing its paragraph or list item with other words.
    if (el.tagName === "A" && style.display === "inline") {
      const block = blockOf(el);
      if (block && text(block).length > text(el).length) continue;
    }
    const label = el.labels && el.labels.length ? text(el.labels[0]) : "";
    const name = el.getAttribute("aria-label") || label || text(el) || el.name || "";
    const id = el.id ? "#" + el.id : "";
    const size = `${Math.round(box.width)}×${Math.round(box.height)} px`;
    problems.push(`${el.tagName.toLowerCase()}${id} «${name.slice(0, 60)}» ${size}`);
  }
  return problems;
}"""


def touch_target_problems(page, minimum: int = 44) -> list[str]:
    """Visible links, buttons and fields lower than `minimum` CSS px (the design's touch
    target), except links in running text."""
    return page.evaluate(_TOUCH_TARGETS_JS, minimum)


def horizontal_overflow(page) -> int:
    """How many CSS px the page is wider than the viewport (0 = no horizontal scroll)."""
    return page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]


def mailed_code(context, to: str, subject: str, *, not_this: str | None = None) -> str:
    """The 6-character code of the newest mail to `to` whose subject contains `subject`,
    read from the demo server's mailbox page (its real aiosmtpd files every mail), in a
    tab of its own as a person would switch to their mail. Waits for the mail to arrive."""
    tab = context.new_page()
    try:
        deadline = time.monotonic() + 20
        while True:
            tab.goto("/demo/courriels")
            for article in tab.locator("article.mail").all():
                text = article.inner_text()
                found = re.search(r"Votre code[^:\n]*: ([A-Z0-9]{6})", text)
                if subject in text and f"À : {to}" in text and found and found.group(1) != not_this:
                    return found.group(1)
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail « {subject} » reached {to}")
            time.sleep(0.3)
    finally:
        tab.close()
