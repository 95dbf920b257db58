"""Mon compte — adresse de secours: add, change or remove it (recent sign-in
required). A new address counts only once the code mailed to it is typed."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.directory import Account
from pwa.services.backup import AddressRefused, masked
from pwa.services.codes import Check
from pwa.views import flash, read_form, redirect, render, sesame, take_flash
from pwa.views.shared import forms
from pwa.views.shared.access import recent, signed_in
from pwa.views.shared.forms import code_error
from pwa.views.shared.messages import CODE_MESSAGES, countdown

TOO_MANY = (
    "Vous avez demandé 5 codes aujourd'hui : c'est le maximum. Réessayez demain. "
    "Vérifiez aussi le dossier des courriels indésirables."
)


@signed_in
@recent
async def address(request: Request, account: Account) -> Response:
    s = sesame(request)
    context: dict[str, Any] = {
        "account": account,
        "pending": s.backup.pending(account),
        "values": {},
        "errors": forms.Errors(),
    }
    if request.method == "GET":
        suggested = account.personal_email
        if suggested and suggested.lower() != (account.backup_email or "").lower():
            # The staff file gave this personal address: offered, counted only once confirmed.
            context["values"] = {"adresse": suggested}
            context["suggested"] = True
        return render(request, "account/backup.html", context)
    form = await read_form(request)
    errors = forms.Errors()
    try:
        new = s.backup.normalise_address(form.get("adresse", ""), account)
    except AddressRefused as refused:
        errors.add("adresse", str(refused))
        return render(
            request,
            "account/backup.html",
            {**context, "values": form, "errors": errors},
            status=422,
        )
    if new == (account.backup_email or "").lower():
        errors.add("adresse", "C'est déjà votre adresse de secours.")
        return render(
            request,
            "account/backup.html",
            {**context, "values": form, "errors": errors},
            status=422,
        )
    sent = await run_in_threadpool(s.backup.send_verify_code, account, new, request.state.client)
    if not sent:
        errors.add("adresse", TOO_MANY)
        return render(
            request,
            "account/backup.html",
            {**context, "values": form, "errors": errors},
            status=429,
        )
    return redirect(request, "backup_address_code")


def _code_context(request: Request, account: Account, latest: dict) -> dict:
    return {
        "account": account,
        "target": masked(latest["target"]),
        **countdown(sesame(request).store.now(), latest["created_at"], latest["expires_at"]),
    }


@signed_in
@recent
async def code(request: Request, account: Account) -> Response:
    s = sesame(request)
    latest = s.codes.latest(account.id, "backup_verify")
    if latest is None or latest["used_at"]:
        return redirect(request, "backup_address")
    context = {**_code_context(request, account, latest), "flash": take_flash(request), "errors": forms.Errors()}
    if request.method == "GET":
        return render(request, "account/backup_code.html", context)
    form = await read_form(request)
    typed = form.get("code", "")
    errors = forms.Errors()
    problem = code_error(typed)
    if problem:
        errors.add("code", problem)
        return render(request, "account/backup_code.html", {**context, "errors": errors}, status=422)
    result = await run_in_threadpool(s.backup.confirm, account, typed, request.state.client)
    if result is not Check.OK:
        errors.add("code", CODE_MESSAGES[result])
        return render(request, "account/backup_code.html", {**context, "errors": errors}, status=422)
    flash(request, f"Votre adresse de secours est enregistrée : {masked(latest['target'])}.")
    return redirect(request, "account")


@signed_in
@recent
async def resend(request: Request, account: Account) -> Response:
    s = sesame(request)
    await read_form(request)
    latest = s.codes.latest(account.id, "backup_verify")
    if latest is None or latest["used_at"]:
        return redirect(request, "backup_address")
    context = {**_code_context(request, account, latest), "errors": forms.Errors()}
    wait = context["resend_in"]
    if wait:
        context["errors"].add("code", f"Attendez encore {wait} secondes avant de demander un nouveau code.")
        return render(request, "account/backup_code.html", context, status=429)
    sent = await run_in_threadpool(s.backup.send_verify_code, account, latest["target"], request.state.client)
    if not sent:
        context["errors"].add("code", TOO_MANY)
        return render(request, "account/backup_code.html", context, status=429)
    flash(request, "Un nouveau code vient d'être envoyé. Seul le dernier code reçu est valable.")
    return redirect(request, "backup_address_code")


@signed_in
@recent
async def remove(request: Request, account: Account) -> Response:
    s = sesame(request)
    await read_form(request)
    if account.backup_email:
        await run_in_threadpool(s.backup.remove, account, request.state.client)
        flash(
            request,
            "Votre adresse de secours est supprimée. Un courriel de confirmation vous a été envoyé.",
        )
    return redirect(request, "account")
