"""Helpers of the mail tests, shared with other test modules."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coro_function):
    """Run a coroutine in a thread of its own: the browser tests' Playwright
    (sync API) keeps an event loop in the main thread for the whole session."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coro_function())).result()
