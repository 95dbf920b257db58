"""Journey 10 — the gestionnaire's pages: an établissement's not-yet-activated
list and letters, and the staff CSV import (the same
checks and messages as `sesame import`: nothing is written when a row is bad).
Printing letters: pwa.views.letters_print; the dashboard: pwa.views.gestion_activation."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.importer import (
    UnreadableFile,
    check_rows,
    import_staff,
    no_entry_note,
    parse_staff_csv,
    pending_note,
    summary,
)
from pwa.importer_checks import check_scope
from pwa.security.csrf import FIELD, check_csrf
from pwa.services.helpdesk import scope_uais
from pwa.views import BadForm, render, sesame, take
from pwa.views.shared import forms
from pwa.views.shared.access import Staff, staff

PRINTED = "letters_printed"  # what the last print did, shown once (pwa.views.letters_print)

MAX_UPLOAD = 5 * 1024 * 1024


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


@staff("gestionnaire")
async def import_page(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    context = {"errors": forms.Errors(), "row_errors": [], "report": None}
    if request.method == "GET":
        return render(request, "gestion/import.html", context)
    _, data = await read_upload(request)
    errors = forms.Errors()
    if not data:
        errors.add("fichier", "Choisissez le fichier CSV du personnel.")
        return render(request, "gestion/import.html", {**context, "errors": errors}, status=422)
    try:
        parsed = parse_staff_csv(data)
    except UnreadableFile as error:
        errors.add("fichier", f"Ce fichier est illisible : {error}")
        return render(request, "gestion/import.html", {**context, "errors": errors}, status=422)
    row_errors = list(parsed.errors)
    uais = scope_uais(ctx.grants, "gestionnaire")
    if uais is not None:
        row_errors += await run_in_threadpool(check_scope, parsed.rows, uais, directory=s.directory, keys=s.keys)
    if not row_errors:
        row_errors = await run_in_threadpool(check_rows, parsed.rows, directory=s.directory, keys=s.keys)
    if row_errors:
        row_errors.sort(key=lambda e: e.line or 0)
        errors.add(
            "fichier",
            "Le fichier contient des erreurs : aucune ligne n'a été importée. "
            "Corrigez les lignes ci-dessous, puis envoyez-le à nouveau.",
        )
        return render(
            request,
            "gestion/import.html",
            {**context, "errors": errors, "row_errors": [str(e) for e in row_errors]},
            status=422,
        )
    report = await run_in_threadpool(import_staff, parsed.rows, store=s.store, directory=s.directory, keys=s.keys)
    s.audit.record(
        "import",
        actor=ctx.agent.identifiant,
        client=request.state.client,
        created=report.created,
        updated=report.updated,
    )
    return render(
        request,
        "gestion/import.html",
        {**context, "report": summary(report), "pending": pending_note(report), "no_entry": no_entry_note(report)},
    )
