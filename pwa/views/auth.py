"""Journey 4 — Se connecter, and se déconnecter."""

from __future__ import annotations

from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.views import read_form, redirect, redirect_to, render, safe_next, sesame
from pwa.views.shared import forms
from pwa.views.shared.forms import anti_automation
from pwa.views.shared.messages import refusal

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
            request,
            "auth/login.html",
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
            request,
            "auth/login.html",
            {**base, "errors": errors},
            status=refused.status if refused else 422,
        )
    decision = await run_in_threadpool(
        partial(
            s.signin.with_password, login_name, password, request.state.client, device=request.state.device
        )  # a browser that signed in before keeps its own budget
    )
    if decision.next == "choose_password" and decision.code and decision.account:
        s.grants.start(request.state.session, decision.account, via=decision.code.via, code_id=decision.code.code_id)
        return redirect(request, "password_choose")
    if decision.next == "second_factor" and decision.account:
        # Password right; the session is not signed in until the second factor.
        request.state.session.start(account_id=decision.account.id, level="password", data={"suite": suite})
        return redirect(request, "second_step")
    if decision.next == "signed_in" and decision.account:
        request.state.session.start(
            account_id=decision.account.id, level="full", data={"auth": "password", "suggest_passkey": True}
        )
        return redirect_to(request, suite)
    message, status = refusal(decision.attempt, s.profile, GENERIC_FAILURE)
    errors.add("password", message)
    context = {**base, "errors": errors}
    if decision.next == "wrong":
        context.update(failed=True, typed_numen=decision.typed_numen)
    return render(request, "auth/login.html", context, status=status)


async def logout(request: Request) -> Response:
    s = sesame(request)
    await read_form(request)
    session = request.state.session.get()
    s.signin.signed_out(session.account_id if session else None, request.state.client)
    request.state.session.end()
    return render(request, "auth/logged_out.html")
