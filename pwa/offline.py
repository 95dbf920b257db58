"""Installable app and offline support: the service worker at /sw.js with its generated
precache list, and the offline page. Routes mounted by pwa/app.py.

What the service worker may ever store (templates/sw.js applies it, tests/browser/test_browser_pwa.py
checks the browser's caches after a signed-in walk):

- the files every page loads: everything under static/css, js, icons and vendor, and the
  manifest — served cache first;
- the pages readable offline: home, the offline page, and the guide's pages and pictures
  (``pwa.guide.guide_urls()``) — pages network first, the stored copy when offline.

It is an allow-list of exact URLs (path and query). The pages on it hold no form that posts
(so no CSRF token that would go stale: such a page is refused here) and nothing personal:
the service worker fetches them itself, without cookies, when it installs, and never stores
a response it got for the user. Nothing else is ever stored: no other page (forms,
/compte…), no other query string (a code or token), no non-GET request. Any other page
asked for without network gets the offline page, which says the form needs the network.

The list is built by asking the app itself for each URL (in process, anonymous), and the
version is a hash of exactly those bytes and of the worker's code: change any kept file
and browsers install a new worker, which the page offers with "Nouvelle version disponible".
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import inspect
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message

from pwa.security.csrf import FIELD
from pwa.settings import PACKAGE_DIR, ROOT, Settings
from pwa.views import render, sesame

log = logging.getLogger("sesame.offline")

OFFLINE_PATH = "/hors-ligne"
OFFLINE_PAGES = ("/", OFFLINE_PATH)
ASSET_FOLDERS = ("css", "js", "icons", "vendor")
OTHER_ASSETS = ("/manifest.webmanifest",)
WORKER_TEMPLATE = "sw.js"
CSRF = f'name="{FIELD}"'.encode()
# What a page kept offline must not hold: a form or htmx request that posts (it carries a
# CSRF token, stale in a stored copy).
POSTS = re.compile(rb"""<form\b[^>]*\bmethod\s*=\s*["']?post|\bhx-(post|put|patch|delete)\b""", re.I)


def guide_urls(settings: Settings) -> list[str]:
    """The guide's pages and pictures for this instance, or [] while there is no guide yet."""
    try:
        urls = importlib.import_module("pwa.guide").guide_urls
    except (ImportError, AttributeError) as exc:
        if not (isinstance(exc, ModuleNotFoundError) and exc.name == "pwa.guide"):
            log.warning("the guide is not kept offline: %s", exc)
        return []
    accepted = inspect.signature(urls).parameters
    options = {"academie": settings.academie, "static_dir": settings.static_dir}
    return list(urls(**{k: v for k, v in options.items() if k in accepted}))


@dataclass(frozen=True)
class Precache:
    version: str
    assets: tuple[str, ...]  # cache first
    pages: tuple[str, ...]  # network first, stored copy offline


def candidates(settings: Settings) -> tuple[list[str], list[str]]:
    """(assets, pages) the worker should keep, before checking that each one answers."""
    static_dir = settings.static_dir
    assets = [
        f"/static/{path.relative_to(static_dir).as_posix()}"
        for folder in ASSET_FOLDERS
        for path in sorted((static_dir / folder).rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]
    assets += OTHER_ASSETS
    pages = list(OFFLINE_PAGES)
    for url in guide_urls(settings):
        if not url.startswith("/") or url.startswith("//") or "#" in url:
            log.warning("guide URL not kept offline (a local path is needed): %s", url)
        elif url.startswith("/static/"):
            assets.append(url)
        else:
            pages.append(url)
    return list(dict.fromkeys(assets)), list(dict.fromkeys(pages))


async def get_inside(app: ASGIApp, url: str) -> tuple[int, bytes]:
    """GET `url` (a local path, maybe with a query) from the app itself, as an anonymous
    browser would: no cookie."""
    path, _, query = url.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 0),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"localhost"), (b"user-agent", b"Sesame-precache")],
    }
    status, chunks, done, asked = 0, [], asyncio.Event(), False

    async def receive() -> Message:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    try:
        await app(scope, receive, send)
    except Exception:  # already logged and answered 500 by the app's error handling
        status = status if status >= 400 else 500
    finally:
        done.set()
    return status, b"".join(chunks)


async def build_precache(app: ASGIApp, settings: Settings, worker_code: bytes) -> Precache:
    assets, pages = candidates(settings)
    digest = hashlib.sha256(worker_code)
    kept: dict[str, list[str]] = {"assets": [], "pages": []}
    for kind, urls in (("assets", assets), ("pages", pages)):
        for url in urls:
            status, body = await get_inside(app, url)
            if status != 200:
                log.warning("not kept offline: %s answered %s", url, status)
                continue
            if kind == "pages" and (POSTS.search(body) or CSRF in body):
                log.error("not kept offline: %s posts a form (its CSRF token would go stale)", url)
                continue
            kept[kind].append(url)
            digest.update(url.encode() + b"\0" + hashlib.sha256(body).digest())
    return Precache(digest.hexdigest()[:16], tuple(kept["assets"]), tuple(kept["pages"]))


def fingerprint(roots: Iterable[Path]) -> tuple:
    """Cheap stand-in for the content: path, size and mtime of every source file."""
    entries = []
    for root in roots:
        if root.is_file():
            stat = root.stat()
            entries.append((str(root), stat.st_size, stat.st_mtime_ns))
            continue
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith((".", "__")))
            for name in sorted(files):
                path = os.path.join(folder, name)
                stat = os.stat(path)
                entries.append((path, stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


class ServiceWorker:
    """/sw.js, rebuilt only when a source file changed (it is fetched on every navigation)."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._precache: Precache | None = None
        self._script = ""
        self._etag = ""

    async def precache(self, request: Request) -> Precache:
        settings = sesame(request).settings
        key = fingerprint(
            [
                settings.static_dir,
                settings.templates_dir,
                PACKAGE_DIR,
                ROOT / "manifest.webmanifest",
            ]
        )
        if key != self._key or self._precache is None:
            env = sesame(request).templates.env
            code = (Path(settings.templates_dir) / WORKER_TEMPLATE).read_bytes()
            precache = await build_precache(request.app, settings, code)
            self._script = env.get_template(WORKER_TEMPLATE).render(
                version=precache.version,
                assets=list(precache.assets),
                pages=list(precache.pages),
                offline=OFFLINE_PATH,
            )
            self._etag = f'"{hashlib.sha256(self._script.encode()).hexdigest()[:20]}"'
            self._precache, self._key = precache, key
        return self._precache

    async def endpoint(self, request: Request) -> Response:
        await self.precache(request)
        headers = {
            "Cache-Control": "no-cache",
            "Service-Worker-Allowed": "/",
            "ETag": self._etag,
        }
        if self._etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(self._script, media_type="text/javascript", headers=headers)


async def offline_page(request: Request) -> Response:
    return render(request, "offline.html", {"guide": "/guide" in guide_urls(sesame(request).settings)})


def routes() -> list:
    worker = ServiceWorker()
    return [
        Route("/sw.js", worker.endpoint, name="service_worker"),
        Route(OFFLINE_PATH, offline_page, name="offline"),
    ]
