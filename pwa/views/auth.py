"""Journey 4 — Se connecter, and se déconnecter."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.services.identity import normalise_numen, valid_numen
from pwa.views import forms, read_form, redirect, redirect_to, render, safe_next, sesame
from pwa.views.activation import check_code, code_purpose
from pwa.views.antibot import anti_automation
from pwa.views.errors import disabled_message, throttled_message
from pwa.views.password import grant_reset

GENERIC_FAILURE = "Identifiant ou mot de passe incorrect."


async def login(request: Request) -> Response:
    s = sesame(request)
    confirming = request.query_params.get("raison") == "confirmer"
    suite = safe_next(request.query_params.get("suite"))
    session = request.state.session.get()
    if request.method == "GET":
        values = {}
        if session is not None and session.authenticated:
            if not confirming:
                return redirect(request, "account")
            account = s.directory.get(session.account_id)
            values = {"login": account.identifiant if account else ""}
        return render(
            request, "auth/login.html",
            {"values": values, "confirming": confirming, "suite": suite},
        )
    form = await read_form(request)
    errors = forms.Errors()
    login_name = forms.login_name(form.get("login", ""), errors)
    password = form.get("password", "")
    if not password:
        errors.add("password", "Indiquez votre mot de passe.")
    values = {"login": form.get("login", "")}
    base = {"values": values, "confirming": confirming, "suite": suite}
    refused = await anti_automation(request, form, errors)
    if errors:
        return render(
            request, "auth/login.html", {**base, "errors": errors},
            status=refused.status if refused else 422,
        )
    outcome = await run_in_threadpool(
        s.accounts.authenticate, login_name, password, request.state.client,
        device=request.state.device,  # a browser that signed in before keeps its own budget
    )
    if outcome.throttled:
        errors.add("password", throttled_message(outcome.verdict))
        return render(request, "auth/login.html", {**base, "errors": errors}, status=429)
    if outcome.disabled:
        errors.add("password", disabled_message(s.profile))
        return render(request, "auth/login.html", {**base, "errors": errors}, status=403)
    if not outcome.ok and code_purpose(password) is not None:
        # "Log in with the code of your letter": an activation (or help-desk)
        # code typed as the password leads to choosing the password (DESIGN §3.3).
        account = await run_in_threadpool(s.directory.by_login, login_name)
        code_id, _ = await run_in_threadpool(check_code, request, account, password)
        if code_id is not None and account is not None:
            grant_reset(request, account, via=code_purpose(password) or "letter", code_id=code_id)
            return redirect(request, "password_choose")
    if not outcome.ok or outcome.account is None:
        errors.add("password", GENERIC_FAILURE)
        # People told "first connection: your NUMEN is the password" get the way
        # to choose one. Said from the shape of what was typed, never from the account.
        typed_numen = valid_numen(normalise_numen(password))
        return render(
            request,
            "auth/login.html",
            {**base, "errors": errors, "failed": True, "typed_numen": typed_numen},
            status=422,
        )
    if s.authenticators.has_factor(outcome.account.id):
        # Password right; the session is not signed in until the second factor.
        request.state.session.start(
            account_id=outcome.account.id, level="password", data={"suite": suite}
        )
        return redirect(request, "second_step")
    request.state.session.start(
        account_id=outcome.account.id, level="full", data={"auth": "password", "suggest_passkey": True}
    )
    return redirect_to(request, suite)


async def logout(request: Request) -> Response:
    s = sesame(request)
    await read_form(request)
    session = request.state.session.get()
    if session is not None and session.account_id:
        s.audit.record("logout", account_id=session.account_id, client=request.state.client)
    request.state.session.end()
    return render(request, "auth/logged_out.html")
