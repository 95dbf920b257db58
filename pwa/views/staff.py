"""Journey 10 — Gestion: its home page. Who may enter the staff area is decided by
`pwa.views.shared.access.staff`, which wraps every staff route."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pwa.security.roles import ROLES
from pwa.views import render, sesame
from pwa.views.shared.access import Staff, staff


@staff(None)
async def home(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    names = s.etablissements.names()
    grants = [
        {"role": ROLES[g.role], "scope": f"{names.get(g.uai, '')} ({g.uai})" if g.uai else "toute l'académie"}
        for g in ctx.grants
    ]
    return render(
        request,
        "gestion/home.html",
        {
            "agent": ctx.agent,
            "grants": grants,
            "assistance": ctx.has_role("assistance"),
            "gestionnaire": ctx.has_role("gestionnaire"),
        },
    )
