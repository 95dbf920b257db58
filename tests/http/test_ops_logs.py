"""The access log and the security events (pwa/ops): one JSON object a line with
SESAME_LOG_FORMAT=json, the reason of every refused post, and no secret anywhere."""

from __future__ import annotations

import io
import json
import logging

import pyotp
import pytest
from starlette.testclient import TestClient
from support.factors import enrol_totp
from support.journeys import GOOD, OTHER_GOOD, login, retrieve, set_password_with_numen
from support.web import JEAN, JEANNE, date_fields, get, make_settings, submit

from pwa.ops.logs import JsonFormatter, TextFormatter
from pwa.services.codes import grouped


class ServerSide(logging.Filter):
    """What the app logs, not the test client (httpx logs each URL it requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(("httpx", "httpcore"))  # httpx2 too


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ServerSide())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_full_journey_logs_no_secret(client, sesame, people, clock, json_log):
    secrets = [GOOD, OTHER_GOOD, JEAN.numen, JEAN.numen.lower(), JEANNE.numen]
    for person in (JEAN, JEANNE):
        b = person.birth
        secrets += [f"{b:%d/%m/%Y}", b.isoformat(), f"{b:%d%m%Y}"]
    # Journey 1 and 2: the identifiant, then the password chosen with the NUMEN.
    assert retrieve(client, JEAN.email, numen=JEAN.numen, **date_fields(JEAN.birth)).status == 200
    assert set_password_with_numen(client, JEAN, GOOD).status == 200
    client.cookies.clear()
    assert login(client, "jdupont", "Mauvais-Mot-De-Passe-42").status == 422
    assert login(client, "jdupont", GOOD).h1 == "Mon compte"
    # A second factor: the seed, a code from it, the recovery codes.
    seed, recovery = enrol_totp(client, clock)
    secrets += [seed, seed.lower(), " ".join(seed[i : i + 4] for i in range(0, len(seed), 4)), *recovery]
    client.cookies.clear()
    clock.now += 60
    step2 = login(client, "jdupont", GOOD)
    totp = pyotp.TOTP(seed).at(clock.now)
    secrets.append(totp)
    done = submit(client, step2, "/connexion/verification", methode="totp", code=totp)
    assert done.h1 == "Mon compte"
    # An activation letter's code, typed by Jeanne.
    client.cookies.clear()
    code = sesame.codes.issue(sesame.directory.by_login(JEANNE.identifiant).id, "letter")
    secrets += [code, grouped(code), grouped(code).lower()]
    page = submit(
        client, get(client, f"/activation?identifiant={JEANNE.identifiant}"), "/activation", code=grouped(code)
    )
    chosen = submit(client, page, "/mot-de-passe/nouveau", password=OTHER_GOOD, confirmation=OTHER_GOOD)
    assert chosen.status == 200
    # A post with a stale token is refused and logged, without the token.
    stale = "x" * 43
    secrets.append(stale)
    assert (
        client.post("/connexion", data={"csrf_token": stale, "login": "jdupont", "password": GOOD}).status_code == 403
    )

    text = json_log.getvalue()
    records = lines(json_log)  # every line is one JSON object
    for secret in secrets:
        assert secret not in text, f"{secret!r} reached the log"
    for person in (JEAN, JEANNE):  # personal identifiers stay out too
        assert person.email not in text
    access = [r for r in records if r["logger"] == "sesame.access"]
    routes = {(r["method"], r["route"], r["status"]) for r in access}
    assert ("POST", "/mot-de-passe/nouveau", 303) in routes or ("POST", "/mot-de-passe/nouveau", 200) in routes
    assert ("GET", "/activation", 200) in routes
    assert all(isinstance(r["ms"], float) and r["client"] == "testclient" for r in access)
    events = [r["event"] for r in records if r["logger"] == "sesame.security"]
    for expected in (
        "identifiant.retrieved",
        "password.set",
        "login.failed",
        "login.succeeded",
        "factor.added",
        "login.second_factor",
        "password.set_letter",
        "form.refused",
    ):
        assert expected in events, f"{expected} not logged"
    refused = next(r for r in records if r.get("event") == "form.refused")
    assert refused["reason"] == "bad_token" and refused["path"] == "/connexion"
    assert refused["level"] == "WARNING"


def test_query_strings_never_reach_the_access_log(client, json_log):
    client.get("/activation?identifiant=jdupont&code=ABCD-EFGH-JKLM")
    line = next(r for r in lines(json_log) if r["logger"] == "sesame.access")
    assert line["path"] == "/activation" and line["route"] == "/activation"
    assert "ABCD" not in json_log.getvalue() and "jdupont" not in json_log.getvalue()


def test_unknown_paths_get_no_route_template(client, json_log):
    client.get("/static/css/altcha-field.css")
    client.get("/nulle-part/13E24TEST0001")
    access = [r for r in lines(json_log) if r["logger"] == "sesame.access"]
    assert [(r["route"], r["status"]) for r in access] == [("/static/{path}", 200), ("(aucune)", 404)]


@pytest.mark.parametrize(
    ("headers", "cookies", "reason"),
    [
        ({}, False, "no_cookie"),
        ({"origin": "https://ailleurs.example"}, True, "bad_origin"),
        ({"origin": "https://testserver"}, True, "bad_token"),
    ],
)
def test_every_refused_post_is_logged_with_its_reason(client, json_log, headers, cookies, reason):
    if cookies:
        get(client, "/connexion")  # the CSRF cookie
    else:
        client.cookies.clear()
    response = client.post("/connexion", data={"csrf_token": "faux", "login": "x"}, headers=headers)
    assert response.status_code == 403
    refused = [r for r in lines(json_log) if r.get("event") == "form.refused"]
    assert [r["reason"] for r in refused] == [reason]
    assert refused[0]["method"] == "POST" and "faux" not in json_log.getvalue()


def test_a_proxy_missing_from_the_trusted_list_is_named(tmp_path, json_log):
    """TLS ends at a proxy that is not trusted: its X-Forwarded-Proto is ignored, the
    browser's https origin does not match, the post is refused, and the log says why."""
    from pwa.app import create_app

    app = create_app(make_settings(tmp_path, trusted_proxies=(), secure_cookies=False))
    headers = {"x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.7", "origin": "https://testserver"}
    with TestClient(app, base_url="http://testserver", client=("10.0.0.2", 4000)) as proxied:
        page = get(proxied, "/connexion")
        data = page.form("/connexion")
        assert proxied.post("/connexion", data=data, headers=headers).status_code == 403
    refused = next(r for r in lines(json_log) if r.get("event") == "form.refused")
    assert refused["reason"] == "untrusted_proxy" and refused["peer"] == "10.0.0.2"
    assert "SESAME_TRUSTED_PROXIES" in refused["msg"]
    assert refused["expected"] == ["http://testserver"]


