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

from pwa.security.throttle import Verdict
from pwa.services.backup import CODE_SECONDS, MAX_ATTEMPTS
from pwa.services.codes import Check
from pwa.views import forms, read_form, redirect, render, sesame
from pwa.views.antibot import anti_automation
from pwa.views.backup import CODE_MESSAGES, code_error, countdown
from pwa.views.errors import throttled_message
from pwa.views.password import GRANT_SECONDS

KEYS = (
    "backup_account",
    "backup_subject",
    "backup_sent_at",
    "backup_until",
    "backup_attempts",
    "backup_flash",
)
SENT = "Si ces informations correspondent à un compte avec une adresse de secours, un code vient d'y être envoyé."
RESENT = (
    "Si ces informations correspondent à un compte avec une adresse de secours, "
    "un nouveau code vient d'y être envoyé. Seul le dernier code reçu est valable."
)


def refusal(verdict: Verdict) -> str:
    if verdict.reason == "codes":
        return (
            "Trop de codes ont été demandés aujourd'hui pour ce compte. Réessayez demain, "
            "ou appelez l'assistance."
        )
    if verdict.reason == "client":
        return (
            f"Trop de demandes depuis cette connexion. Réessayez dans {verdict.minutes} "
            f"minute{'s' if verdict.minutes > 1 else ''}."
        )
    return throttled_message(verdict)


def _state(request: Request) -> dict | None:
    session = request.state.session.get()
    if session is None or "backup_subject" not in session.data:
        return None
    return session.data


def _remember(request: Request, data: dict) -> None:
    handle = request.state.session
    current = handle.get()
    if current is not None and current.authenticated:
        current.data.update(data)
        handle.save()
    else:
        handle.start(account_id=None, level="anonymous", data=data)


async def ask_identity(request: Request) -> Response:
    s = sesame(request)
    if request.method == "GET":
        return render(request, "password/backup_identity.html", {"values": {}})
    form = await read_form(request)
    values = {k: form.get(k, "") for k in ("identifiant", "jour", "mois", "annee")}
    errors = forms.Errors()
    login = forms.identifiant(form.get("identifiant", ""), errors)
    birth = forms.birth_date(form, errors)
    refused = await anti_automation(request, form, errors)
    if errors:
        return render(
            request,
            "password/backup_identity.html",
            {"values": values, "errors": errors},
            status=refused.status if refused else 422,
        )
    answer = await run_in_threadpool(s.backup.request_reset, login, birth, request.state.client)
    if answer.throttled:
        errors.add("identifiant", refusal(answer.verdict))
        return render(
            request,
            "password/backup_identity.html",
            {"values": values, "errors": errors},
            status=429,
        )
    now = s.store.now()
    _remember(
        request,
        {
            "backup_account": answer.account_id,
            "backup_subject": answer.subject,
            "backup_sent_at": now,
            "backup_until": now + CODE_SECONDS,
            "backup_attempts": 0,
            "backup_flash": SENT,
        },
    )
    return redirect(request, "backup_reset_code")


def _page(
    request: Request, data: dict, errors: forms.Errors, flash: str | None = None, status: int = 200
):
    context = {
        "errors": errors,
        "flash": flash,
        **countdown(request, data["backup_sent_at"], data["backup_until"]),
    }
    return render(request, "password/backup_code.html", context, status=status)


async def enter_code(request: Request) -> Response:
    s = sesame(request)
    data = _state(request)
    if data is None:
        return redirect(request, "backup_reset")
    errors = forms.Errors()
    if request.method == "GET":
        flash = data.pop("backup_flash", None)
        if flash:
            request.state.session.save()
        return _page(request, data, errors, flash)
    form = await read_form(request)
    typed = form.get("code", "")
    problem = code_error(typed)
    if problem:
        errors.add("code", problem)
        return _page(request, data, errors, status=422)
    if data["backup_attempts"] >= MAX_ATTEMPTS:
        result: Check | Verdict = Check.VOID
    elif s.store.now() >= data["backup_until"]:
        result = Check.EXPIRED
    else:
        result = await run_in_threadpool(
            s.backup.check_reset_code,
            data["backup_account"],
            data["backup_subject"],
            typed,
            request.state.client,
        )
    if isinstance(result, Verdict):
        errors.add("code", throttled_message(result))
        return _page(request, data, errors, status=429)
    if result is Check.OK:
        return _grant(request, data)
    if result is not Check.EXPIRED:
        # Counted in the session for everyone, so the fifth wrong code voids the
        # code on the same try whether or not a code exists.
        data["backup_attempts"] += 1
        request.state.session.save()
        result = Check.VOID if data["backup_attempts"] >= MAX_ATTEMPTS else Check.WRONG
    errors.add("code", CODE_MESSAGES[result])
    return _page(request, data, errors, status=422)


def _grant(request: Request, data: dict) -> Response:
    """The same grant as the NUMEN journey: its factor and password screens follow."""
    s = sesame(request)
    account_id = data["backup_account"]
    needs_factor = s.authenticators.has_factor(account_id)
    for key in KEYS:
        data.pop(key, None)
    data.update(
        {
            "reset_account": account_id,
            "reset_until": s.store.now() + GRANT_SECONDS,
            "reset_needs_factor": needs_factor,
            "reset_factor_done": False,
            "reset_via": "backup",
        }
    )
    request.state.session.save()
    return redirect(request, "reset_factor" if needs_factor else "password_choose")


async def resend(request: Request) -> Response:
    s = sesame(request)
    data = _state(request)
    if data is None:
        return redirect(request, "backup_reset")
    await read_form(request)
    errors = forms.Errors()
    wait = countdown(request, data["backup_sent_at"], data["backup_until"])["resend_in"]
    if wait:
        errors.add("code", f"Attendez encore {wait} secondes avant de demander un nouveau code.")
        return _page(request, data, errors, status=429)
    verdict = await run_in_threadpool(
        s.backup.resend_reset, data["backup_account"], data["backup_subject"], request.state.client
    )
    if not verdict.allowed:
        errors.add("code", refusal(verdict))
        return _page(request, data, errors, status=429)
    now = s.store.now()
    data.update(
        {
            "backup_sent_at": now,
            "backup_until": now + CODE_SECONDS,
            "backup_attempts": 0,
            "backup_flash": RESENT,
        }
    )
    request.state.session.save()
    return redirect(request, "backup_reset_code")
