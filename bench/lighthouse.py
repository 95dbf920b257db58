"""Lighthouse scores of Sésame's public pages on a phone (not a test). See bench/README.md.

    python bench/lighthouse.py                  # about 1 minute
    python bench/lighthouse.py --runs 3         # median of 3 runs per page
    python bench/lighthouse.py --url http://localhost:8000   # an app already running

Serves the demo (`sesame serve --demo` on a fresh database in a temporary folder), then runs
Lighthouse (npm package `lighthouse`, pinned below; `npx` fetches it once into npm's cache)
with Debian's Chromium, mobile form factor and Lighthouse's default simulated slow 4G, on
home, a guide page, /identifiant and /mot-de-passe. Prints the four category scores per page,
the performance metrics, and every audit that did not pass.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = "lighthouse@13.5.0"
CHROMIUM = os.environ.get("SESAME_CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)
PAGES = ["/", "/guide", "/identifiant", "/mot-de-passe"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@contextlib.contextmanager
def demo_server() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="sesame-lighthouse-") as folder:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
        env.update(SESAME_DB=str(Path(folder) / "demo.db"), SESAME_LOG_LEVEL="warning")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        log = open(Path(folder) / "server.log", "wb")  # noqa: SIM115 (closed below)
        command = [sys.executable, "-m", "pwa", "serve", "--demo", "--port", str(port)]
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=log)
        url = f"http://localhost:{port}"
        try:
            deadline = time.monotonic() + 30
            while get_quietly(url + "/sante") != 200:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the demo server did not start:\n" + read(log.name))
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            process.wait(10)
            log.close()


def get_quietly(url: str) -> int:
    with contextlib.suppress(OSError):
        return get(url)[0]
    return 0


def read(path: str) -> str:
    return Path(path).read_text(errors="replace")


def guide_page(base: str) -> str | None:
    """A guide step showing a screenshot (the heaviest kind of page), if there is a guide."""
    status, html = get(base + "/guide")
    if status != 200:
        return None
    first = None
    for chapter in dict.fromkeys(re.findall(r'href="(/guide/[a-z0-9-]+)"', html)):
        status, html = get(base + chapter)
        for step in dict.fromkeys(re.findall(rf'href="({re.escape(chapter)}/\d+)"', html)):
            first = first or step
            if ".webp" in get(base + step)[1]:
                return step
    return first or "/guide"


def lighthouse(url: str, out: Path) -> dict:
    if not shutil.which("npx"):
        raise SystemExit("npx is missing: install Node.js (Debian package nodejs, npm)")
    command = [
        "npx", "--yes", LIGHTHOUSE, url,
        f"--chrome-path={CHROMIUM}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--form-factor=mobile",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        "--locale=fr",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not out.exists():
        raise SystemExit(f"lighthouse failed on {url}:\n{result.stderr[-3000:]}")
    return json.loads(out.read_text())


def summarise(reports: list[dict]) -> dict:
    """Median of each category score and metric over the runs, and what did not pass."""
    scores = {c: statistics.median(r["categories"][c]["score"] * 100 for r in reports) for c in CATEGORIES}
    metrics = {m: statistics.median(r["audits"][m]["numericValue"] for r in reports) for m in METRICS}
    # The audits of the run whose performance is the median one.
    last = sorted(reports, key=lambda r: r["categories"]["performance"]["score"])[len(reports) // 2]
    failed = []
    for category in CATEGORIES[1:]:
        for ref in last["categories"][category]["auditRefs"]:
            audit = last["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                failed.append(f"{category}: {ref['id']} ({audit['title']})")
    for ref in last["categories"]["performance"]["auditRefs"]:
        audit = last["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 0.9:
            failed.append(f"performance: {ref['id']} = {audit.get('displayValue', '')}")
    return {"scores": scores, "metrics": metrics, "failed": failed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median kept)")
    parser.add_argument("--url", help="an app already running (default: start the demo)")
    parser.add_argument("pages", nargs="*", help=f"paths (default: {' '.join(PAGES)}, a guide step)")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        base = args.url.rstrip("/") if args.url else stack.enter_context(demo_server())
        pages = args.pages or [p for p in [PAGES[0], guide_page(base), *PAGES[2:]] if p]
        results = {}
        for path in pages:
            reports = [lighthouse(base + path, Path(tmp) / f"{n}.json") for n in range(args.runs)]
            results[path] = summarise(reports)
            print(f"  {path}: done", file=sys.stderr)
    version = LIGHTHOUSE.split("@")[1]
    print(f"Lighthouse {version}, mobile (simulated slow 4G, 4x CPU slowdown), {CHROMIUM}")
    header = f"{'page':32} " + " ".join(f"{c[:13]:>13}" for c in CATEGORIES)
    print(header)
    for path, result in results.items():
        row = " ".join(f"{result['scores'][c]:>13.0f}" for c in CATEGORIES)
        print(f"{path:32} {row}")
    print()
    print(f"{'page':32}    FCP ms    LCP ms    TBT ms     CLS  SpeedIdx")
    for path, result in results.items():
        m = result["metrics"]
        fcp, lcp, tbt, cls, si = (m[name] for name in METRICS)
        print(f"{path:32} {fcp:>9.0f} {lcp:>9.0f} {tbt:>9.0f} {cls:>7.3f} {si:>9.0f}")
    for path, result in results.items():
        for line in result["failed"]:
            print(f"not passed, {path}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
