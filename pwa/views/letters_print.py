"""Journey 10 — printing activation letters from the établissement page.

One POST prints a PDF: everyone not activated yet, the postal requests
waiting, or one person. Requests a newer code already serves are skipped and
marked served (pwa.services.printing). A print that would void a code still
valid answers 409 with the page and a confirmation listing who; confirming
sends back the ids of the codes the agent saw. After a print the result is
kept in the session and shown once by the établissement page, which
static/js/letters.js reloads in place after saving the PDF (without
JavaScript the browser just downloads it; the page shows the result on the
next visit)."""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.parse import ascii_int
from pwa.services.printing import (
    NeedsConfirmation,
    PrintPlan,
    carry_out,
    plan_people,
    plan_requests,
    valid_codes,
)
from pwa.views import BadForm, read_form, redirect_to, render, sesame
from pwa.views.staff import Staff, staff

RESULT_KEY = "letters_printed"
MAX_CONFIRMED = 1000


def print_context(s, uai: str, waiting: list[dict]) -> dict:
    """The établissement page's letters section: valid codes, what each button would print."""
    valid = valid_codes(s, uai)
    requests = plan_requests(s, uai)
    return {
        "printed": valid,
        "to_print": sum(1 for p in waiting if p["id"] not in valid and p["status"] == "active"),
        "queued": requests.people,
        "served": requests.served,
    }


def _plan(s, uai: str, form: dict[str, str]) -> PrintPlan:
    which = form.get("lettres", "")
    if which == "demandes":
        return plan_requests(s, uai)
    if which == "attente":
        return plan_people(s, s.letters.accounts(uai=uai))
    if which == "personne":
        # One person, even with a letter still valid: the reprint voids it (after confirmation).
        raw = form.get("compte", "")
        person_id = ascii_int(raw)
        person = s.directory.get(person_id) if person_id else None
        if person is None or person.uai != uai:
            raise BadForm(400, "Cette personne n'est pas dans cet établissement.")
        return plan_people(s, s.letters.accounts(identifiants=[person.identifiant]))
    raise BadForm(400, "Choisissez les lettres à imprimer.")


def _confirmed(raw: str) -> set[int]:
    """The code ids the agent confirmed voiding (`12,15`); anything else confirms nothing."""
    ids = [part for part in raw.split(",") if part.strip()]
    numbers = [ascii_int(part) for part in ids]
    if len(ids) > MAX_CONFIRMED or any(n is None for n in numbers):
        return set()
    return {n for n in numbers if n is not None}


def remember(request: Request, plan: PrintPlan) -> None:
    """What was just printed and skipped, for the page shown next (no secret: names, dates)."""
    session = request.state.session.get()
    if session is None:
        return
    session.data[RESULT_KEY] = {
        "printed": len(plan.people),
        "served": [
            {"name": i.name, "identifiant": i.account.identifiant, "label": i.label,
             "issued_at": i.issued_at, "used": i.used_label}
            for i in plan.served
        ],
        "replaced": [i.name for i in plan.voids],
    }
    request.state.session.save()


def take_result(request: Request) -> dict | None:
    session = request.state.session.get()
    result = session.data.pop(RESULT_KEY, None) if session is not None else None
    if result:
        request.state.session.save()
    return result


@staff("gestionnaire", target="uai")
async def letters(request: Request, ctx: Staff) -> Response:
    from pwa.views.gestion import _etablissement_context as etablissement_context

    s = sesame(request)
    form = await read_form(request)
    plan = await run_in_threadpool(_plan, s, ctx.uai, form)
    if plan.empty:
        context = etablissement_context(s, ctx.uai)
        context["letters_error"] = "Il n'y a aucune lettre à imprimer pour ce choix."
        return render(request, "gestion/etablissement.html", context, status=422)
    base_url = s.settings.public_url or str(request.base_url).rstrip("/")
    try:
        pdf = await run_in_threadpool(
            lambda: carry_out(
                s, plan, confirmed=_confirmed(form.get("confirme", "")), base_url=base_url,
                actor=ctx.agent.identifiant, actor_id=ctx.agent.id, client=request.state.client,
            )
        )
    except NeedsConfirmation:
        context = etablissement_context(s, ctx.uai)
        context["confirm"] = {
            "plan": plan,
            "lettres": form.get("lettres", ""),
            "compte": form.get("compte", ""),
            "ids": ",".join(str(v.code_id) for v in plan.voids),
        }
        return render(request, "gestion/etablissement.html", context, status=409)
    remember(request, plan)
    if pdf is None:  # every request was already served: nothing to download
        return redirect_to(request, f"/gestion/etablissement?uai={ctx.uai}")
    name = f"lettres-activation-{ctx.uai}-{dt.date.today():%Y%m%d}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
