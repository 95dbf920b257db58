"""Gestion — postal letter requests waiting for an agent (issue 11 item 4):
the list (within the agent's établissements), one request with a search of
the établissement's accounts by name, and the two ways out: attach to an
account (the request then waits for printing like a matched one) or reject
with a reason. Both are audited with the agent as actor."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pwa.parse import ascii_int
from pwa.security.roles import allows
from pwa.services.helpdesk import scope_uais
from pwa.services.letter_requests import REJECTION_MAX, REVIEW_REASONS, Unresolvable
from pwa.views import (
    BadForm,
    flash,
    read_form,
    redirect,
    redirect_to,
    render,
    sesame,
    take_flash,
)
from pwa.views.shared import forms
from pwa.views.shared.access import Staff, refuse, staff


@staff("gestionnaire")
async def waiting(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    rows = s.letter_requests.to_review(scope_uais(ctx.grants, "gestionnaire"))
    return render(
        request, "gestion/requests.html", {"rows": rows, "reasons": REVIEW_REASONS, "flash": take_flash(request)}
    )


def _request_in_scope(request: Request, ctx: Staff, raw: str) -> dict | Response:
    row = sesame(request).letter_requests.get(ascii_int(raw) or 0)
    if row is None:
        return render(request, "error.html", {"status": 404, "message": "Cette demande n'existe pas."}, status=404)
    if not allows(ctx.grants, "gestionnaire", row["uai"]):
        return refuse(request, "scope")
    return row


def _page(request: Request, row: dict, *, query: str = "", status: int = 200, **extra) -> Response:
    s = sesame(request)
    found = s.letter_requests.candidates(row["uai"], query) if len(query) >= 2 else None
    return render(
        request,
        "gestion/request.html",
        {
            "row": row,
            "reasons": REVIEW_REASONS,
            "query": query,
            "found": found,
            "errors": forms.Errors(),
            "values": {},
            "rejection_max": REJECTION_MAX,
            **extra,
        },
        status=status,
    )


@staff("gestionnaire")
async def review(request: Request, ctx: Staff) -> Response:
    row = _request_in_scope(request, ctx, request.query_params.get("demande", ""))
    if isinstance(row, Response):
        return row
    query = request.query_params.get("q", "").strip()[:100]
    errors = forms.Errors()
    if "q" in request.query_params and len(query) < 2:
        errors.add("q", "Saisissez au moins 2 caractères du nom ou du prénom.")
    return _page(request, row, query=query, errors=errors, status=422 if errors else 200)


@staff("gestionnaire")
async def attach(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    form = await read_form(request)
    row = _request_in_scope(request, ctx, form.get("demande", ""))
    if isinstance(row, Response):
        return row
    account = s.directory.get(ascii_int(form.get("compte", "")) or 0)
    if account is None:
        raise BadForm(400, "Choisissez la personne à qui rattacher la demande.")
    if s.roles.grants(account.id) and not allows(ctx.grants, "admin", None):
        # A staff account's letter would open a wider account: académie-wide admins only
        # (as for the help desk's codes, pwa.views.shared.access).
        return refuse(request, "scope")
    try:
        s.letter_requests.attach(row["id"], account, agent=ctx.agent, client=request.state.client)
    except Unresolvable as problem:
        raise BadForm(409, str(problem)) from problem
    flash(
        request,
        f"Demande {row['reference']} rattachée à {account.first_name} {account.last_name} "
        f"({account.identifiant}). La lettre sera imprimée avec les demandes en attente "
        "de l'établissement.",
    )
    return redirect(request, "gestion_requests")


@staff("gestionnaire")
async def reject(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    form = await read_form(request)
    row = _request_in_scope(request, ctx, form.get("demande", ""))
    if isinstance(row, Response):
        return row
    reason = form.get("motif", "")
    errors = forms.Errors()
    if len(reason) > REJECTION_MAX:
        errors.add("motif", f"Le motif compte {REJECTION_MAX} caractères au plus.")
    else:
        try:
            s.letter_requests.reject(row["id"], reason, agent=ctx.agent, client=request.state.client)
        except Unresolvable as problem:
            if row["status"] != "review":
                raise BadForm(409, str(problem)) from problem
            errors.add("motif", str(problem))
    if errors:
        return _page(request, row, errors=errors, values={"motif": reason}, status=422)
    flash(request, f"Demande {row['reference']} refusée. La page de suivi invite la personne à appeler l'assistance.")
    return redirect_to(request, "/gestion/courriers")
