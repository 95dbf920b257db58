"""Error pages: a clear French message, never a stack trace."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from pwa.directory import DirectoryUnavailable
from pwa.security.passwords import HashingBusy
from pwa.store import DatabaseUnavailable
from pwa.views import BadForm, render

log = logging.getLogger("sesame.errors")

MESSAGES = {
    400: "La demande est incomplète ou illisible.",
    403: "Vous n'avez pas accès à cette page.",
    404: "Cette page n'existe pas. Vérifiez l'adresse ou revenez à l'accueil.",
    405: "Cette page ne s'utilise pas de cette façon. Revenez à l'accueil.",
    413: "Les informations envoyées sont trop longues.",
}


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = exc.message if isinstance(exc, BadForm) else MESSAGES.get(status, MESSAGES[400])
    if isinstance(exc, BadForm):
        status = exc.status
    return _page(request, status, message)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _page(request, 500, "Une erreur est survenue de notre côté. Réessayez dans un instant.")


async def busy(request: Request, exc: Exception) -> Response:
    """Too many password checks at once: a short wait, said plainly."""
    log.warning("password hashing busy on %s %s", request.method, request.url.path)
    response = _page(
        request,
        503,
        "Beaucoup de personnes se connectent en ce moment. Réessayez dans un instant : "
        "ce que vous avez saisi n'a pas été compté comme une erreur.",
    )
    response.headers["Retry-After"] = str(HashingBusy.retry_after)
    return response


async def directory_down(request: Request, exc: Exception) -> Response:
    """The académie's directory is down or too slow: nothing was changed, come back later."""
    log.warning("directory unavailable on %s %s", request.method, request.url.path)
    response = _page(
        request,
        503,
        "Le service est momentanément indisponible : l'annuaire de l'académie ne répond pas. "
        "Réessayez dans quelques minutes. Rien n'a été modifié.",
    )
    response.headers["Retry-After"] = "60"
    return response


async def database_down(request: Request, exc: Exception) -> Response:
    """PostgreSQL does not answer (or a lock waited too long): nothing was changed."""
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    response = _page(
        request,
        503,
        "Le service est momentanément indisponible. Réessayez dans quelques minutes. Rien n'a été modifié.",
    )
    response.headers["Retry-After"] = "30"
    return response


def _page(request: Request, status: int, message: str) -> Response:
    try:
        return render(request, "error.html", {"status": status, "message": message}, status=status)
    except Exception:  # the error page itself must never fail
        return HTMLResponse(f"<!doctype html><html lang=fr><title>Erreur</title><p>{message}</p>", status_code=status)


def handlers() -> dict:
    return {
        HTTPException: http_error,
        BadForm: http_error,
        HashingBusy: busy,
        DirectoryUnavailable: directory_down,
        DatabaseUnavailable: database_down,
        Exception: server_error,
    }
