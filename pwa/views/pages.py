"""Home, manifest, health, and the demo's pages."""

from __future__ import annotations

import email
from email import policy as email_policy

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from pwa.demo import DEMO_ROLES, DEMO_STAFF, demo_account
from pwa.mail.demo_smtp import received
from pwa.mfa.totp import grouped
from pwa.settings import ROOT
from pwa.views import render, sesame


async def home(request: Request) -> Response:
    return render(request, "home.html")


async def manifest(request: Request) -> Response:
    return FileResponse(
        ROOT / "manifest.webmanifest",
        media_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


async def health(request: Request) -> Response:
    sesame(request).store.ping()
    return PlainTextResponse("ok")


async def demo(request: Request) -> Response:
    s = sesame(request)
    people = []
    for person in DEMO_STAFF:
        people.append((person, demo_account(s, person)))
    staff = []
    for role in DEMO_ROLES:
        person = next(p for p in DEMO_STAFF if p.numen == role.numen)
        staff.append(
            {"person": person, "account": demo_account(s, person), "role": role, "key": grouped(role.totp_key)}
        )
    return render(request, "demo/index.html", {"people": people, "staff": staff})


async def demo_mailbox(request: Request) -> Response:
    s = sesame(request)
    rows = received(s.store, limit=30)
    messages = []
    for row in rows:
        parsed = email.message_from_string(row["message"], policy=email_policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        messages.append(
            {
                "id": row["id"],
                "to": row["rcpt_to"],
                "subject": str(parsed["Subject"] or ""),
                "date": str(parsed["Date"] or ""),
                "body": body.get_content() if body else "",
            }
        )
    return render(request, "demo/mailbox.html", {"messages": messages, "pending": s.outbox.pending()})
