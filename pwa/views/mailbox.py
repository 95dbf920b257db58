"""Mon compte — the real mailbox: "Tester ma connexion" (an IMAP login as the user) and
the "Message d'absence" (a Sieve script uploaded over ManageSieve as the user).

Both ask for the password for that one action: it is checked (and throttled) like any
password, used for one connection in a thread, and never stored. The out-of-office
state lives on the mail server; the session keeps only a non-secret summary of what
the server said last (on/off, dates, subject) to show on later visits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.directory import Account
from pwa.services import absence as rules
from pwa.services.mailbox import Diagnosis, MailError
from pwa.views import read_form, redirect, render, sesame, take_flash
from pwa.views.shared import forms
from pwa.views.shared.access import signed_in
from pwa.views.shared.messages import throttled_message

WRONG_PASSWORD = "Ce n'est pas votre mot de passe. C'est celui que vous avez choisi dans Sésame."
NO_PASSWORD = "Tapez votre mot de passe : Sésame l'utilise pour cette seule connexion, sans le garder."


def today(request: Request) -> dt.date:
    return sesame(request).store.today()


async def _confirm(
    request: Request, account: Account, password: str, errors: forms.Errors, name: str
) -> tuple[bool, int]:
    """Check the password typed for the action; on failure the error is added to `errors`
    and the HTTP status returned."""
    if not password:
        errors.add(name, NO_PASSWORD)
        return False, 422
    s = sesame(request)
    outcome = await run_in_threadpool(s.accounts.confirm_password, account, password, request.state.client)
    if outcome.throttled:
        errors.add(name, throttled_message(outcome.verdict))
        return False, 429
    if not outcome.ok:
        errors.add(name, WRONG_PASSWORD)
        return False, 422
    return True, 200


# -- Tester ma connexion ------------------------------------------------------------------


@signed_in
async def test_connection(request: Request, account: Account) -> Response:
    s = sesame(request)
    context: dict[str, Any] = {
        "account": account,
        "errors": forms.Errors(),
        "diagnosis": None,
        "server": s.mail.imap,
        "app_passwords_required": s.app_passwords.required_for(account),
    }
    if request.method == "GET":
        return render(request, "account/mailbox_test.html", context)
    form = await read_form(request)
    errors = context["errors"]
    ok, status = await _confirm(request, account, form.get("password", ""), errors, "password")
    if not ok:
        if status == 422 and form.get("password"):
            s.audit.record(
                "mailbox.tested",
                account_id=account.id,
                client=request.state.client,
                outcome="wrong_password",
            )
        return render(request, "account/mailbox_test.html", context, status=status)
    diagnosis: Diagnosis = await run_in_threadpool(s.mail.imap_check, account.identifiant, form["password"])
    s.audit.record("mailbox.tested", account_id=account.id, client=request.state.client, outcome=diagnosis.kind)
    return render(request, "account/mailbox_test.html", {**context, "diagnosis": diagnosis})


# -- Message d'absence ---------------------------------------------------------------------


def _remembered(request: Request) -> dict | None:
    return request.state.session.get().data.get("absence")


def _remember(request: Request, status: rules.Status) -> None:
    session = request.state.session.get()
    session.data["absence"] = {**status.to_session(), "checked_at": sesame(request).store.now()}
    request.state.session.save()


def _page(request: Request, account: Account, **extra) -> dict:
    values = extra.pop("values", None) or {
        "debut": today(request).isoformat(),
        "frequence": str(rules.DEFAULT_DAYS),
    }
    remembered = _remembered(request)
    return {
        "account": account,
        "errors": forms.Errors(),
        "status_errors": forms.Errors(),
        "values": values,
        "preview": None,
        "remembered": remembered,
        "state": _state(remembered, today(request)),
        "today": today(request),
        "latest": today(request) + dt.timedelta(days=rules.MAX_AHEAD_DAYS - 1),
        "days_range": rules.DAYS_RANGE,
        "max_text": rules.MAX_TEXT,
        "max_subject": rules.MAX_SUBJECT,
        "domain": sesame(request).profile.mail_domain,
        **extra,
    }


def _state(remembered: dict | None, today: dt.date) -> dict | None:
    """What to say about the message, from the server's last answer in this session."""
    if not remembered:
        return None
    start = dt.date.fromisoformat(remembered["start"]) if remembered.get("start") else None
    end = dt.date.fromisoformat(remembered["end"]) if remembered.get("end") else None
    if not remembered["on"]:
        phase = "off"
    elif start is None or end is None:
        phase = "unknown"
    elif end < today:
        phase = "over"
    elif start > today:
        phase = "planned"
    else:
        phase = "running"
    return {
        "phase": phase,
        "start": rules.fr_date(start) if start else "",
        "end": rules.fr_date(end) if end else "",
        "subject": remembered.get("subject") or "",
        "checked_at": remembered.get("checked_at"),
    }


