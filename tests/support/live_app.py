"""The app the offline and install tests serve from their own process (LiveApp), and what they ask Chromium."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from support.web import SECRET, fast_hashing  # noqa: E402

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


def expect():
    from playwright.sync_api import expect

    return expect


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
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, ws="none", access_log=False, log_level="warning")
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


def activated(context):
    page = context.new_page()
    page.goto("/")
    assert page.evaluate(WAIT_ACTIVATED) == "activated"
    return page


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
