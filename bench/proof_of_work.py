"""How long the anti-robot proof-of-work takes in a real Chromium, with the CPU slowed
down as on an old Android phone (not a test). See bench/README.md.

    python bench/proof_of_work.py                       # rates 1, 4 and 6, 12 solves each
    python bench/proof_of_work.py --rates 6 --solves 30
    python bench/proof_of_work.py --url http://localhost:8000   # an app already running

Serves the demo (as bench/lighthouse.py does), opens /connexion at phone size, slows the
CPU with CDP `Emulation.setCPUThrottlingRate`, and times the widget from `verify()` to
"verified": fetching a challenge, the search in the widget's workers, and the widget's
own minimum of 0.5 s. Prints the median and the 90th percentile per rate, and the mean
counter found (the work is proportional to it: MAX_NUMBER / 2 on average).
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lighthouse import demo_server  # noqa: E402

from pwa.security.antibot import MAX_NUMBER  # noqa: E402

SOLVED = (
    "() => { const w = document.querySelector('altcha-widget');"
    " return w && w.getState && w.getState() === 'verified'; }"
)


def measure(base: str, rates: list[float], solves: int) -> None:
    from playwright.sync_api import sync_playwright
    from support.browser import CHROMIUM, CHROMIUM_ARGS, MOBILE

    print(f"MAX_NUMBER = {MAX_NUMBER}; {solves} solves per rate, phone context (360×740)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for rate in rates:
            context = browser.new_context(base_url=base, service_workers="block", **MOBILE)
            page = context.new_page()
            page.goto("/connexion")
            page.get_by_label("Identifiant ou adresse académique").focus()  # loads the widget
            page.wait_for_function(SOLVED, timeout=120_000)
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            times, counters = [], []
            for _ in range(solves):
                started = time.monotonic()
                page.evaluate("document.querySelector('altcha-widget').verify()")
                page.wait_for_function(SOLVED, timeout=120_000)
                times.append(time.monotonic() - started)
                value = page.evaluate("document.querySelector('input[name=altcha]').value")
                counters.append(json.loads(base64.b64decode(value))["solution"]["counter"])
            times.sort()
            p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
            print(
                f"CPU ×{rate:g}: median {statistics.median(times):.2f} s, 90th percentile "
                f"{p90:.2f} s, max {times[-1]:.2f} s (mean counter {statistics.mean(counters):.0f})"
            )
            context.close()
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[1, 4, 6])
    parser.add_argument("--solves", type=int, default=12)
    parser.add_argument("--url", help="an app already running (default: serve the demo)")
    args = parser.parse_args(argv)
    if args.url:
        measure(args.url.rstrip("/"), args.rates, args.solves)
    else:
        with demo_server() as base:
            measure(base, args.rates, args.solves)
    return 0


if __name__ == "__main__":
    sys.exit(main())
