"""/healthz: the process answers. /readyz: the database takes a write and the
outbox is not stuck (a mail due for more than STUCK_SECONDS that no worker took:
the worker is dead). An SMTP server refusing mail does not make Sésame unready
(pages still work): it shows in the metrics (sesame_outbox_*)."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from pwa.store import Store

STUCK_SECONDS = 900.0

log = logging.getLogger("sesame.health")


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok", headers={"Cache-Control": "no-store"})


def readiness(store: Store) -> dict[str, str]:
    from pwa.mail.outbox import overdue

    checks = {}
    try:
        store.set_meta("ready_probe", str(store.now()))
        checks["database"] = "ok"
    except store.unavailable_errors as exc:
        # The probe is public: the kind of failure only; the details (host, base) go to the log.
        log.warning("readiness: the database takes no write: %s", exc)
        checks["database"] = f"not writable ({type(exc).__name__})"
        return checks
    stuck = overdue(store, STUCK_SECONDS)
    checks["outbox"] = f"stuck ({stuck} mail(s) due for more than 15 min)" if stuck else "ok"
    return checks


async def readyz(request: Request) -> Response:
    checks = await asyncio.to_thread(readiness, request.app.state.sesame.store)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "fail", "checks": checks},
        status_code=200 if ok else 503,
        headers={"Cache-Control": "no-store"},
    )


def routes() -> list[Route]:
    return [Route("/healthz", healthz, name="healthz"), Route("/readyz", readyz, name="readyz")]
