"""Page weight in a real Chromium, as a phone on poor mobile data pays it: the bytes on the
wire (compressed bodies and headers, Chrome's own count) of a first visit with a cold
cache and no service worker. Budgets: home 30 KB, every public page 50 KB, everything
the service worker keeps for offline reading 1.5 MB.

Run with ``-s`` to see the figures."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from urllib.parse import urlsplit

import pytest
from support.browser import MOBILE, TIMEOUT_MS  # noqa: E402

KB = 1024
HOME_BUDGET = 30 * KB
PAGE_BUDGET = 50 * KB
OFFLINE_BUDGET = 1536 * KB
# The journeys' first pages and the offline page; the guide and the pages home links to
# are added from the app itself.
PUBLIC = ["/", "/identifiant", "/mot-de-passe", "/connexion", "/hors-ligne"]


WAIT_ACTIVATED = """async () => {
  const worker = (await navigator.serviceWorker.ready).active;
  if (worker.state !== "activated") {
    await new Promise((done) =>
      worker.addEventListener("statechange", () => worker.state === "activated" && done()));
  }
}"""
CACHED_SIZES = """async () => {
  const sizes = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      sizes[request.url] = (await (await cache.match(request)).arrayBuffer()).byteLength;
    }
  }
  return sizes;
}"""


class Wire:
    """Bytes on the wire per URL as Chrome counts them (Network.loadingFinished's
    encodedDataLength: compressed body and headers). The HTTP cache stays on, to keep the
    test fast: a file that an earlier page fetched counts at the size its first, cold
    download took, which is what a first visit to this page pays."""

    def __init__(self, cdp) -> None:
        self.url_of: dict[str, str] = {}  # request id → URL
        self.size: dict[str, int] = {}  # URL → bytes of its cold download
        self.encoding: dict[str, str] = {}  # URL → content-encoding
        self.pending: set[str] = set()
        self.asked: list[str] = []  # URLs the current load asked for, from cache or not
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", lambda e: self.pending.discard(e["requestId"]))
        cdp.send("Network.enable")

    def _sent(self, event) -> None:
        self.url_of[event["requestId"]] = url = event["request"]["url"]
        self.asked.append(url)
        self.pending.add(event["requestId"])

    def _received(self, event) -> None:
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        if not event["response"].get("fromDiskCache"):
            self.encoding[event["response"]["url"]] = headers.get("content-encoding", "")

    def _finished(self, event) -> None:
        url = self.url_of.get(event["requestId"], "")
        self.size[url] = max(self.size.get(url, 0), int(event["encodedDataLength"]))
        self.pending.discard(event["requestId"])

    def load(self, page, path: str) -> dict[str, tuple[int, str]]:
        """{url: (bytes on the wire when cold, content-encoding)} of what `path` loads."""
        self.asked, self.pending = [], set()
        response = page.goto(path, wait_until="load")
        assert response is not None and response.status == 200, path
        deadline = time.monotonic() + 5
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 0.1 and time.monotonic() < deadline:
            page.wait_for_timeout(25)  # lets the CDP events in
            if self.pending:
                quiet_since = time.monotonic()
        return {u: (self.size.get(u, 0), self.encoding.get(u, "")) for u in dict.fromkeys(self.asked)}


def short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def kept_offline(server) -> dict:
    with urllib.request.urlopen(server.url + "/sw.js", timeout=5) as response:
        script = response.read().decode()
    found = dict(re.findall(r"^const (ASSETS|PAGES) = (.+);$", script, re.M))
    return {name: json.loads(value) for name, value in found.items()}


@pytest.fixture(scope="module")
def cold(chromium, sesame_server):
    """One phone page in a fresh context (cold cache), service workers blocked."""
    context = chromium.new_context(base_url=sesame_server.url, service_workers="block", **MOBILE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    wire = Wire(context.new_cdp_session(page))
    try:
        yield page, wire
    finally:
        context.close()


def test_home_page_weight(cold):
    page, wire = cold
    loaded = wire.load(page, "/")
    total = sum(size for size, _ in loaded.values())
    detail = "\n".join(
        f"  {size:>7} B  {encoding or '-':5} {short(url)}"
        for url, (size, encoding) in sorted(loaded.items(), key=lambda i: -i[1][0])
    )
    print(f"\nhome page, first visit: {total} B on the wire\n{detail}")
    assert total <= HOME_BUDGET, f"home page weighs {total} B > {HOME_BUDGET} B:\n{detail}"
    htmx = next((url, v) for url, v in loaded.items() if "/vendor/htmx-" in url)
    assert htmx[1][1] == "gzip", f"{short(htmx[0])} is not compressed"
    assert htmx[1][0] < 20 * KB, f"{short(htmx[0])} takes {htmx[1][0]} B"
    for url, (size, encoding) in loaded.items():
        if size > 1500 and re.search(r"\.(css|js|svg|json|webmanifest)$|/$", urlsplit(url).path):
            assert encoding in ("gzip", "br", "zstd"), f"{short(url)} is not compressed"


def test_every_public_page_weight(cold, sesame_server):
    page, wire = cold
    page.goto("/")
    linked = page.eval_on_selector_all("a[href^='/']", "links => links.map(a => a.getAttribute('href'))")
    paths = list(
        dict.fromkeys(
            PUBLIC
            + [p for p in linked if not p.startswith(("/demo", "/compte"))]
            + kept_offline(sesame_server)["PAGES"]
        )
    )
    weights, largest = {}, {}
    for path in paths:
        loaded = wire.load(page, path)
        weights[path] = sum(size for size, _ in loaded.values())
        url, (size, _) = max(loaded.items(), key=lambda i: i[1][0])
        largest[path] = f"{short(url)} {size} B"
    print("\nfirst visit, bytes on the wire (largest file):")
    for path, total in sorted(weights.items(), key=lambda i: -i[1]):
        print(f"  {total:>7} B  {path}  ({largest[path]})")
    heavy = [f"{p}: {w} B ({largest[p]})" for p, w in weights.items() if w > PAGE_BUDGET]
    assert not heavy, f"pages over {PAGE_BUDGET} B:\n" + "\n".join(heavy)


def test_offline_cache_weight(chromium, sesame_server):
    context = chromium.new_context(base_url=sesame_server.url, **MOBILE)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/")
        page.evaluate(WAIT_ACTIVATED)
        sizes = page.evaluate(CACHED_SIZES)
    finally:
        context.close()
    total = sum(sizes.values())
    kinds: dict[str, int] = {}
    for url, size in sizes.items():
        path = urlsplit(url).path
        kind = (
            "guide pictures"
            if path.startswith("/static/guide/")
            else ("static files" if path.startswith("/static/") else "pages")
        )
        kinds[kind] = kinds.get(kind, 0) + size
    summary = ", ".join(f"{k}: {v} B" for k, v in sorted(kinds.items()))
    print(f"\noffline cache: {len(sizes)} entries, {total} B uncompressed ({summary})")
    assert total <= OFFLINE_BUDGET, f"the offline cache holds {total} B > {OFFLINE_BUDGET} B"


WIDGET_BUDGET = 40 * KB


def test_anti_robot_widget_weight(cold):
    """The ALTCHA widget is not part of a form page's first load: it is fetched when
    someone starts filling the form (static/js/altcha.js). What it then adds is bounded."""
    page, wire = cold
    loaded = wire.load(page, "/connexion")
    assert not any("/vendor/altcha-" in url for url in loaded), "the widget loads with the page"
    wire.asked, wire.pending = [], set()
    page.get_by_label("Identifiant ou adresse académique").focus()
    page.wait_for_function(
        "() => { const w = document.querySelector('altcha-widget');"
        " return !!(w && w.getState && w.getState() === 'verified'); }"
    )
    page.wait_for_timeout(200)
    fetched = {u: wire.size.get(u, 0) for u in dict.fromkeys(wire.asked)}
    total = sum(fetched.values())
    detail = "\n".join(f"  {size:>7} B  {short(url)}" for url, size in fetched.items())
    print(f"\nanti-robot widget, fetched on focus: {total} B on the wire\n{detail}")
    assert any("/vendor/altcha-sha-worker-" in url for url in fetched), detail
    assert total <= WIDGET_BUDGET, f"the widget weighs {total} B > {WIDGET_BUDGET} B:\n{detail}"
