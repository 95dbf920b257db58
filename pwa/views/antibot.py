"""Anti-automation on anonymous forms (ALTCHA proof-of-work, DESIGN §5): the
challenge the widget fetches. The check of a submitted form is
`pwa.views.shared.forms.anti_automation` (two lines protect a form: see there)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa.views import sesame


def routes() -> list[Route]:
    return [Route("/anti-robot/defi", challenge, name="altcha_challenge")]


async def challenge(request: Request) -> Response:
    """A fresh challenge for the widget; never cached (each is used once)."""
    return JSONResponse(sesame(request).antibot.challenge(), headers={"Cache-Control": "no-store"})
