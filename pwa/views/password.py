"""Journey 2 — Choisir / réinitialiser mon mot de passe avec mon NUMEN:
identifiant → birth date + NUMEN → new password (live checklist) → done.

Between the identity check and the new password, the session holds only a
short-lived grant (account id + expiry), never the NUMEN or the birth date."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pwa.directory import Account
from pwa.services.accounts import CodeUnusable
from pwa.services.namesakes import namesake_sentence
from pwa.views import forms, read_form, redirect, redirect_to, render, sesame
from pwa.views.antibot import anti_automation
from pwa.views.errors import disabled_message, throttled_message

GRANT_SECONDS = 15 * 60
GENERIC_FAILURE = (
    "Ces informations ne correspondent pas. Vérifiez l'identifiant, la date de naissance "
    "et le NUMEN, puis réessayez."
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
            request, "password/identifiant.html", {"values": form, "errors": errors},
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
    if errors:
        return render(
            request, "password/verify.html", {"values": values, "errors": errors},
            status=refused.status if refused else 422,
        )
    outcome = await run_in_threadpool(
        s.accounts.verify_numen, identifiant, birth, numen, request.state.client
    )
    if outcome.throttled:
        errors.add("numen", throttled_message(outcome.verdict))
        return render(request, "password/verify.html", {"values": values, "errors": errors}, status=429)
    if outcome.disabled:
        errors.add("numen", disabled_message(s.profile))
        return render(request, "password/verify.html", {"values": values, "errors": errors}, status=403)
    if not outcome.ok or outcome.account is None:
        errors.add("numen", f"{GENERIC_FAILURE} {namesake_sentence(identifiant)}")
        context = {"values": values, "errors": errors, "namesake": True}
        return render(request, "password/verify.html", context, status=422)
    needs_factor = grant_reset(request, outcome.account, via="numen")
    return redirect(request, "reset_factor" if needs_factor else "password_choose")


# How the identity was proven → the audit event of the new password. Letter and
# help-desk codes (identity checked by HR) skip the second factor and may reset it.
RESET_EVENTS = {
    "numen": "password.set",
    "letter": "password.set_letter",
    "helpdesk": "password.set_helpdesk",
    "backup": "password.reset_backup",
}
GRANT_KEYS = (
    "reset_account", "reset_until", "reset_needs_factor", "reset_factor_done", "reset_via", "reset_code",
    "reset_identity",
)


def grant_reset(
    request: Request, account: Account, *, via: str, code_id: int | None = None, show_identity: bool = False
) -> bool:
    """Let this session choose the account's password for a short while.
    `show_identity`: the person did not type their identifiant (NUMEN + birth date
    alone), so the password page shows it with the address.
    Returns whether the second factor must be given first."""
    s = sesame(request)
    handle = request.state.session
    current = handle.get()
    needs_factor = via not in ("letter", "helpdesk") and s.authenticators.has_factor(account.id)
    data = {
        "reset_account": account.id,
        "reset_until": s.store.now() + GRANT_SECONDS,
        "reset_needs_factor": needs_factor,
        "reset_factor_done": False,
        "reset_via": via,
        "reset_code": code_id,  # letter and help-desk codes: used up with the new password
        "reset_identity": show_identity,
    }
    if current is not None and current.authenticated:
        current.data.update(data)
        handle.save()
    else:
        handle.start(account_id=None, level="anonymous", data=data)
    return needs_factor


def granted_account(request: Request, *, factor_done: bool = True) -> Account | None:
    """The account whose identity was just proven (and, when it has a second
    factor and `factor_done` is asked, whose factor was given too)."""
    s = sesame(request)
    session = request.state.session.get()
    if session is None:
        return None
    account_id = session.data.get("reset_account")
    if not account_id or session.data.get("reset_until", 0) < s.store.now():
        return None
    if factor_done and session.data.get("reset_needs_factor") and not session.data.get("reset_factor_done"):
        return None
    return s.directory.get(int(account_id))



def _expired(request: Request) -> Response:
    errors = forms.Errors()
    errors.add("identifiant", "Le délai pour choisir votre mot de passe est dépassé. Recommencez, cela ne prend qu'une minute.")
    return render(request, "password/identifiant.html", {"values": {}, "errors": errors}, status=410)


async def choose(request: Request) -> Response:
    s = sesame(request)
    account = granted_account(request)
    if account is None:
        if granted_account(request, factor_done=False) is not None:
            return redirect(request, "reset_factor")
        session = request.state.session.get()
        if request.method == "POST" and session is not None and session.data.get("done_account"):
            return redirect(request, "password_done")  # a double tap: the first one did it
        return _expired(request)
    handle = request.state.session
    via = handle.get().data.get("reset_via", "numen")
    by_code = via in ("letter", "helpdesk")
    context = {
        "account": account,
        "result": None,
        "errors": forms.Errors(),
        "via": via,
        "offer_factor_reset": by_code and s.authenticators.has_factor(account.id),
        "show_identity": bool(handle.get().data.get("reset_identity")),
    }
    if request.method == "GET":
        return render(request, "password/choose.html", context)
    form = await read_form(request)
    password, confirm = form.get("password", ""), form.get("confirmation", "")
    result = await run_in_threadpool(s.accounts.check_password, account, password)
    errors = new_password_errors(password, confirm, result)
    if errors:
        context.update(result=result, errors=errors, reset_factors=bool(form.get("reset_factors")))
        return render(request, "password/choose.html", context, status=422)
    keep = handle.get().id_hash if handle.get() and handle.get().authenticated else None
    client = request.state.client
    code_id = (handle.get().data.get("reset_code") or 0) if by_code else None
    try:
        # The code, the hash, the sessions, the audit event and the notice: one transaction.
        await run_in_threadpool(
            s.accounts.set_password, account, password, event=RESET_EVENTS.get(via, "password.set"),
            client=client, keep_session=keep, code_id=code_id,
            reset_factors=bool(context["offer_factor_reset"] and form.get("reset_factors")),
        )
    except CodeUnusable:
        # Used meanwhile (another session), replaced by a newer letter, or expired.
        for key in GRANT_KEYS:
            handle.get().data.pop(key, None)
        handle.save()
        errors = forms.Errors()
        errors.add("code", "Ce code a déjà servi, ou il n'est plus valable. Votre mot de passe n'a pas été changé.")
        return render(request, "activation/code.html", {"values": {"identifiant": account.identifiant}, "errors": errors}, status=410)
    session = handle.get()
    if session is not None:
        for key in GRANT_KEYS:
            session.data.pop(key, None)
        session.data["done_account"] = account.id
        handle.save()
    return redirect(request, "password_done")


# Without JavaScript (the page's script checks the match before sending, keeping the
# first field): passwords are never written back into a page, so say both are empty.
MISMATCH = (
    "Les deux mots de passe ne sont pas identiques. Par sécurité, les champs ont été vidés : "
    "tapez votre mot de passe dans « Nouveau mot de passe », puis de nouveau dans "
    "« Confirmez le mot de passe »."
)


def new_password_errors(password: str, confirm: str, result) -> forms.Errors:
    errors = forms.Errors()
    if not password:
        errors.add("password", "Choisissez un mot de passe.")
    elif not result.ok:
        errors.add("password", "Ce mot de passe ne respecte pas toutes les règles : voyez la liste sous le champ.")
    if password and not confirm:
        errors.add("confirmation", "Saisissez une deuxième fois le mot de passe.")
    elif password != confirm:
        errors.add("confirmation", MISMATCH)
    return errors


async def done(request: Request) -> Response:
    s = sesame(request)
    session = request.state.session.get()
    account_id = session.data.get("done_account") if session else None
    account = s.directory.get(int(account_id)) if account_id else None
    if account is None:
        return redirect(request, "login")
    return render(request, "password/done.html", {"account": account})


async def live_check(request: Request) -> Response:
    """htmx: the checklist for what was typed so far, with the checks that
    need the server (common passwords, personal data, strength)."""
    s = sesame(request)
    form = await read_form(request)
    password = form.get("password", "")
    account = granted_account(request) or _signed_in_account(request)
    if account is not None:
        result = await run_in_threadpool(s.accounts.check_password, account, password)
    else:
        result = await run_in_threadpool(s.policy.check, password, None)
    return render(
        request, "_password_checklist.html", {"result": result, "input_id": form.get("input_id", "password")}
    )


def _signed_in_account(request: Request) -> Account | None:
    session = request.state.session.get()
    if session is None or not session.authenticated:
        return None
    return sesame(request).directory.get(session.account_id)


async def rules_json(request: Request) -> Response:
    return JSONResponse(sesame(request).policy.to_json(), headers={"Cache-Control": "public, max-age=300"})
