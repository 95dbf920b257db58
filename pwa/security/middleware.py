"""One ASGI middleware for what every response needs: the client address, a CSP
nonce, the session handle and its cookie, the CSRF cookie and security headers."""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from ipaddress import IPv4Network, IPv6Network

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pwa.security.client import client_address, forwarded_scheme, untrusted_forwarder
from pwa.security.devices import COOKIE_SECONDS, Devices
from pwa.security.sessions import ABSOLUTE_SECONDS, SessionHandle, SessionStore


class CookieNames:
    def __init__(self, secure: bool) -> None:
        self.secure = secure
        prefix = "__Host-" if secure else ""
        self.session = f"{prefix}sesame"
        self.csrf = f"{prefix}sesame-csrf"
        self.device = f"{prefix}sesame-appareil"  # a known browser (pwa.security.devices)

    def header(self, name: str, value: str, *, max_age: int | None) -> str:
        parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        return "; ".join(parts)


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


class SecurityMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: SessionStore,
        cookies: CookieNames,
        trusted_proxies: tuple[IPv4Network | IPv6Network, ...],
        devices: Devices,
    ) -> None:
        self.app = app
        self.devices = devices
        self.sessions = sessions
        self.cookies = cookies
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = SimpleCookie()
        user_agent = ""
        for name, value in scope["headers"]:
            if name == b"cookie":
                try:
                    cookie.load(value.decode("latin-1"))
                except Exception:  # a malformed cookie header is ignored, not a 500
                    pass
            elif name == b"user-agent":
                user_agent = value.decode("latin-1")
        session_cookie = cookie.get(self.cookies.session)
        csrf_cookie = cookie.get(self.cookies.csrf)
        client = client_address(scope, self.trusted_proxies)
        scheme = forwarded_scheme(scope, self.trusted_proxies)
        if scheme:  # TLS ended at a trusted proxy: URLs and origin checks use the browser's scheme
            scope["scheme"] = scheme
        state = scope.setdefault("state", {})
        state["client"] = client
        state["untrusted_forwarder"] = untrusted_forwarder(scope, self.trusted_proxies)
        state["csp_nonce"] = secrets.token_urlsafe(16)
        state["session"] = SessionHandle(
            self.sessions,
            session_cookie.value if session_cookie else None,
            client=client,
            user_agent=user_agent,
            state=state,
        )
        state["csrf_seed"] = csrf_cookie.value if csrf_cookie else None
        device_cookie = cookie.get(self.cookies.device)
        state["device"] = device_cookie.value if device_cookie else None
        state["device_account"] = None  # set by a sign-in: the cookie is then (re)written
        state["csrf_new"] = None
        if state["csrf_seed"] is None:
            state["csrf_new"] = state["csrf_seed"] = secrets.token_urlsafe(32)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                self._security_headers(headers, state["csp_nonce"])
                handle: SessionHandle = state["session"]
                if handle.set_cookie:
                    headers.append(
                        "set-cookie",
                        self.cookies.header(self.cookies.session, handle.set_cookie, max_age=ABSOLUTE_SECONDS),
                    )
                elif handle.clear_cookie:
                    headers.append("set-cookie", self.cookies.header(self.cookies.session, "", max_age=0))
                if state.get("device_account"):
                    value = self.devices.remember(state["device"], state["device_account"])
                    cookie_header = self.cookies.header(self.cookies.device, value, max_age=COOKIE_SECONDS)
                    headers.append("set-cookie", cookie_header)
                if state.get("csrf_new"):
                    headers.append(
                        "set-cookie",
                        self.cookies.header(self.cookies.csrf, state["csrf_new"], max_age=None),
                    )
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _security_headers(self, headers: MutableHeaders, nonce: str) -> None:
        content_type = headers.get("content-type", "")
        if content_type.startswith("text/html"):
            # What only documents need (saves bytes on every script, style and picture).
            headers["Content-Security-Policy"] = content_security_policy(nonce)
            headers.setdefault("Cache-Control", "no-store")
            headers["X-Frame-Options"] = "DENY"
            headers["Cross-Origin-Opener-Policy"] = "same-origin"
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        if self.cookies.secure:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
