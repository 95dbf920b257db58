"""Views: HTTP only. They parse forms, call services and render templates.

The same template renders the whole page, or for an htmx request only its
`page_title` and `main` blocks (jinja2-fragments), so a fragment never drifts from
its page."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from jinja2_fragments import render_block
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from pwa.context import Sesame
from pwa.guide import Guide, build_guide
from pwa.mfa.passkeys import RelyingParty
from pwa.security.csrf import FIELD, check_csrf, csrf_token
from pwa.security.sessions import IDLE_SECONDS

MAX_FIELD = 1000
IN_APP_MARKERS = ("FBAN", "FBAV", "FB_IAB", "Instagram", "Messenger", "WhatsApp", "Snapchat", "TikTok")


def in_app_browser(user_agent: str) -> bool:
    """Social apps' built-in browsers lose cookies and passkeys: suggest Chrome."""
    return any(marker in user_agent for marker in IN_APP_MARKERS)


def sesame(request: Request) -> Sesame:
    return request.app.state.sesame


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> Response:
    s = sesame(request)
    session = request.state.session.get()
    ctx = {
        "csrf_token": csrf_token(request, s.keys),
        "csp_nonce": request.state.csp_nonce,
        "session": session,
        "signed_in": bool(session and session.authenticated),
        "idle_seconds": IDLE_SECONDS,
        "in_app_browser": in_app_browser(request.headers.get("user-agent", "")),
        **(context or {}),
    }
    partial = template.rsplit("/", 1)[-1].startswith("_")
    if is_htmx(request) and not partial:
        env = s.templates.env
        ctx["request"] = request
        title = render_block(env, template, "page_title", ctx).strip()
        main = render_block(env, template, "main", ctx)
        # jinja2 types Environment.globals as dict[str, object]; this one is a function (pwa.context)
        full_title = env.globals["title_suffix"](title)  # type: ignore[operator]
        return HTMLResponse(f"<title>{escape(full_title)}</title>\n{main}", status_code=status)
    return s.templates.TemplateResponse(request, template, ctx, status_code=status)


def redirect(request: Request, name: str, **params: str) -> Response:
    return redirect_to(request, str(request.url_for(name, **params).path))


def redirect_to(request: Request, url: str) -> Response:
    if is_htmx(request):
        # htmx loads the page into <main> and pushes the URL: no full reload.
        location = json.dumps({"path": url, "target": "#main"})
        return Response(status_code=204, headers={"HX-Location": location})
    return RedirectResponse(url, status_code=303)


class BadForm(Exception):
    """The form could not be read at all (CSRF, size): a 4xx page, not a 500."""

    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message


async def read_json(request: Request, max_bytes: int = 32_000) -> dict[str, Any]:
    """A JSON body from our own scripts, after the CSRF check (header token)."""
    s = sesame(request)
    if not check_csrf(request, s.keys, None, s.settings.public_url):
        raise BadForm(403, "Votre page a expiré. Rechargez la page et recommencez.")
    body = await request.body()
    if len(body) > max_bytes:
        raise BadForm(413, "Les informations envoyées sont trop longues.")
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError) as exc:  # deep nesting ([[[[…) raises RecursionError
        raise BadForm(400, "La demande est illisible.") from exc
    if not isinstance(data, dict) or _depth(data) > MAX_JSON_DEPTH:
        raise BadForm(400, "La demande est illisible.")
    return data


MAX_JSON_DEPTH = 16  # a WebAuthn credential nests 3 levels; libraries below recurse


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def safe_next(value: str | None, default: str = "/compte") -> str:
    """Only our own paths: no scheme, no host, no protocol-relative //."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:200]
    return default


def relying_party(request: Request) -> RelyingParty:
    s = sesame(request)
    base = urlsplit(s.settings.public_url or f"{request.url.scheme}://{request.url.netloc}")
    return RelyingParty(
        id=base.hostname or "localhost",
        name=f"Sésame – {s.profile.short_name}",
        origin=f"{base.scheme}://{base.netloc}",
    )


async def read_form(request: Request, *, long_fields: dict[str, int] | None = None) -> dict[str, str]:
    """The submitted fields as strings, after the CSRF check. Fields are at most
    MAX_FIELD characters, except those given a larger limit in `long_fields`."""
    try:
        async with request.form(max_files=0, max_fields=50) as form:
            data = {k: v for k, v in form.items() if isinstance(v, str)}
    except Exception as exc:  # malformed multipart/urlencoded body
        raise BadForm(400, "Le formulaire envoyé est illisible. Rechargez la page et recommencez.") from exc
    s = sesame(request)
    if not check_csrf(request, s.keys, data.get(FIELD), s.settings.public_url):
        raise BadForm(
            403,
            "Votre page a expiré ou les cookies sont bloqués. Rechargez la page et recommencez.",
        )
    limits = long_fields or {}
    if any(len(v) > limits.get(k, MAX_FIELD) for k, v in data.items()):
        raise BadForm(413, "Un des champs est beaucoup trop long.")
    return data


def flash(request: Request, message: str) -> None:
    """A confirmation shown once by the next page (post/redirect/get)."""
    session = request.state.session.get()
    session.data["flash"] = message
    request.state.session.save()


def take_flash(request: Request) -> str | None:
    """The confirmation left by flash(), once."""
    session = request.state.session.get()
    message = session.data.pop("flash", None) if session is not None else None
    if message:
        request.state.session.save()
    return message


def keep(request: Request, key: str, value: Any) -> None:
    """Something (no secret) for the next page to show once, like flash()."""
    session = request.state.session.get()
    if session is not None:
        session.data[key] = value
        request.state.session.save()


def take(request: Request, key: str) -> Any:
    """What keep() left, once."""
    session = request.state.session.get()
    value = session.data.pop(key, None) if session is not None else None
    if value:
        request.state.session.save()
    return value


def app_guide(request: Request) -> Guide:
    """The guide for this app's académie, built on first use and kept on the app."""
    built: Guide | None = getattr(request.app.state, "guide", None)
    if built is None:
        s = sesame(request)
        built = build_guide(s.profile, s.settings.static_dir)
        request.app.state.guide = built
    return built
