"""Prometheus metrics (prometheus-client). Labels are route templates, statuses,
outcomes and reasons from fixed lists: never a path, an identifiant or an address.

Counters live in the process that counts. With several uvicorn workers, `sesame
serve` points PROMETHEUS_MULTIPROC_DIR at a folder (SESAME_METRICS_DIR, or a
fresh one) before any worker starts: each worker writes its counters there and a
scrape, whichever process answers it, adds them up (MultiProcessCollector).
Figures read from the database (outbox backlog, accounts) are computed at scrape
time, so they are the same whoever answers."""

from __future__ import annotations

import asyncio
import hmac
import os
import socket
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from pwa.store import Store

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "sesame_http_requests",
    "HTTP requests by route template, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "sesame_http_request_duration_seconds",
    "Time to answer, by route template.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
LOGINS = Counter(
    "sesame_logins",
    "Sign-in steps by step (password, passkey, second_factor) and outcome.",
    ["step", "outcome"],
    registry=REGISTRY,
)
RESETS = Counter(
    "sesame_password_resets",
    "Passwords chosen or refused, by way (numen, letter, helpdesk, backup_address, account) and outcome.",
    ["via", "outcome"],
    registry=REGISTRY,
)
ACTIVATIONS = Counter(
    "sesame_activations",
    "Accounts given their first password, by way.",
    ["via"],
    registry=REGISTRY,
)
THROTTLED = Counter(
    "sesame_throttled",
    "Secret checks refused by the throttle, by reason (delay, paused, flood).",
    ["reason"],
    registry=REGISTRY,
)
CSRF_REFUSED = Counter(
    "sesame_form_refusals",
    "Posts refused before reading them, by reason (pwa.security.csrf).",
    ["reason"],
    registry=REGISTRY,
)
SECURITY_EVENTS = Counter(
    "sesame_security_events",
    "Audit events, by event name.",
    ["event"],
    registry=REGISTRY,
)
OUTBOX_SENT = Counter("sesame_outbox_sent", "Mails handed to the SMTP server.", registry=REGISTRY)
OUTBOX_FAILURES = Counter(
    "sesame_outbox_send_failures",
    "SMTP attempts that failed (retried later).",
    registry=REGISTRY,
)


class DatabaseCollector:
    """Gauges read from the database at scrape time (the same for every worker)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self):
        from pwa.directory import SqliteDirectory
        from pwa.mail.outbox import backlog

        waiting = backlog(self.store)
        yield GaugeMetricFamily("sesame_outbox_backlog", "Mails waiting to be sent.", value=waiting["pending"] or 0)
        yield GaugeMetricFamily(
            "sesame_outbox_given_up", "Mails abandoned after every attempt failed.", value=waiting["given_up"] or 0
        )
        oldest = waiting["oldest"]
        yield GaugeMetricFamily(
            "sesame_outbox_oldest_seconds",
            "Age of the oldest mail waiting (0: none).",
            value=max(0.0, self.store.now() - oldest) if oldest else 0.0,
        )
        family = GaugeMetricFamily("sesame_accounts", "Accounts by state.", labels=["state"])
        for state, n in SqliteDirectory(self.store, "").count_by_state().items():
            family.add_metric([state], n)
        yield family


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def exposition(store: Store) -> bytes:
    """The text a scrape gets: this process's counters (or every worker's), then
    the database gauges."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        counters = CollectorRegistry()
        mp.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(DatabaseCollector(store))
    return generate_latest(counters) + generate_latest(gauges)


def routes(token: str) -> list[Route]:
    """/metrics on the app's own address, behind a bearer token (none without one)."""
    if not token:
        return []
    expected = f"Bearer {token}".encode()

    async def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode("utf-8", "surrogatepass")
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("Jeton absent ou faux.", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        body = await asyncio.to_thread(exposition, request.app.state.sesame.store)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    return [Route("/metrics", metrics, name="metrics")]


def start_listener(host: str, port: int, store: Store):
    """A separate listener (a thread of `sesame serve`) that serves only metrics,
    without a token: bind it to an address only the scraper reaches."""

    def app(environ, start_response):
        if environ.get("PATH_INFO") not in ("/", "/metrics"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found"]
        body = exposition(store)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [body]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:  # scrapes are not access-logged
            pass

    class Server(WSGIServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    server = make_server(host, port, app, Server, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, name="sesame-metrics", daemon=True).start()
    return server
