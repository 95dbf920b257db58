"""Mon compte → Sécurité: passkeys, OTP app, recovery codes (issue 5).

Sensitive changes need a sign-in from the last 10 minutes (a passkey sign-in
counts); older sessions are sent to confirm with /connexion?raison=confirmer."""

from __future__ import annotations

import json

import segno
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pwa.directory import Account
from pwa.mfa import totp
from pwa.mfa.passkeys import PasskeyError
from pwa.security.crypto import Undecryptable, decrypt, encrypt
from pwa.views import (
    flash,
    read_form,
    read_json,
    redirect,
    relying_party,
    render,
    sesame,
    take_flash,
)
from pwa.views.shared import forms
from pwa.views.shared.access import recent, signed_in

NAME_MAX = 40


def _page(request: Request, account: Account, status: int = 200, **extra) -> Response:
    s = sesame(request)
    return render(
        request,
        "account/security.html",
        {
            "account": account,
            "passkeys": s.authenticators.for_account(account.id, "passkey"),
            "totp": s.authenticators.for_account(account.id, "totp"),
            "codes": s.authenticators.for_account(account.id, "recovery_codes"),
            "has_factor": s.authenticators.has_factor(account.id),
            "errors": forms.Errors(),
            **extra,
        },
        status=status,
    )


@signed_in
async def overview(request: Request, account: Account) -> Response:
    return _page(request, account, flash=take_flash(request))


# -- passkeys ----------------------------------------------------------------------------
@signed_in
@recent
async def passkey_options(request: Request, account: Account) -> Response:
    await read_json(request)
    session = request.state.session.get()
    options = sesame(request).factors.registration_options(session, account, relying_party(request))
    return Response(options, media_type="application/json")


@signed_in
@recent
async def passkey_add(request: Request, account: Account) -> Response:
    s = sesame(request)
    data = await read_json(request)
    name = str(data.get("name") or "").strip()[:NAME_MAX] or "Clé d'accès"
    credential = data.get("credential")
    first = not s.authenticators.has_factor(account.id)
    try:
        await run_in_threadpool(
            s.factors.register,
            request.state.session.get(),
            account,
            relying_party(request),
            json.dumps(credential),
            name,
            request.state.client,
        )
    except PasskeyError:
        return JSONResponse({"error": "La clé d'accès n'a pas pu être enregistrée. Réessayez."}, status_code=400)
    flash(request, f"La clé d'accès « {name} » est ajoutée.")
    return JSONResponse({"redirect": "/compte/securite/codes" if first else "/compte/securite"})


@signed_in
async def passkey_rename(request: Request, account: Account) -> Response:
    s = sesame(request)
    form = await read_form(request)
    authenticator = s.authenticators.get(account.id, request.path_params["id"])
    if authenticator is None or authenticator.type != "passkey":
        return redirect(request, "security")
    name = form.get("name", "").strip()
    if not name or len(name) > NAME_MAX:
        errors = forms.Errors()
        errors.add(
            f"name-{authenticator.id}", f"Donnez un nom de 1 à {NAME_MAX} caractères, par exemple « Mon téléphone »."
        )
        return _page(request, account, status=422, errors=errors, values={f"name-{authenticator.id}": name})
    s.factors.rename(account, authenticator, name, request.state.client)
    flash(request, f"La clé d'accès s'appelle maintenant « {name} ».")
    return redirect(request, "security")


@signed_in
@recent
async def factor_remove(request: Request, account: Account) -> Response:
    s = sesame(request)
    await read_form(request)
    authenticator = s.authenticators.get(account.id, request.path_params["id"])
    if authenticator is not None and authenticator.type in ("passkey", "totp"):
        s.factors.removed(account, authenticator, request.state.client)
        flash(request, "La protection est retirée. Un courriel vous le confirme.")
    return redirect(request, "security")


# -- OTP app -------------------------------------------------------------------------------
@signed_in
@recent
async def totp_enrol(request: Request, account: Account) -> Response:
    s = sesame(request)
    errors = forms.Errors()
    if request.method == "POST":
        form = await read_form(request)
        secret = _pending_secret(request, account)
        code = form.get("code", "")
        first = not s.authenticators.has_factor(account.id)
        # bool(): mypy would infer the call's type from `secret` (str | None), the left operand
        if secret and bool(await run_in_threadpool(s.factors.enrol_totp, account, secret, code, request.state.client)):
            _second_factor_proven(request, account, "password+totp")
            if first:
                return _show_codes(request, account, intro="L'application est prête.")
            flash(request, "L'application de codes est prête.")
            return redirect(request, "security")
        if secret:
            errors.add(
                "code",
                "Ce code ne correspond pas. Saisissez le code à 6 chiffres affiché maintenant par l'application.",
            )
        else:  # posted without the page (another tab, an expired session): a new key to scan
            secret = _new_pending_secret(request, account)
            errors.add(
                "code",
                "La page avait expiré : voici une nouvelle clé. "
                "Scannez ce nouveau code QR, puis saisissez le code affiché.",
            )
    else:
        secret = _new_pending_secret(request, account)
    uri = totp.provisioning_uri(secret, account=account.email, issuer=f"Sésame {s.profile.short_name}")
    qr = segno.make(uri, error="m").svg_inline(scale=4, light="#fff", dark="#000", omitsize=False)
    return render(
        request,
        "account/totp.html",
        {"account": account, "qr": qr, "uri": uri, "key_groups": totp.grouped(secret).split(), "errors": errors},
        status=422 if errors else 200,
    )


def _new_pending_secret(request: Request, account: Account) -> str:
    """A new OTP key; it waits in the server-side session, encrypted like a stored one."""
    secret = totp.new_secret()
    request.state.session.get().data["totp_pending"] = encrypt(sesame(request).keys, account.id, secret)
    request.state.session.save()
    return secret


def _pending_secret(request: Request, account: Account) -> str | None:
    pending = request.state.session.get().data.get("totp_pending")
    if not pending:
        return None
    try:
        return decrypt(sesame(request).keys, account.id, pending)
    except Undecryptable:  # a key rotated since the page was opened
        return None


def _second_factor_proven(request: Request, account: Account, method: str) -> None:
    """The code just typed to enrol the app proves the factor, as a sign-in with it
    would (and that code can never be used again): a password-only session becomes a
    two-step one, under a new id as on every privilege change (DESIGN §5), so that
    Gestion opens without asking for another code."""
    data = {k: v for k, v in request.state.session.get().data.items() if k != "totp_pending"}
    if data.get("auth", "password") == "password":
        data["auth"] = method
    request.state.session.start(account_id=account.id, level="full", data=data)


# -- recovery codes ----------------------------------------------------------------------
@signed_in
async def codes_page(request: Request, account: Account) -> Response:
    codes = sesame(request).authenticators.for_account(account.id, "recovery_codes")
    return render(
        request,
        "account/codes_intro.html",
        {"account": account, "existing": codes, "flash": take_flash(request)},
    )


@signed_in
@recent
async def codes_generate(request: Request, account: Account) -> Response:
    await read_form(request)
    if not sesame(request).authenticators.has_factor(account.id):
        return redirect(request, "security")
    return _show_codes(request, account)


def _show_codes(request: Request, account: Account, intro: str = "") -> Response:
    codes = sesame(request).factors.new_recovery_codes(account, request.state.client)
    return render(request, "account/codes.html", {"account": account, "codes": codes, "intro": intro})


@signed_in
async def hide_suggestion(request: Request, account: Account) -> Response:
    await read_form(request)
    session = request.state.session.get()
    session.data["suggest_passkey"] = False
    request.state.session.save()
    return redirect(request, "account")
