"""First connection / forgotten password with the NUMEN letter alone:
birth date + NUMEN → (identifiant and address shown) new password → done.

No identifiant or address is asked: the NUMEN is unique, so namesakes are no
problem. On success the session gets the same short grant as the
identifiant-first path (`grant_reset`), marked to show the identifiant and
address above the new password; the NUMEN and birth date are never kept."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.views import forms, read_form, redirect, render, sesame
from pwa.views.antibot import anti_automation
from pwa.views.errors import disabled_message, throttled_message
from pwa.views.password import grant_reset

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
    birth = forms.birth_date(form, errors)
    numen = forms.numen(form.get("numen", ""), errors)
    values = {k: form.get(k, "") for k in ("jour", "mois", "annee")}
    refused = await anti_automation(request, form, errors)
    if errors:
        status = refused.status if refused else 422
        return render(request, TEMPLATE, {"values": values, "errors": errors}, status=status)
    outcome = await run_in_threadpool(s.accounts.identify_by_numen, birth, numen, request.state.client)
    if outcome.throttled:
        errors.add("numen", throttled_message(outcome.verdict))
        return render(request, TEMPLATE, {"values": values, "errors": errors}, status=429)
    if outcome.disabled:
        errors.add("numen", disabled_message(s.profile))
        return render(request, TEMPLATE, {"values": values, "errors": errors}, status=403)
    if not outcome.ok or outcome.account is None:
        errors.add("numen", GENERIC_FAILURE)
        return render(request, TEMPLATE, {"values": values, "errors": errors}, status=422)
    needs_factor = grant_reset(request, outcome.account, via="numen", show_identity=True)
    return redirect(request, "reset_factor" if needs_factor else "password_choose")
