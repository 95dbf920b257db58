"""Legal pages a French public service needs (DESIGN §3.11), and the site map.

The accessibility statement is generated from the RGAA self-audit grid
(pwa/legal/rgaa.toml, read by pwa/legal/rgaa.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa.legal import rgaa
from pwa.security.audit import RETENTION_SECONDS
from pwa.security.sessions import ABSOLUTE_SECONDS, IDLE_SECONDS
from pwa.security.throttle import WINDOW
from pwa.views import app_guide, render

# Retention periods, shown on the privacy notice from the values the code uses.
RETENTION = {
    "audit_months": RETENTION_SECONDS // (30 * 86400),
    "session_idle_minutes": IDLE_SECONDS // 60,
    "session_hours": ABSOLUTE_SECONDS // 3600,
    "failures_hours": int(WINDOW // 3600),
}


async def mentions(request: Request) -> Response:
    return render(request, "legal/mentions.html")


async def privacy(request: Request) -> Response:
    return render(request, "legal/donnees.html", {"retention": RETENTION})


async def accessibility(request: Request) -> Response:
    return render(request, "legal/accessibilite.html", {"audit": rgaa.load()})


async def site_map(request: Request) -> Response:
    return render(request, "legal/plan.html", {"guide": app_guide(request)})


def routes() -> list[Route]:
    return [
        Route("/mentions-legales", mentions, name="legal_mentions"),
        Route("/donnees-personnelles", privacy, name="legal_privacy"),
        Route("/accessibilite", accessibility, name="legal_accessibility"),
        Route("/plan-du-site", site_map, name="site_map"),
    ]
