"""Journey 2 — Choisir / réinitialiser mon mot de passe avec mon NUMEN:
identifiant → birth date + NUMEN → new password (live checklist) → done.

Between the identity check and the new password, the session holds only a
short-lived grant (pwa.services.grants), never the NUMEN or the birth date."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pwa.directory import Account, PasswordRefused
from pwa.services.accounts import CodeUnusable
from pwa.services.grants import RESET_EVENTS
from pwa.services.namesakes import namesake_sentence
from pwa.views import read_form, redirect, redirect_to, render, sesame
from pwa.views.shared import forms
from pwa.views.shared.forms import anti_automation
from pwa.views.shared.messages import refusal

GENERIC_FAILURE = (
    "Ces informations ne correspondent pas. Vérifiez l'identifiant, la date de naissance et le NUMEN, puis réessayez."
)


async def ask_identifiant(request: Request) -> Response:
    values = {"identifiant": request.query_params.get("identifiant", "")[:64]}
    if request.method == "GET":
        return render(request, "password/identifiant.html", {"values": values})
    form = await read_form(request)
    errors = forms.Errors()
    identifiant = forms.identifiant(form.get("identifiant", ""), errors)
    refused = await anti_automation(request, form, errors)
    if errors:
        return render(
            request,
            "password/identifiant.html",
            {"values": form, "errors": errors},
            status=refused.status if refused else 422,
        )
    # Post/redirect/get: step 2 is a page of its own, kept by reload and Back.
    return redirect_to(request, "/mot-de-passe/verification?" + urlencode({"identifiant": identifiant}))


async def verify(request: Request) -> Response:
    s = sesame(request)
    if request.method == "GET":
        errors = forms.Errors()
        identifiant = forms.identifiant(request.query_params.get("identifiant", "")[:254], errors)
        if errors:
            return redirect(request, "password")
        return render(request, "password/verify.html", {"values": {"identifiant": identifiant}})
    form = await read_form(request)
    errors = forms.Errors()
    identifiant = forms.identifiant(form.get("identifiant", ""), errors)
    if errors:
        return render(request, "password/identifiant.html", {"values": form, "errors": errors}, status=422)
    birth = forms.birth_date(form, errors)
    numen = forms.numen(form.get("numen", ""), errors)
    values = {k: form.get(k, "") for k in ("identifiant", "jour", "mois", "annee")}
    refused = await anti_automation(request, form, errors)
    if errors or birth is None:  # birth_date gives None with an error
        return render(
            request,
            "password/verify.html",
            {"values": values, "errors": errors},
            status=refused.status if refused else 422,
        )
    outcome = await run_in_threadpool(s.accounts.verify_numen, identifiant, birth, numen, request.state.client)
    if not outcome.ok or outcome.account is None:
        message, status = refusal(outcome, s.profile, f"{GENERIC_FAILURE} {namesake_sentence(identifiant)}")
        errors.add("numen", message)
        context = {"values": values, "errors": errors, "namesake": status == 422}
        return render(request, "password/verify.html", context, status=status)
    needs_factor = s.grants.start(request.state.session, outcome.account, via="numen")
    return redirect(request, "reset_factor" if needs_factor else "password_choose")


def _expired(request: Request) -> Response:
    errors = forms.Errors()
    errors.add(
        "identifiant", "Le délai pour choisir votre mot de passe est dépassé. Recommencez, cela ne prend qu'une minute."
    )
    return render(request, "password/identifiant.html", {"values": {}, "errors": errors}, status=410)


async def choose(request: Request) -> Response:
    s = sesame(request)
    handle = request.state.session
    account = s.grants.account(handle)
    if account is None:
        if s.grants.account(handle, factor_done=False) is not None:
            return redirect(request, "reset_factor")
        if request.method == "POST" and s.grants.done_account(handle) is not None:
            return redirect(request, "password_done")  # a double tap: the first one did it
        return _expired(request)
    via = s.grants.via(handle)
    context: dict[str, Any] = {
        "account": account,
        "result": None,
        "errors": forms.Errors(),
        "via": via,
        "offer_factor_reset": s.grants.by_hr(handle) and s.authenticators.has_factor(account.id),
        "show_identity": s.grants.shows_identity(handle),
    }
    if request.method == "GET":
        return render(request, "password/choose.html", context)
    form = await read_form(request)
    password, confirm = form.get("password", ""), form.get("confirmation", "")
    result = await run_in_threadpool(s.accounts.check_password, account, password)
    errors = forms.new_password_errors(password, confirm, result)
    if errors:
        context.update(result=result, errors=errors, reset_factors=bool(form.get("reset_factors")))
        return render(request, "password/choose.html", context, status=422)
    session = handle.get()
    keep = session.id_hash if session and session.authenticated else None
    try:
        # The code, the hash, the sessions, the audit event and the notice: one transaction.
        await run_in_threadpool(
            s.accounts.set_password,
            account,
            password,
            event=RESET_EVENTS.get(via, "password.set"),
            client=request.state.client,
            keep_session=keep,
            code_id=s.grants.code_id(handle),
            proven_by_hr=s.grants.by_hr(handle),
            reset_factors=bool(context["offer_factor_reset"] and form.get("reset_factors")),
        )
    except PasswordRefused as refusal:  # the directory's own policy (LDAP): nothing was used up
        errors.add("password", refusal.message)
        context.update(result=result, errors=errors, reset_factors=bool(form.get("reset_factors")))
        return render(request, "password/choose.html", context, status=422)
    except CodeUnusable:
        # Used meanwhile (another session), replaced by a newer letter, or expired.
        s.grants.drop(handle)
        errors = forms.Errors()
        if via == "backup":  # the mailed code: ask for a new one
            errors.add(
                "identifiant",
                "Ce code a déjà servi, ou il n'est plus valable. Votre mot de passe n'a pas"
                " été changé. Demandez un nouveau code.",
            )
            values = {"identifiant": account.identifiant}
            return render(request, "password/backup_identity.html", {"values": values, "errors": errors}, status=410)
        errors.add("code", "Ce code a déjà servi, ou il n'est plus valable. Votre mot de passe n'a pas été changé.")
        return render(
            request,
            "activation/code.html",
            {"values": {"identifiant": account.identifiant}, "errors": errors},
            status=410,
        )
    s.grants.finish(handle, account.id)
    return redirect(request, "password_done")


async def done(request: Request) -> Response:
    account = sesame(request).grants.done_account(request.state.session)
    if account is None:
        return redirect(request, "login")
    return render(request, "password/done.html", {"account": account})


async def live_check(request: Request) -> Response:
    """htmx: the checklist for what was typed so far, with the checks that
    need the server (common passwords, personal data, strength)."""
    s = sesame(request)
    form = await read_form(request)
    password = form.get("password", "")
    account = s.grants.account(request.state.session) or _signed_in_account(request)
    if account is not None:
        result = await run_in_threadpool(s.accounts.check_password, account, password)
    else:
        result = await run_in_threadpool(s.policy.check, password, None)
    return render(request, "_password_checklist.html", {"result": result, "input_id": form.get("input_id", "password")})


def _signed_in_account(request: Request) -> Account | None:
    session = request.state.session.get()
    if session is None or not session.authenticated:
        return None
    return sesame(request).directory.get(session.account_id)


async def rules_json(request: Request) -> Response:
    return JSONResponse(sesame(request).policy.to_json(), headers={"Cache-Control": "public, max-age=300"})
