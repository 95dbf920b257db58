"""Real Chromium tests (Debian chromium, Playwright): every test in this folder carries
the `browser` mark (`pytest -m "not browser"` skips them). Their fixtures live in
tests/support/browser.py, registered for the whole suite by tests/conftest.py."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.browser import MOBILE, TIMEOUT_MS, watch_errors
from support.live_app import ErrorLog, LiveApp

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


# --- the app of the offline and install tests, served from the test process ---------


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
