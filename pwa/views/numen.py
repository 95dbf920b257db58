"""First connection / forgotten password with the NUMEN letter alone:
birth date + NUMEN → (identifiant and address shown) new password → done.

No identifiant or address is asked: the NUMEN is unique, so namesakes are no
problem. On success the session gets the same short grant as the
identifiant-first path (pwa.services.grants), marked to show the identifiant and
address above the new password; the NUMEN and birth date are never kept."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.views import read_form, redirect, render, sesame
from pwa.views.shared import forms
from pwa.views.shared.forms import anti_automation
from pwa.views.shared.messages import refusal

TEMPLATE = "password/numen.html"
GENERIC_FAILURE = (
    "Ces informations ne correspondent pas. Vérifiez la date de naissance et le NUMEN "
    "(0 zéro et O lettre se ressemblent), puis réessayez."
)


async def identify(request: Request) -> Response:
    if request.method == "GET":
        return render(request, TEMPLATE, {"values": {}})
    s = sesame(request)
    form = await read_form(request)
    errors = forms.Errors()
    birth = forms.birth_date(form, errors, today=s.store.today())
    numen = forms.numen(form.get("numen", ""), errors)
    values = {k: form.get(k, "") for k in ("jour", "mois", "annee")}
    refused = await anti_automation(request, form, errors)
    if errors or birth is None:  # birth_date gives None with an error
        status = refused.status if refused else 422
        return render(request, TEMPLATE, {"values": values, "errors": errors}, status=status)
    outcome = await run_in_threadpool(s.accounts.identify_by_numen, birth, numen, request.state.client)
    if not outcome.ok or outcome.account is None:
        message, status = refusal(outcome, s.profile, GENERIC_FAILURE)
        errors.add("numen", message)
        return render(request, TEMPLATE, {"values": values, "errors": errors}, status=status)
    needs_factor = s.grants.start(request.state.session, outcome.account, via="numen", show_identity=True)
    return redirect(request, "reset_factor" if needs_factor else "password_choose")
