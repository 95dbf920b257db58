"""/healthz: the process answers. /readyz: the database takes a write and the
outbox is not stuck (a mail due for more than STUCK_SECONDS that no worker took:
the worker is dead). An SMTP server refusing mail does not make Sésame unready
(pages still work): it shows in the metrics (sesame_outbox_*)."""

from __future__ import annotations

import asyncio
import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from pwa.store import Store

STUCK_SECONDS = 900.0


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok", headers={"Cache-Control": "no-store"})


def readiness(store: Store) -> dict[str, str]:
    from pwa.mail.outbox import MAX_ATTEMPTS

    checks = {}
    try:
        with store.write() as db:
            db.execute(
                "insert into meta (key, value) values ('ready_probe', ?)"
                " on conflict (key) do update set value = excluded.value",
                (str(store.now()),),
            )
        checks["database"] = "ok"
    except sqlite3.Error as exc:
        checks["database"] = f"not writable ({type(exc).__name__}: {exc})"
        return checks
    row = store.one(
        "select count(*) as n from outbox where sent_at is null and attempts < ?"
        " and next_attempt_at < ? and coalesce(locked_until, 0) < ?",
        (MAX_ATTEMPTS, store.now() - STUCK_SECONDS, store.now()),
    )
    overdue = row["n"] if row else 0
    checks["outbox"] = f"stuck ({overdue} mail(s) due for more than 15 min)" if overdue else "ok"
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
