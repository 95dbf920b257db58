"""Mon compte → Mots de passe d'application (issue 16): list, create (the value shown
once), revoke one or all. Creating and revoking need a sign-in from the last 10 minutes."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.directory import Account
from pwa.services.app_passwords import EXPIRIES, MAX_ACTIVE, MAX_PER_DAY, NAME_MAX, SCOPES, TooMany
from pwa.views import flash, read_form, redirect, render, sesame, take_flash
from pwa.views.shared import forms
from pwa.views.shared.access import recent, signed_in

TOO_MANY = {
    "active": f"Vous avez déjà {MAX_ACTIVE} mots de passe d'application. Révoquez-en un avant d'en créer un autre.",
    "day": f"Vous avez créé {MAX_PER_DAY} mots de passe d'application en 24 heures. Réessayez demain.",
}


def _page(
    request: Request,
    account: Account,
    *,
    status: int = 200,
    errors: forms.Errors | None = None,
    values: dict | None = None,
) -> Response:
    s = sesame(request)
    return render(
        request,
        "account/app_passwords.html",
        {
            "account": account,
            "items": s.app_passwords.for_account(account),
            "now": s.store.now(),
            "scopes": SCOPES,
            "expiries": EXPIRIES,
            "name_max": NAME_MAX,
            "errors": errors or forms.Errors(),
            "values": values or {"name": "", "scope": "mail", "expiry": ""},
            "recent": s.factors.is_recent(request.state.session.get()),
            "required": s.app_passwords.required_for(account),
            "flash": take_flash(request) if status == 200 else None,
        },
        status=status,
    )


@signed_in
async def overview(request: Request, account: Account) -> Response:
    return _page(request, account)


@signed_in
@recent
async def create(request: Request, account: Account) -> Response:
    s = sesame(request)
    form = await read_form(request)
    name = " ".join("".join(c for c in form.get("name", "") if c.isprintable()).split())
    scope, expiry = form.get("scope", ""), form.get("expiry", "")
    errors = forms.Errors()
    if not name:
        errors.add("name", "Donnez un nom à ce mot de passe, par exemple « Téléphone de Nadia ».")
    elif len(name) > NAME_MAX:
        errors.add("name", f"Le nom compte {len(name)} caractères : {NAME_MAX} au plus.")
    if scope not in SCOPES:
        errors.add("scope", "Choisissez l'usage de ce mot de passe.")
    if expiry not in EXPIRIES:
        errors.add("expiry", "Choisissez une fin de validité dans la liste.")
    values = {"name": name[:200], "scope": scope, "expiry": expiry}
    if errors:
        return _page(request, account, status=422, errors=errors, values=values)
    try:
        created = await run_in_threadpool(
            s.app_passwords.create,
            account,
            name=name,
            scope=scope,
            days=int(expiry) if expiry else None,
            client=request.state.client,
        )
    except TooMany as refused:
        errors.add("name", TOO_MANY[refused.reason])
        return _page(request, account, status=429, errors=errors, values=values)
    return render(
        request,
        "account/app_password_created.html",
        {"account": account, "item": created.app_password, "groups": created.groups, "scope": SCOPES[scope]},
    )


@signed_in
@recent
async def revoke(request: Request, account: Account) -> Response:
    s = sesame(request)
    await read_form(request)
    revoked = await run_in_threadpool(s.app_passwords.revoke, account, request.path_params["id"], request.state.client)
    if revoked is not None:
        flash(
            request, f"« {revoked.name} » est révoqué : il n'ouvre plus votre messagerie. Un courriel vous le confirme."
        )
    return redirect(request, "app_passwords")


@signed_in
@recent
async def revoke_all(request: Request, account: Account) -> Response:
    s = sesame(request)
    await read_form(request)
    count = await run_in_threadpool(s.app_passwords.revoke_all, account, request.state.client)
    if count:
        flash(request, "Tous vos mots de passe d'application sont révoqués. Un courriel vous le confirme.")
    return redirect(request, "app_passwords")
