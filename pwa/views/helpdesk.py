"""Journey 5c / 10 — the help desk (assistance role): search an account, its
page, caller verification (match / no match only), a one-time code through a
second channel, unlock, disable / re-enable, the audit trail.

The agent never sees or sets a password, a NUMEN or a birth date."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.parse import ascii_int
from pwa.services.helpdesk import CALLER_CHECKS_PER_DAY, scope_uais
from pwa.views import flash, read_form, redirect_to, render, sesame, take_flash
from pwa.views.shared import forms
from pwa.views.shared.access import Staff, staff

MAX_REASON = 300


def _account_url(ctx: Staff, path: str = "/gestion/compte") -> str:
    return f"{path}?compte={ctx.account.id}"


@staff("assistance")
async def search(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    query = request.query_params.get("q", "").strip()[:100]
    raw_page = request.query_params.get("page", "1")
    page = ascii_int(raw_page, max_digits=5) or 1
    results = None
    errors = forms.Errors()
    if "q" in request.query_params:
        if len(query) < 2:
            errors.add("q", "Saisissez au moins 2 caractères : identifiant, nom, adresse ou établissement.")
        else:
            results = s.helpdesk.search(query, scope_uais(ctx.grants, "assistance"), page)
    return render(
        request,
        "gestion/search.html",
        {
            "query": query,
            "results": results,
            "errors": errors,
            "scope_all": scope_uais(ctx.grants, "assistance") is None,
        },
        status=422 if errors else 200,
    )


def _page(request: Request, ctx: Staff, status: int = 200, **extra) -> Response:
    s = sesame(request)
    account = s.directory.get(ctx.account.id)  # as it is now (after an action)
    if account is None:  # accounts are never deleted; for the type checker
        return render(request, "error.html", {"status": 404, "message": "Ce compte n'existe pas."}, status=404)
    return render(
        request,
        "gestion/account.html",
        {
            "account": account,
            "info": s.helpdesk.summary(account),
            "events": s.helpdesk.trail(account, limit=10),
            "checks_per_day": CALLER_CHECKS_PER_DAY,
            "letter": s.codes.live(account.id, "letter"),
            "errors": forms.Errors(),
            "values": {},
            **extra,
        },
        status=status,
    )


@staff("assistance", target="account")
async def account_page(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    s.helpdesk.viewed(ctx.account, ctx.agent, request.state.client)
    return _page(request, ctx, flash=take_flash(request))


def _done(request: Request, ctx: Staff, message: str) -> Response:
    """After an action: back to the account page with a confirmation (PRG)."""
    flash(request, message)
    return redirect_to(request, _account_url(ctx))


@staff("assistance", target="account")
async def check_caller(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    form = await read_form(request)
    errors = forms.Errors()
    birth = forms.birth_date(form, errors, today=s.store.today())
    numen = forms.numen(form.get("numen", ""), errors)
    values = {k: form.get(k, "") for k in ("jour", "mois", "annee")}
    if errors or birth is None:  # birth_date gives None with an error
        return _page(request, ctx, 422, errors=_for_the_agent(errors), values=values)
    outcome = await run_in_threadpool(
        s.helpdesk.check_caller, ctx.account, ctx.agent, birth=birth, numen=numen, client=request.state.client
    )
    if not outcome.done:
        errors.add(
            "jour",
            f"Limite atteinte : {CALLER_CHECKS_PER_DAY} vérifications par jour pour ce compte. "
            "Réessayez demain, ou proposez la fiche remise par le chef d'établissement.",
        )
        return _page(request, ctx, 429, errors=errors, values=values)
    return _page(request, ctx, check=outcome)


def _for_the_agent(errors: forms.Errors) -> forms.Errors:
    """The shared field messages speak to the owner ("votre NUMEN"); here the
    agent types what the caller says."""
    said = forms.Errors()
    for name, message in errors.items.items():
        message = message.replace(
            "Indiquez votre NUMEN. Il figure sur le courrier qui vous l'a donné.",
            "Indiquez le NUMEN dit par la personne.",
        )
        message = message.replace("votre date de naissance", "la date de naissance dite par la personne")
        said.add(name, message.replace("Vérifiez l'année de naissance.", "Vérifiez l'année dite par la personne."))
    return said


@staff("assistance", target="account")
async def issue_code(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    form = await read_form(request)
    channel = form.get("canal", "")
    if channel == "courriel":
        if not s.helpdesk.send_code_to_backup(ctx.account, ctx.agent, request.state.client):
            errors = forms.Errors()
            errors.add("canal-courriel", "Ce compte n'a pas d'adresse de secours vérifiée. Proposez la fiche.")
            return _page(request, ctx, 422, errors=errors)
        return _done(
            request,
            ctx,
            "Un code valable 30 minutes a été envoyé à l'adresse de secours. "
            "Dites à la personne d'ouvrir ce courriel et de suivre ses indications.",
        )
    if channel == "fiche":
        code, expires = s.helpdesk.code_for_slip(ctx.account, ctx.agent, request.state.client)
        return render(
            request,
            "gestion/slip.html",
            {
                "account": ctx.account,
                "code": code,
                "expires_at": expires,
                "etablissement": s.etablissements.name(ctx.account.uai, ctx.account.uai or ""),
                "activation_url": (s.settings.public_url or f"{request.url.scheme}://{request.url.netloc}")
                + "/activation",
            },
        )
    errors = forms.Errors()
    errors.add("canal-courriel", "Choisissez comment transmettre le code.")
    return _page(request, ctx, 422, errors=errors)


@staff("assistance", target="account")
async def unlock(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    await read_form(request)
    s.helpdesk.unlock(ctx.account, ctx.agent, request.state.client)
    return _done(request, ctx, "Les vérifications de ce compte sont débloquées.")


@staff("assistance", target="account")
async def set_status(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    form = await read_form(request)
    reason = " ".join(form.get("motif", "").split())
    errors = forms.Errors()
    if not reason:
        errors.add("motif", "Indiquez le motif : il est conservé dans le journal du compte.")
    elif len(reason) > MAX_REASON:
        errors.add("motif", f"Le motif tient en {MAX_REASON} caractères au plus.")
    if errors:
        return _page(request, ctx, 422, errors=errors, values={"motif": form.get("motif", "")[: MAX_REASON * 2]})
    if ctx.account.active:
        s.helpdesk.disable(ctx.account, ctx.agent, reason, request.state.client)
        return _done(
            request,
            ctx,
            "Le compte est désactivé : la personne ne peut plus se connecter, ni à Sésame ni à sa messagerie.",
        )
    s.helpdesk.enable(ctx.account, ctx.agent, reason, request.state.client)
    return _done(request, ctx, "Le compte est réactivé.")


@staff("assistance", target="account")
async def trail(request: Request, ctx: Staff) -> Response:
    s = sesame(request)
    return render(request, "gestion/trail.html", {"account": ctx.account, "events": s.helpdesk.trail(ctx.account)})
