"""The installable app over HTTP: /sw.js and its generated precache list, the offline
page, the manifest and its icons, the install help (the browser side is in
tests/test_browser_pwa.py)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient
from support.offline import precache
from support.web import Page, fast_hashing, get, make_settings

from pwa import offline
from pwa.settings import ROOT

KEPT_FOLDERS = ("css", "js", "icons", "vendor")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


def serve(settings):
    from pwa.app import create_app

    return TestClient(create_app(settings, hashing=fast_hashing()), base_url="https://testserver")


@pytest.fixture
def no_guide(monkeypatch):
    monkeypatch.setattr(offline, "guide_urls", lambda settings: [])


# --- /sw.js -------------------------------------------------------------------------


def test_service_worker_headers(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    etag = response.headers["etag"]
    again = client.get("/sw.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/sw.js").content == response.content  # stable while nothing changes


def test_service_worker_is_valid_javascript(client, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "sw.js"
    script.write_bytes(client.get("/sw.js").content)
    result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_precache_lists_every_static_file_and_the_offline_pages(client):
    kept = precache(client)
    static = ROOT / "static"
    files = {
        f"/static/{p.relative_to(static).as_posix()}"
        for folder in KEPT_FOLDERS
        for p in (static / folder).rglob("*")
        if p.is_file()
    }
    assert files <= set(kept["ASSETS"])
    assert "/manifest.webmanifest" in kept["ASSETS"]
    assert kept["PAGES"][:2] == ["/", "/hors-ligne"] and kept["OFFLINE"] == "/hors-ligne"
    assert re.fullmatch(r"[0-9a-f]{16}", kept["VERSION"])
    # Every kept page or picture of the guide, for this académie, is one the guide lists.
    guide = set(offline.guide_urls(client.app.state.sesame.settings))
    assert set(u for u in kept["PAGES"] if u.startswith("/guide")) <= guide


def test_kept_pages_are_public_and_hold_no_form_that_posts(client):
    kept = precache(client)
    for url in kept["ASSETS"] + kept["PAGES"]:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 200, url
    for url in kept["PAGES"]:
        soup = BeautifulSoup(client.get(url).text, "html.parser")
        assert not soup.select('form[method="post" i]'), url
        assert not soup.select('input[name="csrf_token"]'), url
        assert not soup.select("[hx-post]"), url
        assert not url.startswith(("/compte", "/connexion", "/mot-de-passe", "/identifiant"))


def test_pages_with_forms_missing_or_private_are_refused(tmp_path, monkeypatch):
    listed = ["/identifiant", "/connexion", "/compte", "/nulle-part", "/static/icons/icon.svg"]
    monkeypatch.setattr(offline, "guide_urls", lambda settings: listed)
    with serve(make_settings(tmp_path)) as client:
        kept = precache(client)
    assert "/static/icons/icon.svg" in kept["ASSETS"]
    for refused in ("/identifiant", "/connexion", "/compte", "/nulle-part"):
        assert refused not in kept["PAGES"], refused


def test_version_is_a_hash_of_the_kept_files(tmp_path, no_guide):
    static = tmp_path / "static"
    shutil.copytree(ROOT / "static", static)
    settings = make_settings(tmp_path, static_dir=static)
    with serve(settings) as client:
        first = precache(client)["VERSION"]
        assert precache(client)["VERSION"] == first
        css = static / "css" / "app.css"
        original = css.read_bytes()
        css.write_bytes(original + b"\n/* changed */\n")
        changed = precache(client)["VERSION"]
        assert changed != first
        extra = static / "icons" / "new.svg"
        extra.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
        added = precache(client)
        assert "/static/icons/new.svg" in added["ASSETS"] and added["VERSION"] not in (
            first,
            changed,
        )
        extra.unlink()
        css.write_bytes(original)
        assert precache(client)["VERSION"] == first  # content, not dates
    with serve(settings) as other:  # another worker process computes the same version
        assert precache(other)["VERSION"] == first


def test_guide_urls_without_a_guide(monkeypatch, settings):
    import importlib

    def missing(name):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(importlib, "import_module", missing)
    assert offline.guide_urls(settings) == []


# --- the offline page, the manifest, the install help -------------------------------


def test_offline_page(client):
    page = get(client, "/hors-ligne")
    assert page.status == 200
    assert page.h1 == "Pas de connexion internet"
    assert page.soup.find("main").find("form") is None
    links = [a["href"] for a in page.soup.find("main").find_all("a")]
    assert "/" in links


def test_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["lang"] == "fr" and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["name"] and len(manifest["short_name"]) <= 12
    for field in ("description", "theme_color", "background_color"):
        assert manifest[field]
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        path = ROOT / icon["src"].lstrip("/")
        assert f"{png_size(path)[0]}x{png_size(path)[1]}" == icon["sizes"], icon["src"]
        assert client.get(icon["src"]).status_code == 200
    shortcuts = {s["url"]: s for s in manifest["shortcuts"]}
    assert {"/mot-de-passe/numen", "/identifiant", "/connexion", "/guide"} <= set(shortcuts)
    for url, shortcut in shortcuts.items():
        assert shortcut["name"] and shortcut["icons"], url
        for icon in shortcut["icons"]:
            assert png_size(ROOT / icon["src"].lstrip("/")) == (96, 96)
        if url != "/guide" or offline.guide_urls(client.app.state.sesame.settings):
            assert client.get(url).status_code == 200, url


def test_install_help_is_readable_without_javascript(client):
    page = Page(client.get("/"))
    section = page.soup.find(id="installer")
    assert section.find("h2").get_text(strip=True) == "Installer Sésame sur votre téléphone"
    browsers = [(d["data-browser"], d.has_attr("open")) for d in section.find_all("details")]
    assert browsers == [
        ("chrome-android", False),
        ("samsung", False),
        ("firefox-android", False),
        ("safari-ios", False),
    ]
    for details in section.find_all("details"):
        assert details.find("summary").get_text(strip=True)
        assert len(details.find("ol").find_all("li")) >= 2
    assert section.find("button").find_parent(attrs={"data-install-offer": True}).has_attr("hidden")
