"""Journey 10 — the gestionnaire's pages: activation dashboard per
établissement, the not-yet-activated list, and reading an uploaded file.
The staff import: pwa.views.gestion_import; printing letters: pwa.views.letters_print."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pwa.security.csrf import FIELD, check_csrf
from pwa.services.helpdesk import scope_uais
from pwa.views import BadForm, render, sesame, take
from pwa.views.shared.access import Staff, staff

PRINTED = "letters_printed"  # what the last print did, shown once (pwa.views.letters_print)

MAX_UPLOAD = 5 * 1024 * 1024


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


async def read_upload(request: Request) -> tuple[dict[str, str], bytes | None]:
    """A multipart form with one file, after the CSRF check; the file's bytes
    (None when no file was chosen)."""
    s = sesame(request)
    try:
        async with request.form(max_files=1, max_fields=10) as form:
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            upload = form.get("fichier")
            data = None
            if upload is not None and not isinstance(upload, str) and upload.filename:
                data = await upload.read(MAX_UPLOAD + 1)
    except Exception as exc:  # malformed body, too many parts
        raise BadForm(400, "Le formulaire envoyé est illisible. Rechargez la page et recommencez.") from exc
    if not check_csrf(request, s.keys, fields.get(FIELD), s.settings.public_url):
        raise BadForm(403, "Votre page a expiré. Rechargez la page et recommencez.")
    if data is not None and len(data) > MAX_UPLOAD:
        raise BadForm(413, "Le fichier dépasse 5 Mo. Découpez-le en plusieurs fichiers.")
    return fields, data
