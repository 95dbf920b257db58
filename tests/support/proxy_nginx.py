"""Helpers of the proxy_nginx tests, shared with other test modules."""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stack:
    url: str
    log: Path
    ca: Path  # the certificate authority the proxy's certificate comes from

    def client(self) -> httpx.Client:
        """A client that sends Origin on every request, as a browser does on a form post."""
        context = ssl.create_default_context(cafile=self.ca)
        return httpx.Client(base_url=self.url, verify=context, timeout=15, headers={"Origin": self.url})

    def lines(self) -> list[dict]:
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return out


@contextlib.contextmanager
def sesame_behind(
    folder: Path, proxy: list[str], *, app_port: int, https_port: int, ca: Path, **environ: str
) -> Iterator[Stack]:
    """`sesame serve --demo` (JSON logs) on app_port, and the proxy command in front
    of it on https_port; both stopped at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    env.update(
        SESAME_DB=str(folder / "demo.db"),
        SESAME_LOG_FORMAT="json",
        SESAME_LOG_LEVEL="info",
        PYTHONPATH=str(ROOT),
        **environ,
    )
    log = folder / "sesame.log"
    with log.open("wb") as out:
        app = subprocess.Popen(
            [sys.executable, "-m", "pwa", "serve", "--demo", "--port", str(app_port)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    front = subprocess.Popen(proxy, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack = Stack(f"https://localhost:{https_port}", log, ca)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert app.poll() is None and front.poll() is None, log.read_text()
            with contextlib.suppress(httpx.HTTPError, OSError), stack.client() as probe:
                if probe.get("/healthz").status_code == 200:
                    break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield stack
    finally:
        front.terminate()
        app.terminate()
        front.wait(10)
        app.wait(15)
