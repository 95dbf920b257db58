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

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.parse import ascii_int
from pwa.services.printing import NeedsConfirmation, PrintPlan
from pwa.views import BadForm, keep, read_form, redirect_to, render, sesame
from pwa.views.shared.access import Staff, staff

RESULT_KEY = "letters_printed"  # shown once by the établissement page (pwa.views.gestion)
MAX_CONFIRMED = 1000


def _plan(s, uai: str, form: dict[str, str]) -> PrintPlan:
    which = form.get("lettres", "")
    if which == "demandes":
        return s.printing.plan_requests(uai)
    if which == "attente":
        return s.printing.plan_people(s.letters.accounts(uai=uai))
    if which == "personne":
        # One person, even with a letter still valid: the reprint voids it (after confirmation).
        raw = form.get("compte", "")
        person_id = ascii_int(raw)
        person = s.directory.get(person_id) if person_id else None
        if person is None or person.uai != uai:
            raise BadForm(400, "Cette personne n'est pas dans cet établissement.")
        return s.printing.plan_people(s.letters.accounts(identifiants=[person.identifiant]))
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
    keep(
        request,
        RESULT_KEY,
        {
            "printed": len(plan.people),
            "served": [
                {
                    "name": i.name,
                    "identifiant": i.account.identifiant,
                    "label": i.label,
                    "issued_at": i.issued_at,
                    "used": i.used_label,
                }
                for i in plan.served
            ],
            "replaced": [i.name for i in plan.voids],
        },
    )


@staff("gestionnaire", target="uai")
async def letters(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    form = await read_form(request)
    plan = await run_in_threadpool(_plan, s, ctx.uai, form)
    if plan.empty:
        context = s.gestion.etablissement(ctx.uai)
        context["letters_error"] = "Il n'y a aucune lettre à imprimer pour ce choix."
        return render(request, "gestion/etablissement.html", context, status=422)
    base_url = s.settings.public_url or str(request.base_url).rstrip("/")
    try:
        pdf = await run_in_threadpool(
            lambda: s.printing.carry_out(
                plan,
                confirmed=_confirmed(form.get("confirme", "")),
                base_url=base_url,
                actor=ctx.agent.identifiant,
                actor_id=ctx.agent.id,
                client=request.state.client,
            )
        )
    except NeedsConfirmation:
        context = s.gestion.etablissement(ctx.uai)
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
    name = f"lettres-activation-{ctx.uai}-{s.store.today():%Y%m%d}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
