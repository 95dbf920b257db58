"""After the password, the second factor; and passkey sign-in (journey 4).

Also the factor step of the NUMEN reset (DESIGN §5: with a factor enrolled, a
reset also asks for it). Passkey ceremonies go through two JSON endpoints
shared by every purpose: /cle/options and /cle/verifier."""

from __future__ import annotations

import json
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pwa.directory import Account
from pwa.mfa.passkeys import PasskeyError
from pwa.views import (
    read_form,
    read_json,
    redirect,
    redirect_to,
    relying_party,
    render,
    safe_next,
    sesame,
)
from pwa.views.shared import forms
from pwa.views.shared.messages import throttled_message

PURPOSES = ("connexion", "verification", "reinitialisation")


def pending_account(request: Request) -> Account | None:
    """The account whose password was right, waiting for its second factor."""
    session = request.state.session.get()
    if session is None or session.level != "password" or not session.account_id:
        return None
    return sesame(request).directory.get(session.account_id)


def reset_account(request: Request) -> Account | None:
    return sesame(request).grants.account(request.state.session, factor_done=False)


def factors_of(request: Request, account: Account) -> dict[str, bool]:
    store = sesame(request).authenticators
    return {
        "passkey": bool(store.for_account(account.id, "passkey")),
        "totp": bool(store.for_account(account.id, "totp")),
        "recovery": any(a.remaining_codes for a in store.for_account(account.id, "recovery_codes")),
    }


def finish_sign_in(request: Request, account: Account, method: str) -> str:
    """A full session (rotated), and where to go next."""
    session = request.state.session.get()
    suite = safe_next(session.data.get("suite") if session else None)
    request.state.session.start(account_id=account.id, level="full", data={"auth": method})
    return suite


async def _check_code(request: Request, account: Account, form: dict[str, str], *, sign_in: bool) -> str | None:
    """None when the code is accepted, else the French error."""
    s = sesame(request)
    method, code = form.get("methode", "totp"), form.get("code", "").strip()
    client = request.state.client
    if not code:
        if sign_in:
            s.signin.second_factor_missing(account, client)
        return "Saisissez le code." if method == "totp" else "Saisissez un de vos codes de secours."
    attempt = await run_in_threadpool(
        partial(
            s.signin.second_factor, account, method, code, client, device=request.state.device, sign_in=sign_in
        )  # a known browser keeps its own budget
    )
    if attempt.ok:
        return None
    if attempt.throttled:
        return throttled_message(attempt.verdict)
    if attempt.detail == "used":
        return "Ce code vient d'être utilisé. Attendez que l'application en affiche un nouveau (moins de 30 secondes)."
    if method == "recovery":
        return "Ce code de secours n'est pas valable, ou il a déjà servi."
    return "Ce code n'est pas le bon. Vérifiez l'application et saisissez le code affiché maintenant."


async def _factor_page(request: Request, account: Account, template: str, purpose: str, *, sign_in: bool):
    """GET: the choices. POST: check the code. Returns a response, or None when
    the code was accepted (the caller goes on)."""
    context = {"account": account, "factors": factors_of(request, account), "values": {}, "purpose": purpose}
    if request.method == "GET":
        return render(request, template, context), None
    form = await read_form(request)
    error = await _check_code(request, account, form, sign_in=sign_in)
    if error:
        errors = forms.Errors()
        errors.add("code-" + form.get("methode", "totp"), error)
        return render(request, template, {**context, "errors": errors}, status=422), form
    return None, form


async def second_step(request: Request) -> Response:
    account = pending_account(request)
    if account is None:
        return redirect(request, "login")
    response, form = await _factor_page(request, account, "auth/second_factor.html", "verification", sign_in=True)
    if response is not None:
        return response
    return redirect_to(request, finish_sign_in(request, account, "password+" + form.get("methode", "totp")))


async def reset_factor(request: Request) -> Response:
    """The factor step of the NUMEN reset."""
    account = reset_account(request)
    if account is None:
        return redirect(request, "password")
    response, _ = await _factor_page(request, account, "password/factor.html", "reinitialisation", sign_in=False)
    if response is not None:
        return response
    sesame(request).grants.factor_done(request.state.session)
    return redirect(request, "password_choose")


# -- passkey assertions, for every purpose --------------------------------------------
def _account_for(request: Request, purpose: str) -> Account | None:
    if purpose == "verification":
        return pending_account(request)
    if purpose == "reinitialisation":
        return reset_account(request)
    return None


async def passkey_options(request: Request) -> Response:
    data = await read_json(request)
    purpose = data.get("purpose")
    if purpose not in PURPOSES:
        return JSONResponse({"error": "Demande inconnue."}, status_code=400)
    account = _account_for(request, purpose)
    if purpose != "connexion" and account is None:
        return JSONResponse({"error": "Votre session a expiré. Recommencez."}, status_code=409)
    session = request.state.session.ensure()
    options = sesame(request).factors.assertion_options(session, relying_party(request), purpose, account)
    return Response(options, media_type="application/json")


async def passkey_verify(request: Request) -> Response:
    s = sesame(request)
    data = await read_json(request)
    purpose, credential = data.get("purpose"), data.get("credential")
    if purpose not in PURPOSES or not isinstance(credential, (dict, str)):
        return JSONResponse({"error": "Demande inconnue."}, status_code=400)
    credential_json = credential if isinstance(credential, str) else json.dumps(credential)
    expected = _account_for(request, purpose)
    if purpose != "connexion" and expected is None:
        return JSONResponse({"error": "Votre session a expiré. Recommencez."}, status_code=409)
    try:
        owner = await run_in_threadpool(
            s.factors.verify_assertion,
            request.state.session.get(),
            relying_party(request),
            purpose,
            credential_json,
            account=expected,
        )
    except PasskeyError:
        s.signin.passkey(None, expected, request.state.client)
        return JSONResponse(
            {"error": "Cette clé d'accès n'a pas pu être vérifiée. Réessayez, ou utilisez un autre moyen."},
            status_code=400,
        )
    if purpose == "reinitialisation":
        s.grants.factor_done(request.state.session)
        return JSONResponse({"redirect": "/mot-de-passe/nouveau"})
    s.signin.passkey(owner, None, request.state.client)
    return JSONResponse({"redirect": finish_sign_in(request, owner, "passkey")})
