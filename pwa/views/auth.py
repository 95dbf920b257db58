"""Journey 4 — Se connecter, and se déconnecter."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.services.identity import normalise_numen, valid_numen
from pwa.views import forms, read_form, redirect, render, sesame
from pwa.views.errors import throttled_message

GENERIC_FAILURE = "Identifiant ou mot de passe incorrect."


async def login(request: Request) -> Response:
    s = sesame(request)
    if request.method == "GET":
        session = request.state.session.get()
        if session is not None and session.authenticated:
            return redirect(request, "account")
        return render(request, "auth/login.html", {"values": {}})
    form = await read_form(request)
    errors = forms.Errors()
    login_name = forms.login_name(form.get("login", ""), errors)
    password = form.get("password", "")
    if not password:
        errors.add("password", "Indiquez votre mot de passe.")
    values = {"login": form.get("login", "")}
    if errors:
        return render(request, "auth/login.html", {"values": values, "errors": errors}, status=422)
    outcome = await run_in_threadpool(s.accounts.authenticate, login_name, password, request.state.client)
    if outcome.throttled:
        errors.add("password", throttled_message(outcome.verdict))
        return render(request, "auth/login.html", {"values": values, "errors": errors}, status=429)
    if not outcome.ok or outcome.account is None:
        errors.add("password", GENERIC_FAILURE)
        # People told "first connection: your NUMEN is the password" get the way
        # to choose one. Said from the shape of what was typed, never from the account.
        typed_numen = valid_numen(normalise_numen(password))
        return render(
            request,
            "auth/login.html",
            {"values": values, "errors": errors, "failed": True, "typed_numen": typed_numen},
            status=422,
        )
    request.state.session.start(account_id=outcome.account.id, level="full")
    return redirect(request, "account")


async def logout(request: Request) -> Response:
    s = sesame(request)
    await read_form(request)
    session = request.state.session.get()
    if session is not None and session.account_id:
        s.audit.record("logout", account_id=session.account_id, client=request.state.client)
    request.state.session.end()
    return render(request, "auth/logged_out.html")
