"""Journey 1 — Retrouver mon identifiant: address, then birth date + NUMEN.
(Without the address, NUMEN + birth date alone: pwa/views/numen.py.)"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.services.namesakes import namesake_sentence
from pwa.views import read_form, redirect, redirect_to, render, sesame
from pwa.views.shared import forms
from pwa.views.shared.forms import anti_automation
from pwa.views.shared.messages import refusal

GENERIC_FAILURE = (
    "Ces informations ne permettent pas de retrouver votre identifiant. "
    "Vérifiez l'adresse, la date de naissance et le NUMEN, puis réessayez."
)


async def ask_address(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "identifiant/address.html", {"values": {}})
    form = await read_form(request)
    errors = forms.Errors()
    email = forms.academic_address(form.get("email", ""), sesame(request).profile.mail_domain, errors)
    refused = await anti_automation(request, form, errors)
    if errors:
        return render(
            request,
            "identifiant/address.html",
            {"values": form, "errors": errors},
            status=refused.status if refused else 422,
        )
    # Post/redirect/get: step 2 is a page of its own, kept by reload and Back.
    return redirect_to(request, "/identifiant/verification?" + urlencode({"adresse": email}))


async def verify(request: Request) -> Response:
    s = sesame(request)
    if request.method == "GET":
        errors = forms.Errors()
        email = forms.academic_address(request.query_params.get("adresse", "")[:254], s.profile.mail_domain, errors)
        if errors:
            return redirect(request, "identifiant")
        return render(request, "identifiant/verify.html", {"values": {"email": email}})
    form = await read_form(request)
    errors = forms.Errors()
    email = forms.academic_address(form.get("email", ""), s.profile.mail_domain, errors)
    if errors:  # the hidden address was tampered with or lost: back to step 1
        return render(request, "identifiant/address.html", {"values": form, "errors": errors}, status=422)
    birth = forms.birth_date(form, errors, today=s.store.today())
    numen = forms.numen(form.get("numen", ""), errors)
    values = {k: form.get(k, "") for k in ("email", "jour", "mois", "annee")}
    refused = await anti_automation(request, form, errors)
    if errors or birth is None:  # birth_date gives None with an error
        return render(
            request,
            "identifiant/verify.html",
            {"values": values, "errors": errors},
            status=refused.status if refused else 422,
        )
    outcome = await run_in_threadpool(s.accounts.retrieve_identifiant, email, birth, numen, request.state.client)
    if not outcome.ok or outcome.account is None:
        # A disabled account reads like a wrong answer here (the password's journeys say it).
        wrong = f"{GENERIC_FAILURE} {namesake_sentence(email)}"
        message, status = refusal(outcome, s.profile, wrong) if outcome.throttled else (wrong, 422)
        errors.add("numen", message)
        context = {"values": values, "errors": errors, "namesake": status == 422}
        return render(request, "identifiant/verify.html", context, status=status)
    # The same proof as the identifiant-first path: the password may follow in the same
    # grant, without typing the NUMEN again. Post/redirect/get: reload keeps the page.
    s.grants.start(request.state.session, outcome.account, via="numen")
    return redirect(request, "identifiant_found")


async def found(request: Request) -> Response:
    account = sesame(request).grants.account(request.state.session, factor_done=False)
    if account is None:
        return redirect(request, "identifiant")
    return render(request, "identifiant/found.html", {"account": account})
