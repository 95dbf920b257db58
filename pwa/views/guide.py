"""The illustrated guide (journey 9): one step per screen, the NUMEN helper and the
printable letter to the rectorat. Routes are declared here and mounted by pwa/app.py.

Every page is a plain GET that works without JavaScript and without a session,
so the service worker can keep all of them for offline reading."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa.guide import HELPER_URL, LETTER_URL
from pwa.views import app_guide, render, sesame


def routes() -> list[Route]:
    return [
        Route("/guide", index, name="guide"),
        Route(HELPER_URL, numen_service, name="guide_numen"),
        Route(LETTER_URL, letter, name="guide_letter"),
        Route("/guide/{chapitre}", chapter, name="guide_chapter"),
        Route("/guide/{chapitre}/{etape:int}", step, name="guide_step"),
    ]


async def index(request: Request) -> Response:
    return render(request, "guide/index.html", {"guide": app_guide(request)})


async def chapter(request: Request) -> Response:
    g = app_guide(request)
    found = g.chapter(request.path_params["chapitre"])
    if found is None:
        raise HTTPException(404)
    prev, nxt = g.around_chapter(found)
    return render(
        request, "guide/chapter.html",
        {"guide": g, "chapter": found, "prev": prev, "next": nxt},
    )  # fmt: skip


async def step(request: Request) -> Response:
    g = app_guide(request)
    found = g.chapter(request.path_params["chapitre"])
    current = found.step(request.path_params["etape"]) if found else None
    if found is None or current is None:
        raise HTTPException(404)
    prev, nxt = g.around_step(found, current)
    return render(
        request, "guide/step.html",
        {"guide": g, "chapter": found, "step": current, "prev": prev, "next": nxt},
    )  # fmt: skip


async def numen_service(request: Request) -> Response:
    """ "Vous êtes…" → which service sends the NUMEN. GET: the choice is no secret."""
    g = app_guide(request)
    choice = request.query_params.get("categorie", "")[:40]
    services = sesame(request).profile.numen_services
    context = {"guide": g, "choice": choice, "answer": None, "error": None}
    if choice in services:
        context["answer"] = services[choice]
    elif choice:
        context["error"] = "Choisissez une des situations de la liste."
        return render(request, "guide/numen.html", context, status=422)
    return render(request, "guide/numen.html", context)


async def letter(request: Request) -> Response:
    """A letter to the rectorat, filled in and printed in the browser: what is typed
    never reaches the server."""
    return render(request, "guide/letter.html", {"guide": app_guide(request)})
