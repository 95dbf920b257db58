"""Journey 5a — M'auto dépanner with the adresse de secours: identifiant + birth
date → a code mailed to the backup address → the second factor if enrolled →
the new password (the NUMEN journey's last screens).

Uniform answers: known or unknown details get the same code screen, the same
session keys and the same wording; an unknown person's code is simply always
wrong. The session never holds the birth date or the code."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.services.codes import Check
from pwa.views import read_form, redirect, render, sesame
from pwa.views.shared import forms
from pwa.views.shared.forms import anti_automation, code_error
from pwa.views.shared.messages import CODE_MESSAGES, cap_message, countdown, throttled_message

SENT = "Si ces informations correspondent à un compte avec une adresse de secours, un code vient d'y être envoyé."
RESENT = (
    "Si ces informations correspondent à un compte avec une adresse de secours, "
    "un nouveau code vient d'y être envoyé. Seul le dernier code reçu est valable."
)


async def ask_identity(request: Request) -> Response:
    s = sesame(request)
    if request.method == "GET":
        return render(request, "password/backup_identity.html", {"values": {}})
    form = await read_form(request)
    values = {k: form.get(k, "") for k in ("identifiant", "jour", "mois", "annee")}
    errors = forms.Errors()
    login = forms.identifiant(form.get("identifiant", ""), errors)
    birth = forms.birth_date(form, errors, today=s.store.today())
    refused = await anti_automation(request, form, errors)
    if errors or birth is None:  # birth_date gives None with an error
        return render(
            request,
            "password/backup_identity.html",
            {"values": values, "errors": errors},
            status=refused.status if refused else 422,
        )
    answer = await run_in_threadpool(s.backup.request_reset, login, birth, request.state.client)
    if answer.throttled:
        errors.add("identifiant", cap_message(answer.verdict))
        return render(
            request,
            "password/backup_identity.html",
            {"values": values, "errors": errors},
            status=429,
        )
    s.grants.start_backup(request.state.session, answer.account_id, answer.subject, SENT)
    return redirect(request, "backup_reset_code")


def _page(request: Request, data: dict, errors: forms.Errors, flash: str | None = None, status: int = 200):
    context = {
        "errors": errors,
        "flash": flash,
        **countdown(sesame(request).store.now(), data["sent_at"], data["until"]),
    }
    return render(request, "password/backup_code.html", context, status=status)


async def enter_code(request: Request) -> Response:
    s = sesame(request)
    handle = request.state.session
    data = s.grants.backup(handle)
    if data is None:
        return redirect(request, "backup_reset")
    errors = forms.Errors()
    if request.method == "GET":
        return _page(request, data, errors, s.grants.take_backup_flash(handle))
    form = await read_form(request)
    typed = form.get("code", "")
    problem = code_error(typed)
    if problem:
        errors.add("code", problem)
        return _page(request, data, errors, status=422)
    if s.grants.backup_spent(handle):
        result = Check.VOID
    elif s.store.now() >= data["until"]:
        result = Check.EXPIRED
    else:
        attempt = await run_in_threadpool(
            s.backup.check_reset_code, data["account"], data["subject"], typed, request.state.client
        )
        if attempt.throttled:
            errors.add("code", throttled_message(attempt.verdict))
            return _page(request, data, errors, status=429)
        if attempt.ok:
            # The same grant as the NUMEN journey: its factor and password screens follow.
            code_id = await run_in_threadpool(s.backup.live_reset_code, data["account"])
            needs_factor = s.grants.backup_proven(handle, code_id)
            return redirect(request, "reset_factor" if needs_factor else "password_choose")
        result = Check(attempt.detail or "wrong")
    if result is not Check.EXPIRED:
        result = Check.VOID if s.grants.backup_failed(handle) else Check.WRONG
    errors.add("code", CODE_MESSAGES[result])
    return _page(request, data, errors, status=422)


async def resend(request: Request) -> Response:
    s = sesame(request)
    handle = request.state.session
    data = s.grants.backup(handle)
    if data is None:
        return redirect(request, "backup_reset")
    await read_form(request)
    errors = forms.Errors()
    wait = countdown(s.store.now(), data["sent_at"], data["until"])["resend_in"]
    if wait:
        errors.add("code", f"Attendez encore {wait} secondes avant de demander un nouveau code.")
        return _page(request, data, errors, status=429)
    verdict = await run_in_threadpool(s.backup.resend_reset, data["account"], data["subject"], request.state.client)
    if not verdict.allowed:
        errors.add("code", cap_message(verdict))
        return _page(request, data, errors, status=429)
    s.grants.backup_resent(handle, RESENT)
    return redirect(request, "backup_reset_code")
