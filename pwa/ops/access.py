"""The access log and the request metrics, from one outer ASGI middleware.

A line per request: method, route template, path (never the query string, which
may carry an activation code from a letter's QR code), status, duration, client
address and scheme (as the trusted proxy gave them). Health probes and metric
scrapes are logged at DEBUG only."""

from __future__ import annotations

import logging
import time

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pwa.ops import metrics
from pwa.ops.logs import fields

log = logging.getLogger("sesame.access")
QUIET = frozenset({"/healthz", "/readyz", "/metrics", "/sante"})
UNMATCHED = "(aucune)"


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    path = getattr(route, "path", None)
    if path is None:
        return UNMATCHED
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        sent = 0

        async def counting_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            seconds = time.perf_counter() - start
            route = route_template(scope)
            method = scope.get("method", "")
            metrics.REQUESTS.labels(route, method, str(status)).inc()
            metrics.LATENCY.labels(route).observe(seconds)
            state = scope.get("state") or {}
            path = scope.get("path", "")
            log.log(
                logging.DEBUG if path in QUIET else logging.INFO,
                "%s %s %s",
                method,
                path[:200],
                status,
                extra=fields(
                    method=method,
                    route=route,
                    path=path[:200],
                    status=status,
                    ms=round(seconds * 1000, 1),
                    bytes=sent,
                    client=state.get("client"),
                    scheme=scope.get("scheme"),
                ),
            )
