"""CSRF: a signed double-submit token (HMAC of a random `__Host-` cookie), plus
an Origin check (DESIGN §5). The cookie is replaced at every sign-in, so a
token from before a sign-in is worthless after it."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

from pwa.ops.events import form_refused
from pwa.security.keys import Keys

FIELD = "csrf_token"
HEADER = "x-csrf-token"


def csrf_token(request: Request, keys: Keys) -> str:
    return keys.mac("csrf", request.state.csrf_seed).split("$", 1)[1]


def origin_ok(request: Request, public_url: str) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # older browsers send none on same-origin posts: the token decides
        return True
    if origin == "null":
        # Under Referrer-Policy: no-referrer, Chromium sends "Origin: null" on a
        # plain form post. Sec-Fetch-Site is set by the browser alone, so a page
        # of another site cannot claim same-origin; the token still decides.
        return request.headers.get("sec-fetch-site") == "same-origin"
    allowed = {f"{request.url.scheme}://{request.url.netloc}"}
    if public_url:
        parts = urlsplit(public_url)
        allowed.add(f"{parts.scheme}://{parts.netloc}")
    return origin in allowed


def refusal(request: Request, keys: Keys, submitted: str | None, public_url: str) -> str | None:
    """Why the post must be refused (a reason of pwa.ops.events.REASONS), or None."""
    if request.state.csrf_new:  # no cookie came with the request: nothing to match
        return "no_cookie"
    if not origin_ok(request, public_url):
        return "untrusted_proxy" if getattr(request.state, "untrusted_forwarder", None) else "bad_origin"
    token = submitted or request.headers.get(HEADER, "")
    # compare_digest refuses str with non-ASCII characters: compare bytes, so a
    # token such as "é" is simply wrong (403), never a 500.
    expected = csrf_token(request, keys).encode()
    if not hmac.compare_digest(expected, token.encode("utf-8", "surrogatepass")):
        return "bad_token"
    return None


def check_csrf(request: Request, keys: Keys, submitted: str | None, public_url: str) -> bool:
    reason = refusal(request, keys, submitted, public_url)
    if reason is not None:  # logged with its reason: an operator can tell a proxy problem from an attack
        allowed = [f"{request.url.scheme}://{request.url.netloc}"]
        if public_url:
            parts = urlsplit(public_url)
            allowed.append(f"{parts.scheme}://{parts.netloc}")
        form_refused(
            reason,
            method=request.method,
            path=request.url.path,
            origin=request.headers.get("origin"),
            expected=allowed,
            peer=(request.scope.get("client") or ("", 0))[0],
            client=getattr(request.state, "client", None),
        )
    return reason is None
