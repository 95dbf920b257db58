"""Journey 8 — Configurer mon téléphone: pick the mail app, then its steps with the
académie's settings; the Apple configuration profile; and the documents clients and
password managers fetch by themselves under /.well-known. Routes mounted by pwa/app.py.

The pages are public: signed in, the user name is the account's identifiant; otherwise
the page explains where to find it. Nothing here is kept by the service worker (a
signed-in copy would be personal)."""

from __future__ import annotations

import datetime as dt

import segno
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from pwa import mailsetup
from pwa.directory import Account
from pwa.views import read_form, render, sesame
from pwa.views.shared import forms


def routes() -> list[Route]:
    autoconfig = "/mail/config-v1.1.xml"
    return [
        Route("/telephone", choose_app, name="phone"),
        Route(
            "/telephone/profil.mobileconfig",
            apple_profile,
            methods=["GET", "POST"],
            name="phone_profile",
        ),
        Route("/telephone/{appli}", app_steps, name="phone_app"),
        Route(autoconfig, autoconfig_xml, name="autoconfig"),
        Route("/.well-known/autoconfig" + autoconfig, autoconfig_xml, name="autoconfig_well_known"),
        Route("/.well-known/change-password", change_password, name="change_password"),
        Route("/.well-known/security.txt", security_txt, name="security_txt"),
    ]


def current_account(request: Request) -> Account | None:
    session = request.state.session.get()
    if not (session and session.authenticated):
        return None
    account = sesame(request).directory.get(session.account_id)
    return account if account and account.active else None


def public_base(request: Request) -> str:
    return sesame(request).settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")


def qr_code(url: str) -> str:
    """An inline SVG QR code (no network, no script) that opens `url` on a phone."""
    return segno.make(url, error="m").svg_inline(scale=4, light="#fff", dark="#000", omitsize=False)


async def choose_app(request: Request) -> Response:
    url = public_base(request) + "/telephone"
    account = current_account(request)
    context = {
        "apps": mailsetup.APPS,
        "account": account,
        "qr": qr_code(url),
        "app_passwords_required": account is not None and sesame(request).app_passwords.required_for(account),
    }
    return render(request, "phone/index.html", {**context, "qr_url": url})


async def app_steps(request: Request) -> Response:
    app = mailsetup.find_app(request.path_params["appli"])
    if app is None:
        raise HTTPException(404)
    return _render_app(request, app, forms.Errors(), "")


def _render_app(request: Request, app: mailsetup.MailApp, errors: forms.Errors, address: str) -> Response:
    url = f"{public_base(request)}/telephone/{app.slug}"
    account = current_account(request)
    context = {
        "app": app,
        "apps": mailsetup.APPS,
        "account": account,
        "app_passwords_required": account is not None and sesame(request).app_passwords.required_for(account),
        "qr": qr_code(url),
        "qr_url": url,
        "errors": errors,
        "address": address,
    }
    return render(request, "phone/app.html", context, status=422 if errors else 200)


async def apple_profile(request: Request) -> Response:
    """GET: for the signed-in account, or with the user name and address left for iOS to
    ask. POST (from the iPhone page, signed out): for the address typed there."""
    s = sesame(request)
    account = current_account(request)
    if account is not None:
        login, email = account.identifiant, account.email
        name = f"{account.first_name} {account.last_name}".strip()
        key = account.identifiant
    elif request.method == "POST":
        form = await read_form(request)
        errors = forms.Errors()
        email = forms.academic_address(form.get("adresse", ""), s.profile.mail_domain, errors, "adresse")
        if errors:
            return _render_app(request, mailsetup.IPHONE, errors, form.get("adresse", ""))
        login, name, key = email, "", email
    else:
        login = email = name = key = ""
    body = mailsetup.mobileconfig(s.profile, login=login, email=email, display_name=name)
    filename = f"messagerie-{s.profile.id}" + (f"-{key.split('@')[0]}" if key else "") + ".mobileconfig"
    return Response(
        body,
        media_type=mailsetup.MOBILECONFIG_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


async def autoconfig_xml(request: Request) -> Response:
    s = sesame(request)
    body = mailsetup.autoconfig_xml(s.profile, documentation_url=public_base(request) + "/telephone/thunderbird")
    return Response(body, media_type="application/xml", headers={"Cache-Control": "public, max-age=3600"})


async def change_password(request: Request) -> Response:
    """For password managers (W3C "A Well-Known URL for Changing Passwords")."""
    return RedirectResponse("/compte/mot-de-passe", status_code=302)


async def security_txt(request: Request) -> Response:
    s = sesame(request)
    public = s.settings.public_url.rstrip("/")
    text = mailsetup.security_txt(
        s.profile,
        now=dt.datetime.fromtimestamp(s.store.now(), dt.UTC),
        canonical=f"{public}/.well-known/security.txt" if public else "",
    )
    return PlainTextResponse(text, headers={"Cache-Control": "public, max-age=86400"})