def _mail_problem(error: MailError) -> str:
    return MAIL_PROBLEMS.get(error.kind, MAIL_PROBLEMS["error"])


MAIL_PROBLEMS = {
    "refused": (
        "Votre mot de passe est bon, mais le serveur de messagerie le refuse. Si vous venez de le "
        "changer, attendez quelques minutes et réessayez. Sinon, appelez l'assistance."
    ),
    "unreachable": "Sésame n'arrive pas à joindre le serveur de messagerie. Réessayez plus tard.",
    "timeout": "Le serveur de messagerie ne répond pas. Réessayez dans quelques minutes.",
    "tls": (
        "La connexion sécurisée au serveur de messagerie a échoué. Cela ne vient pas de vous : prévenez l'assistance."
    ),
    "error": ("Le serveur de messagerie a refusé l'opération. Réessayez plus tard, ou appelez l'assistance."),
}


@signed_in
async def absence(request: Request, account: Account) -> Response:
    s = sesame(request)
    if request.method == "GET":
        return render(request, "account/absence.html", _page(request, account, flash=take_flash(request)))
    form = await read_form(
        request,
        long_fields={"message": 2 * rules.MAX_TEXT, "message_exterieur": 2 * rules.MAX_TEXT},
    )
    values = {k: form.get(k, "") for k in rules.FIELDS}
    found, problems = rules.read_form(form, today(request))
    errors = forms.Errors(dict(problems))
    preview = found if form.get("action") == "preview" else None
    if errors or preview or found is None:  # found is None only with errors
        page = _page(request, account, values=values, errors=errors, preview=preview)
        return render(request, "account/absence.html", page, status=422 if errors else 200)
    ok, status = await _confirm(request, account, form.get("password", ""), errors, "password")
    if not ok:
        return render(
            request,
            "account/absence.html",
            _page(request, account, values=values, errors=errors),
            status=status,
        )
    try:
        result = await run_in_threadpool(s.absence.enable, account, form["password"], found)
    except MailError as error:
        errors.add("password", _mail_problem(error))
        return render(
            request,
            "account/absence.html",
            _page(request, account, values=values, errors=errors),
            status=422,
        )
    _remember(request, result)
    s.audit.record(
        "absence.enabled",
        account_id=account.id,
        client=request.state.client,
        start=found.start.isoformat(),
        end=found.end.isoformat(),
    )
    session = request.state.session.get()
    session.data["flash"] = "Votre message d'absence est enregistré sur le serveur de messagerie" + (
        f", du {rules.fr_date(found.start)} au {rules.fr_date(found.end)}." if result.on else "."
    )
    request.state.session.save()
    return redirect(request, "absence")


@signed_in
async def absence_status(request: Request, account: Account) -> Response:
    """Read the state back from the server, or switch the message off."""
    s = sesame(request)
    form = await read_form(request)
    status_errors = forms.Errors()
    ok, code = await _confirm(request, account, form.get("status_password", ""), status_errors, "status_password")
    if not ok:
        return render(
            request,
            "account/absence.html",
            _page(request, account, status_errors=status_errors),
            status=code,
        )
    stop = form.get("action") == "stop"
    try:
        work = s.absence.disable if stop else s.absence.status
        result = await run_in_threadpool(work, account, form["status_password"])
    except MailError as error:
        status_errors.add("status_password", _mail_problem(error))
        return render(
            request,
            "account/absence.html",
            _page(request, account, status_errors=status_errors),
            status=422,
        )
    _remember(request, result)
    if stop:
        s.audit.record("absence.disabled", account_id=account.id, client=request.state.client)
        session = request.state.session.get()
        session.data["flash"] = "Votre message d'absence est arrêté." + (
            f" Vos règles habituelles (« {result.other} ») sont de nouveau actives." if result.other else ""
        )
        request.state.session.save()
        return redirect(request, "absence")
    values = rules.form_values(result.absence) if result.on and result.absence else None
    return render(request, "account/absence.html", _page(request, account, values=values, checked=True))
