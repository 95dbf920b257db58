"""Anti-automation on anonymous forms (ALTCHA proof-of-work, DESIGN §5).

Two lines protect a form:
- in its template, inside the <form>: ``{{ f.altcha(errors) }}``;
- in its view, after ``read_form``: ``refused = await anti_automation(request, form, errors)``,
  then render the same page on errors with ``status=refused.status if refused else 422``.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa.security.antibot import Refusal
from pwa.views import forms, sesame

FIELD = "altcha"


def routes() -> list[Route]:
    return [Route("/anti-robot/defi", challenge, name="altcha_challenge")]


async def challenge(request: Request) -> Response:
    """A fresh challenge for the widget; never cached (each is used once)."""
    return JSONResponse(
        sesame(request).antibot.challenge(), headers={"Cache-Control": "no-store"}
    )


async def anti_automation(
    request: Request, form: dict[str, str], errors: forms.Errors | None = None
) -> Refusal | None:
    """None when the form may be processed. Otherwise the refusal, whose message
    is also added to `errors` (under the widget's anchor) when given."""
    refused = await run_in_threadpool(
        sesame(request).antibot.check, form.get(FIELD, ""), request.state.client
    )
    if refused is not None and errors is not None:
        errors.add(FIELD, refused.message)
    return refused
