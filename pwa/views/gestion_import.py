"""Gestion's staff import (issue 15): the file is checked and previewed (new, updated,
leaving, restored, unchanged, with names); the agent's confirmation applies it. The same
checks and messages as `sesame import`: nothing is written when a row is bad."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.import_preview import groups
from pwa.importer import leaving_note, no_entry_note, pending_note, summary
from pwa.security.csrf import FIELD, check_csrf
from pwa.services.helpdesk import scope_uais
from pwa.services.staff_import import Outcome
from pwa.views import BadForm, read_form, render, sesame
from pwa.views.shared import forms
from pwa.views.shared.access import Staff, staff

TEMPLATE = "gestion/import.html"
MAX_UPLOAD = 5 * 1024 * 1024


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


def _page(request: Request, outcome: Outcome | None = None, complete: bool = False) -> Response:
    s = sesame(request)
    errors = forms.Errors()
    context: dict = {"errors": errors, "row_errors": [], "report": None, "preview": None, "complete": complete}
    context["grace_days"] = s.profile.leavers_grace_days
    if outcome is None:
        return render(request, TEMPLATE, context)
    if outcome.file_error:
        errors.add("fichier", outcome.file_error)
        return render(request, TEMPLATE, {**context, "row_errors": outcome.row_errors}, status=422)
    if outcome.plan is not None:
        preview = {"groups": groups(outcome.plan), "token": outcome.token, "scope": outcome.plan.scope}
        return render(request, TEMPLATE, {**context, "preview": preview})
    report = outcome.report
    assert report is not None
    notes = [n for n in (leaving_note(report), pending_note(report), no_entry_note(report)) if n]
    return render(request, TEMPLATE, {**context, "report": summary(report), "notes": notes})


@staff("gestionnaire")
async def import_page(request: Request, ctx: Staff) -> Response:
    """GET: the form. POST: the file, checked and previewed; nothing applied yet."""
    if request.method == "GET":
        return _page(request)
    fields, data = await read_upload(request)
    complete = fields.get("complet") == "1"
    if not data:
        return _page(request, Outcome(file_error="Choisissez le fichier CSV du personnel."), complete)
    s = sesame(request)
    uais = scope_uais(ctx.grants, "gestionnaire")
    outcome = await run_in_threadpool(s.staff_import().preview, ctx.agent.id, data, uais=uais, complete=complete)
    return _page(request, outcome, complete)


@staff("gestionnaire")
async def confirm(request: Request, ctx: Staff) -> Response:
    """The agent confirms the preview: the import is applied and audited."""
    s = sesame(request)
    form = await read_form(request)
    outcome = await run_in_threadpool(
        s.staff_import().confirm,
        ctx.agent.id,
        form.get("apercu", ""),
        uais=scope_uais(ctx.grants, "gestionnaire"),
        actor=ctx.agent.identifiant,
        client=request.state.client,
    )
    return _page(request, outcome)
