"""Journey 6 (first part) — Mon compte: change password, recent activity,
log out everywhere."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.directory import Account, PasswordRefused
from pwa.views import read_form, redirect, render, sesame, take_flash
from pwa.views.shared import forms
from pwa.views.shared.access import recent, signed_in
from pwa.views.shared.messages import throttled_message


@signed_in
async def overview(request: Request, account: Account) -> Response:
    s = sesame(request)
    return render(
        request,
        "account/overview.html",
        {
            "account": account,
            "flash": take_flash(request),
            "activity": s.audit.for_account(account.id, limit=10),
            "other_sessions": max(0, s.sessions.count_for(account.id) - 1),
            "has_factor": s.authenticators.has_factor(account.id),
            "app_passwords_required": s.app_passwords.required_for(account),
            "is_staff": bool(s.roles.grants(account.id)),
            "suggest_passkey": request.state.session.get().data.get("suggest_passkey")
            and not s.authenticators.has_factor(account.id),
        },
    )


@signed_in
@recent
async def change_password(request: Request, account: Account) -> Response:
    s = sesame(request)
    # A fresh passkey sign-in stands for the current password (DESIGN §3.6), so
    # someone who forgot it but holds a passkey can set a new one.
    with_passkey = request.state.session.get().data.get("auth") == "passkey"
    context = {"account": account, "result": None, "errors": forms.Errors(), "with_passkey": with_passkey}
    if request.method == "GET":
        return render(request, "account/password.html", context)
    form = await read_form(request)
    current, password, confirm = (form.get(k, "") for k in ("current", "password", "confirmation"))
    result = await run_in_threadpool(s.accounts.check_password, account, password)
    errors = forms.new_password_errors(password, confirm, result)
    if with_passkey:
        pass
    elif not current:
        errors.items = {"current": "Indiquez votre mot de passe actuel.", **errors.items}
    else:
        outcome = await run_in_threadpool(
            s.accounts.authenticate,
            account.identifiant,
            current,
            request.state.client,
            device=request.state.device,
        )
        if outcome.throttled:
            errors.items = {"current": throttled_message(outcome.verdict), **errors.items}
        elif not outcome.ok:
            errors.items = {"current": "Ce n'est pas votre mot de passe actuel.", **errors.items}
    if errors:
        return render(request, "account/password.html", {**context, "result": result, "errors": errors}, status=422)
    session = request.state.session.get()
    try:
        await run_in_threadpool(
            s.accounts.set_password,
            account,
            password,
            event="password.changed",
            client=request.state.client,
            keep_session=session.id_hash if session else None,
        )
    except PasswordRefused as refusal:  # the directory's own policy (LDAP)
        errors.add("password", refusal.message)
        return render(request, "account/password.html", {**context, "result": result, "errors": errors}, status=422)
    session.data["flash"] = "Votre mot de passe a été modifié. Vos autres appareils ont été déconnectés."
    request.state.session.save()
    return redirect(request, "account")


@signed_in
async def logout_everywhere(request: Request, account: Account) -> Response:
    s = sesame(request)
    await read_form(request)
    await run_in_threadpool(s.accounts.logout_everywhere, account, request.state.client)
    request.state.session.end()
    return render(request, "auth/logged_out.html", {"everywhere": True})


@signed_in
async def extend_session(request: Request, account: Account) -> Response:
    """The idle-timeout prompt's "stay signed in" button (RGAA 13.1)."""
    await read_form(request)
    return Response(status_code=204)
