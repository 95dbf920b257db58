"""Gestion — the activation dashboard (issue 15 item 4): the agent's scope over time (an
SVG chart drawn on the server, no JavaScript, with its table for screen readers), one
line per établissement with what waits (letter requests, people leaving), one
établissement over time, and the CSV of its people not activated yet (audited)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pwa.services.helpdesk import scope_uais
from pwa.views import render, sesame
from pwa.views.shared.access import Staff, staff
from pwa.views.shared.chart import CURVES, chart


def _timeline(request: Request, uais: list[str] | None) -> dict:
    points = sesame(request).activation.timeline(uais)
    return {"points": points, "chart": chart(points), "curves": CURVES, "latest": points[-1] if points else None}


@staff("gestionnaire")
async def dashboard(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    uais = scope_uais(ctx.grants, "gestionnaire")
    rows = s.gestion.activation_counts(uais)
    pending = s.activation.pending(uais)
    context = {
        "rows": rows,
        "pending": pending,
        "to_review_total": sum(p["review"] for p in pending.values()),
        "leaving": s.activation.leaving(uais),
        "scope": "l'académie" if uais is None else ("votre établissement" if len(uais) == 1 else "vos établissements"),
        **_timeline(request, uais),
    }
    return render(request, "gestion/dashboard.html", context)


@staff("gestionnaire", target="uai")
async def etablissement(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    context = {
        "uai": ctx.uai,
        "name": s.etablissements.name(ctx.uai, ctx.uai),
        "counts": s.gestion.activation_counts([ctx.uai])[0],
        **_timeline(request, [ctx.uai]),
    }
    return render(request, "gestion/activation_etablissement.html", context)


@staff("gestionnaire", target="uai")
async def export(request: Request, ctx: Staff) -> Response:
    """The établissement's people not activated yet, as a CSV file for its secretariat."""
    s = sesame(request)
    body, listed = s.activation.not_activated_csv(ctx.uai)
    s.audit.record(
        "export.not_activated",
        actor=ctx.agent.identifiant,
        client=request.state.client,
        uai=ctx.uai,
        people=listed,
    )
    filename = f"comptes-a-activer-{ctx.uai}-{s.store.today().isoformat()}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
