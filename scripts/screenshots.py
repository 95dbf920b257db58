"""Make the guide's screenshots of Sésame: python scripts/screenshots.py [--academie ID ...]

For each académie profile: start the demo app (`sesame serve --demo`) on a fresh
database, play every shot of pwa/guide/shots.toml in Debian's Chromium at phone size
(360×740 CSS px, DPR 2), and save a WebP per shot under
static/guide/shots/<académie>/. static/guide/shots/manifest.json records, for each
picture, the fingerprint of the HTML it shows (pwa.guide.shots.page_hash); the test
tests/http/test_guide.py fails when a page no longer renders that HTML.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pwa.guide.shots import (  # noqa: E402
    MANIFEST_VERSION,
    Shot,
    fields,
    load_shots,
    page_hash,
    person_values,
)
from pwa.profile import available_profiles, load_profile  # noqa: E402

OUT = ROOT / "static" / "guide" / "shots"
CHROMIUM = os.environ.get("SESAME_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 360, "height": 740}
DPR = 1.25
QUALITY = 30  # WebP at DPR 1.25: text stays readable, pictures of 10-15 KB
DEFAULT_HEIGHT = 440  # CSS pixels: the part of the screen the step talks about
UA = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Mobile Safari/537.36"
)
# The demo banner says "données fictives": true, but not what a real user sees.
HIDE_DEMO = """document.addEventListener("DOMContentLoaded", () => {
  const style = document.createElement("style");
  style.textContent = ".demo-banner { display: none !important; }"
    + " * { caret-color: transparent !important; }";
  document.head.appendChild(style);
});"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def demo_server(academie: str) -> Iterator[str]:
    """`sesame serve --demo` for one académie on a throw-away database."""
    with tempfile.TemporaryDirectory(prefix="sesame-shots-") as folder:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
        env.update(
            SESAME_DB=str(Path(folder) / "demo.db"),
            SESAME_ACADEMIE=academie,
            SESAME_LOG_LEVEL="warning",
            PYTHONPATH=str(ROOT),
        )
        log = open(Path(folder) / "server.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "pwa", "serve", "--demo", "--port", str(port)],
            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://localhost:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((Path(folder) / "server.log").read_text())
                with contextlib.suppress(OSError):
                    with urllib.request.urlopen(url + "/sante", timeout=2) as response:
                        if response.status == 200:
                            break
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            process.wait(10)
            log.close()


def is_page(response) -> bool:
    """A whole page, or an htmx response swapped into <main>."""
    request = response.request
    main = request.resource_type == "document" or request.headers.get("hx-target") == "main"
    return main and response.headers.get("content-type", "").startswith("text/html")


def settle(page) -> None:
    """Wait until htmx has no request in flight and has finished swapping."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.wait_for_timeout(300)


def play(page, shot: Shot, values: dict[str, str]) -> str:
    """Run the shot's actions; return the HTML of the last page loaded into <main>."""
    pages: list = []
    page.on("response", lambda response: pages.append(response) if is_page(response) else None)
    for action in shot.actions:
        if "get" in action:
            page.goto(action["get"])
        elif "fill" in action:
            for name, value in fields(values, action["fill"]).items():
                page.locator(f'main [name="{name}"]').first.fill(value)
            page.wait_for_timeout(600)  # live checks wait for a pause in typing
        else:
            form = page.locator(f'form[action="{action["submit"]}"]')
            for name, value in fields(values, action.get("fields", {})).items():
                form.locator(f'[name="{name}"]').first.fill(value)
            with page.expect_response(is_page):
                form.locator("button[type=submit]").first.click()
        settle(page)
    if not pages:
        raise SystemExit(f"{shot.name}: no page was loaded")
    return pages[-1].text()


def picture(page, shot: Shot) -> bytes:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    if shot.scroll:
        page.locator(shot.scroll).first.evaluate(
            "el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 12)"
        )
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(150)
    height = shot.height or DEFAULT_HEIGHT
    top = page.evaluate("window.scrollY")
    cdp = page.context.new_cdp_session(page)
    shot_data = cdp.send("Page.captureScreenshot", {
        "format": "webp", "quality": QUALITY,
        "clip": {"x": 0, "y": top, "width": VIEWPORT["width"], "height": height, "scale": DPR},
    })  # fmt: skip
    cdp.detach()
    return base64.b64decode(shot_data["data"])


def shoot(academie: str, browser) -> dict[str, dict]:
    profile = load_profile(academie)
    person, shots = load_shots()
    values = person_values(person, profile)
    folder = OUT / academie
    folder.mkdir(parents=True, exist_ok=True)
    entries = {}
    with demo_server(academie) as url:
        for shot in shots:
            context = browser.new_context(
                base_url=url, viewport=VIEWPORT, device_scale_factor=DPR, is_mobile=True,
                has_touch=True, user_agent=UA, locale="fr-FR", bypass_csp=True,
            )  # fmt: skip
            context.add_init_script(HIDE_DEMO)
            page = context.new_page()
            html = play(page, shot, values)
            data = picture(page, shot)
            context.close()
            (folder / f"{shot.name}.webp").write_bytes(data)
            entries[shot.name] = {
                "file": f"{academie}/{shot.name}.webp",
                "width": VIEWPORT["width"],
                "height": shot.height or DEFAULT_HEIGHT,
                "hash": page_hash(html),
                "bytes": len(data),
            }
            print(f"  {academie}/{shot.name}.webp  {len(data) / 1024:.1f} KB")
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--academie",
        action="append",
        choices=available_profiles(),
        help="only this académie (repeatable); default: every profile",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    manifest_path = OUT / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    shots = manifest.get("shots", {}) if manifest.get("version") == MANIFEST_VERSION else {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for academie in args.academie or available_profiles():
            print(f"{academie}:")
            shots[academie] = shoot(academie, browser)
        browser.close()
    manifest = {
        "version": MANIFEST_VERSION,
        "viewport": VIEWPORT,
        "device_scale_factor": DPR,
        "shots": dict(sorted(shots.items())),
    }
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    total = sum(e["bytes"] for s in shots.values() for e in s.values())
    count = sum(len(s) for s in shots.values())
    print(f"{count} pictures, {total / 1024:.0f} KB, manifest: {manifest_path}")


if __name__ == "__main__":
    main()
