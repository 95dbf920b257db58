"""Security events as log lines and metrics: every audit event, once its
transaction commits (pwa.security.audit calls `announce`), and every post
refused before it is read (pwa.security.csrf calls `form_refused`)."""

from __future__ import annotations

import logging

from pwa.ops import metrics
from pwa.ops.logs import fields

log = logging.getLogger("sesame.security")

# Audit details safe to copy into a log line: short values from fixed lists.
# Free text (a reason typed by an agent), references and names stay in the database.
SAFE_DETAILS = ("kind", "purpose", "channel", "outcome", "role", "uai", "by", "match", "first")

LOGIN_STEPS = {
    "login.succeeded": ("password", "success"),
    "login.failed": ("password", "failure"),
    "login.passkey": ("passkey", "success"),
    "login.second_factor": ("second_factor", "success"),
    "login.second_factor_failed": ("second_factor", "failure"),
}
RESETS = {
    "password.set": ("numen", "success"),
    "password.failed": ("numen", "failure"),
    "identity.failed": ("numen", "failure"),
    "password.set_letter": ("letter", "success"),
    "letter.code_failed": ("letter", "failure"),
    "password.set_helpdesk": ("helpdesk", "success"),
    "password.reset_backup": ("backup_address", "success"),
    "backup.identity_failed": ("backup_address", "failure"),
    "password.changed": ("account", "success"),
}


def announce(event: str, *, account_id: int | None, actor: str | None, client: str | None, details: dict) -> None:
    metrics.SECURITY_EVENTS.labels(event).inc()
    if event in LOGIN_STEPS:
        metrics.LOGINS.labels(*LOGIN_STEPS[event]).inc()
    via = RESETS.get(event)
    if event == "backup.code_failed" and details.get("purpose") == "reset":
        via = ("backup_address", "failure")
    if via:
        metrics.RESETS.labels(*via).inc()
        if via[1] == "success" and details.get("first"):
            metrics.ACTIVATIONS.labels(via[0]).inc()
    safe = {k: details[k] for k in SAFE_DETAILS if k in details and isinstance(details[k], str | int | bool)}
    level = logging.WARNING if event.endswith("failed") or event.endswith("paused") else logging.INFO
    log.log(
        level,
        event,
        extra=fields(
            event=event,
            account_id=account_id,
            client=client,
            # Staff identifiants stay in the audit table: the line says who kind of actor acted.
            actor=None if actor is None else ("cli" if actor == "cli" else "staff"),
            **safe,
        ),
    )


REASONS = {
    "no_cookie": "no CSRF cookie came with the post: the page expired (browser restarted) or cookies are blocked",
    "bad_token": "the token does not match the cookie: a page from before a sign-in, or a forged post",
    "bad_origin": "the Origin header is neither SESAME_PUBLIC_URL nor the request's own origin",
    "untrusted_proxy": "forwarded headers came from a peer not in SESAME_TRUSTED_PROXIES: the scheme and "
    "host seen are the proxy's, so the browser's Origin does not match",
}


def form_refused(
    reason: str,
    *,
    method: str,
    path: str,
    origin: str | None,
    expected: list[str],
    peer: str | None,
    client: str | None,
) -> None:
    metrics.CSRF_REFUSED.labels(reason).inc()
    log.warning(
        "post refused: %s",
        REASONS[reason],
        extra=fields(
            event="form.refused",
            reason=reason,
            method=method,
            path=path,
            origin=origin,
            expected=expected,
            peer=peer,
            client=client,
        ),
    )
