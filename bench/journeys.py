"""Screens and taps of every activation path, walked in a real Chromium at 360×740.

    python bench/journeys.py

Needs what the browser tests need (Debian chromium, zbar-tools, `npm ci` for axe-core is
not used here). Starts a demo server of its own, imports five newcomers with
`sesame import`, prints two activation letters with `sesame letters`, and walks each
path as a newcomer does (tests/support/journey_walk.py says what counts as a screen and a tap).
Prints one line per path; the README quotes the table.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))


def main() -> int:
    from playwright.sync_api import sync_playwright
    from support.browser import CHROMIUM, CHROMIUM_ARGS, MOBILE
    from support.journey_walk import newcomers_server, walk_every_path

    with tempfile.TemporaryDirectory(prefix="sesame-journeys-") as folder:
        with newcomers_server(Path(folder)) as (server, people, letters), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(base_url=server.url, **MOBILE)
            context.route("**/sw.js", lambda route: route.abort())
            walks = walk_every_path(context.new_page, people, letters)
            browser.close()
    width = max(len(name) for name in walks)
    print(f"{'path':<{width}}  screens  taps  characters typed")
    for name, walk in walks.items():
        print(f"{name:<{width}}  {walk.screens:>7}  {walk.taps:>4}  {walk.typed:>16}")
    baseline = walks["identifiant, puis NUMEN + date de naissance"]
    numen = walks["NUMEN + date de naissance"]
    print(
        f"NUMEN path vs identifiant first: {numen.screens / baseline.screens:.2f}× the screens, "
        f"{numen.taps / baseline.taps:.2f}× the taps"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
