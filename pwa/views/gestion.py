"""Journey 10 — the gestionnaire's pages: an établissement's not-yet-activated list and
letters. The staff import: pwa.views.gestion_import; printing letters: pwa.views.letters_print;
the dashboard: pwa.views.gestion_activation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pwa.views import render, sesame, take
from pwa.views.shared.access import Staff, staff

PRINTED = "letters_printed"  # what the last print did, shown once (pwa.views.letters_print)


@staff("gestionnaire", target="uai")
async def etablissement(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    context = s.gestion.etablissement(ctx.uai)
    context["print_result"] = take(request, PRINTED)
    return render(request, "gestion/etablissement.html", context)
