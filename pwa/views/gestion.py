"""Journey 10 — the gestionnaire's pages: activation dashboard per
établissement and the not-yet-activated list.
The staff import: pwa.views.gestion_import; printing letters: pwa.views.letters_print."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pwa.services.helpdesk import scope_uais
from pwa.views import render, sesame, take
from pwa.views.shared.access import Staff, staff

PRINTED = "letters_printed"  # what the last print did, shown once (pwa.views.letters_print)


@staff("gestionnaire")
async def dashboard(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    uais = scope_uais(ctx.grants, "gestionnaire")
    rows = s.gestion.activation_counts(uais)
    to_review = s.letter_requests.count_to_review(uais)
    return render(
        request,
        "gestion/dashboard.html",
        {"rows": rows, "to_review": to_review, "to_review_total": sum(to_review.values())},
    )


@staff("gestionnaire", target="uai")
async def etablissement(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    context = s.gestion.etablissement(ctx.uai)
    context["print_result"] = take(request, PRINTED)
    return render(request, "gestion/etablissement.html", context)
