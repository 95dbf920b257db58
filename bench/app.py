"""Benchmark-only ASGI factory: Sésame as `sesame serve` builds it, plus two
baseline endpoints served by the same process (pwa/ is not modified).

    /bare     a plain Starlette app with one PlainTextResponse route and no
              middleware: the baseline every ratio in bench/run.py is taken against
    /bare-mw  the same endpoint added to Sésame's own router, so it goes through
              Sésame's GZip + Security middleware (cookies, CSP nonce, headers)

Everything else goes to `pwa.app.create_app(Settings.from_env())`.
Run by bench/run.py as `uvicorn bench.app:create --factory` from the repo root.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from pwa.app import create_app
from pwa.settings import Settings


async def bare(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Hello, world!")


def create():
    # No outbox worker: the benchmark sends no mail, and no SMTP server runs.
    settings = replace(Settings.from_env(), run_outbox_worker=False)
    app = create_app(settings)
    # wrk replays one login body thousands of times, and a proof-of-work solution is
    # accepted once: the benchmark measures the sign-in's own work, so the anti-robot
    # check is switched off here, in this benchmark-only factory (its cost is measured
    # on its own by bench/proof_of_work.py). The product has no such switch.
    app.state.sesame.antibot.check = lambda payload, client: None
    # First in the table, so that routing costs what it costs for "/" (the stack is built lazily).
    app.router.routes.insert(0, Route("/bare-mw", bare))
    bare_app = Starlette(routes=[Route("/bare", bare)])

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/bare":
            await bare_app(scope, receive, send)
        else:  # Sésame, including the lifespan
            await app(scope, receive, send)

    return dispatch
