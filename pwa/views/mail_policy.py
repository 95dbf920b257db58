"""POST /dovecot/politique: Dovecot's authentication policy hook (auth_policy_*), used
only to learn that an app password was accepted, when and from which address (issue 16).

Dovecot's auth process reports every authentication once it is decided
(`auth_policy_report_after_auth`), with the attributes the shipped configuration asks
for: login, remote address, protocol, and the `sesame_app_password` field that the
app-password passdb returns (the row's id). Sésame answers "no objection" (status 0)
to every request: it never decides a login here, and Dovecot logs in as usual when
Sésame is down (`auth_policy_reject_on_fail = no`). The route exists only with
SESAME_MAIL_POLICY_TOKEN, which Dovecot sends as a bearer token
(`auth_policy_server_api_header`)."""

from __future__ import annotations

import hmac
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa.views import sesame

MAX_BODY = 8_000
NO_OBJECTION = {"status": 0, "msg": ""}


def routes(token: str) -> list[Route]:
    if not token:
        return []
    expected = f"Bearer {token}".encode()

    async def report(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode("utf-8", "surrogatepass")
        if not hmac.compare_digest(given, expected):
            return JSONResponse({"status": 0, "msg": "jeton absent ou faux"}, status_code=401)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse(NO_OBJECTION, status_code=413)
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return JSONResponse(NO_OBJECTION, status_code=400)
        if not isinstance(data, dict):
            return JSONResponse(NO_OBJECTION, status_code=400)
        app, login, remote = (data.get(k) for k in ("app", "login", "remote"))
        if (
            request.query_params.get("command") == "report"
            and data.get("success") is True
            and isinstance(app, str)
            and isinstance(login, str)
            and isinstance(remote, str)
            and app
            and login
            and remote
        ):
            await run_in_threadpool(
                sesame(request).app_passwords.record_use,
                app_password_id=app,
                login=login,
                client=remote,
            )
        return JSONResponse(NO_OBJECTION)

    return [Route("/dovecot/politique", report, methods=["POST"], name="mail_policy")]