def test_a_trusted_proxy_gives_the_scheme_and_the_client(tmp_path, json_log):
    from ipaddress import ip_network

    from pwa.app import create_app

    app = create_app(make_settings(tmp_path, trusted_proxies=(ip_network("10.0.0.2/32"),), secure_cookies=False))
    headers = {"x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.7", "origin": "https://testserver"}
    with TestClient(app, base_url="http://testserver", client=("10.0.0.2", 4000)) as proxied:
        page = get(proxied, "/connexion")
        response = proxied.post(
            "/connexion", data={**page.form("/connexion"), "login": "x", "password": "y"}, headers=headers
        )
        assert response.status_code == 422  # read and answered (unknown account), not refused
    posted = [r for r in lines(json_log) if r["logger"] == "sesame.access" and r["method"] == "POST"]
    assert posted[0]["client"] == "192.0.2.7" and posted[0]["scheme"] == "https"
    assert not [r for r in lines(json_log) if r.get("event") == "form.refused"]


def test_text_format_keeps_the_old_line_and_adds_fields():
    record = logging.LogRecord("sesame.access", logging.INFO, __file__, 1, "GET %s", ("/",), None)
    record.fields = {"route": "/", "status": 200, "msg": "a b"}
    assert TextFormatter().format(record) == 'INFO sesame.access: GET / route=/ status=200 msg="a b"'
