"""Hostile requests on every route, generated from the app's own route table.

    python reliability/fuzz.py [--requests 20000] [--seed 1] [--workers 1]

Starts `sesame serve --demo` on a fresh database in a temporary folder (or uses
--url), signs in three identities (anonymous, a user, a help-desk agent with her
OTP app), then sends hostile values in path parameters, query strings, form
fields, JSON bodies, CSRF tokens and headers to every route and method, with a
valid CSRF token half of the time so the requests reach the parsers behind it.

Prints the figures (requests, statuses by class, every 5xx with its route, server
log errors) and exits 1 when any response is 5xx or the server logged an error.
A short run is part of the test suite (tests/http/test_reliability.py).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOSTILE = [
    "",
    " ",
    "é",
    "²",
    "①",
    "٣",
    "１２",
    "9" * 30,
    "-1",
    "0",
    "1e309",
    "NaN",
    "null",
    "true",
    "\x00",
    "\x00abc",
    "\r\nSet-Cookie: x=1",
    "A" * 5000,
    "é" * 3000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"; drop table accounts; --',
    "%",
    "%00",
    "%ff",
    "../../../etc/passwd",
    "//evil.example",
    "http://evil.example/",
    "javascript:alert(1)",
    "[]",
    "{}",
    "[" * 200,
    '{"a":' * 100,
    "\u202e\u0644\u0627",
    "😀" * 50,
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
    "13E24DEMO0001",
    "jdupont",
    "jean.dupont@ac-aix-marseille.fr",
    "0130001A",
    "L-ABCD2345",
    "ABCD-EFGH-JKLM",
    "31/02/2000",
    "2026-13-45",
    "99999999999999999999999999999",
]
GENERIC_FIELDS = [
    "identifiant",
    "login",
    "password",
    "confirmation",
    "email",
    "numen",
    "jour",
    "mois",
    "annee",
    "code",
    "methode",
    "nom",
    "prenom",
    "etablissement",
    "uai",
    "reference",
    "compte",
    "lettres",
    "statut",
    "role",
    "q",
    "page",
    "next",
    "debut",
    "fin",
    "objet",
    "message",
    "message_exterieur",
    "frequence",
    "adresse",
    "altcha",
    "reset_factors",
    "input_id",
    "purpose",
    "credential",
]
SIGN_OUT = {"/deconnexion", "/compte/deconnexion-partout"}
GENERIC_QUERY = ["compte", "page", "q", "uai", "identifiant", "reference", "next", "etat", "adresse"]
JSON_BODIES = [
    "[" * 5000 + "]" * 5000,
    "{}",
    "[]",
    "null",
    "1",
    '"x"',
    '{"credential": 5}',
    '{"credential": {"id": []}}',
    '{"purpose": "connexion", "credential": {"id": "é"}}',
    '{"credential": ' + "[" * 100 + "]" * 100 + "}",
    "not json",
    "\xff\xfe",
    '{"name": "' + "x" * 40000 + '"}',
]


@dataclass
class Identity:
    name: str
    client: httpx.Client
    csrf: str = ""


@dataclass
class Figures:
    sent: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    failures: list[str] = field(default_factory=list)
    transport_errors: int = 0
    transport_kinds: collections.Counter = field(default_factory=collections.Counter)
    signed_in: dict[str, bool] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def demo_server(folder: Path, workers: int = 1) -> Iterator[tuple[str, Path]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    env.update(
        SESAME_DB=str(folder / "fuzz.db"),
        SESAME_SECURE_COOKIES="0",
        SESAME_LOG_LEVEL="info",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pwa", "serve", "--demo", "--port", str(port), "--workers", str(workers)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server stopped:\n{log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/sante", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else ""


def solve(client: httpx.Client) -> str:
    import altcha

    challenge = altcha.Challenge.from_dict(client.get("/anti-robot/defi").json())
    solution = altcha.solve_challenge(challenge)
    return altcha.Payload(challenge, solution).to_base64() if solution else ""


def sign_in(url: str, login: str, password: str, totp_key: str | None = None) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30, follow_redirects=True)
    page = client.get("/connexion")
    answer = client.post(
        "/connexion",
        data={
            "csrf_token": csrf_of(page.text),
            "login": login,
            "password": password,
            "altcha": solve(client),
        },
    )
    if totp_key:
        import pyotp

        answer = client.post(
            "/connexion/verification",
            data={
                "csrf_token": csrf_of(answer.text),
                "methode": "totp",
                "code": pyotp.TOTP(totp_key).now(),
            },
        )
    if "Mon compte" not in answer.text:
        raise SystemExit(f"could not sign in as {login} ({answer.status_code})")
    return client


def route_table() -> list[tuple[str, list[str], list[str]]]:
    """(path format, methods, path parameter names) of every route of the demo app."""
    from starlette.routing import Mount, Route

    from pwa.app import routes
    from pwa.settings import Settings

    settings = Settings(db_path=Path("unused.db"), secret_key="x" * 40, demo=True)
    table = []
    for route in routes(settings):
        if isinstance(route, Route):
            methods = sorted((route.methods or {"GET"}) - {"HEAD"})
            table.append((route.path_format, methods, list(route.param_convertors)))
        elif isinstance(route, Mount):
            table.append((route.path + "/css/app.css", ["GET"], []))
            table.append((route.path + "/{path}", ["GET"], ["path"]))
    return table


def form_fields(html: str, path: str) -> list[str]:
    """Names of the inputs of the forms on a page that post to `path`."""
    names = []
    for form in re.finditer(r"<form[^>]*action=\"([^\"]*)\"[^>]*>(.*?)</form>", html, re.S):
        if form.group(1).split("?")[0] == path:
            names += re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', form.group(2))
    return sorted(set(names) - {"csrf_token"})


def fill(path: str, params: list[str], rng: random.Random) -> str:
    for name in params:
        value = rng.choice(HOSTILE + ["1", "2", "999999999999999999", "9223372036854775808"])
        path = path.replace("{" + name + "}", _quote(value) or "x")
    return path


def one_request(identity: Identity, path: str, method: str, fields: list[str], rng: random.Random) -> httpx.Response:
    client = identity.client
    query = {}
    if rng.random() < 0.5:
        for name in rng.sample(GENERIC_QUERY, rng.randint(1, 3)):
            query[name] = rng.choice(HOSTILE)
    headers = {}
    if rng.random() < 0.2:
        headers["Origin"] = rng.choice(["null", "http://evil.example", "é", str(client.base_url)])
    if rng.random() < 0.2:
        headers["HX-Request"] = "true"
    if rng.random() < 0.1:
        headers["X-Forwarded-For"] = rng.choice(["1.2.3.4", "é", "::1, 999.1.1.1", "x" * 500])
    if rng.random() < 0.1:
        headers["Accept-Language"] = rng.choice(HOSTILE).encode("utf-8", "surrogatepass").decode("latin-1")[:200]
    if method == "GET":
        return client.get(path, params=query, headers=_latin(headers))
    # Signing out would turn the signed-in identities anonymous: those posts get a bad token.
    signs_out = path in SIGN_OUT
    token = identity.csrf if rng.random() < 0.6 and not signs_out else rng.choice(HOSTILE)
    kind = rng.random()
    if kind < 0.15:  # JSON, as the passkey scripts send it
        headers.update({"Content-Type": "application/json", "X-CSRF-Token": token})
        body = rng.choice(JSON_BODIES).encode("utf-8", "surrogatepass")
        return client.request(method, path, params=query, content=body, headers=_latin(headers))
    if kind < 0.2:  # a body that is not what it says
        headers["Content-Type"] = rng.choice(
            [
                "multipart/form-data; boundary=x",
                "application/x-www-form-urlencoded; charset=x-unknown",
                "text/plain",
                "multipart/form-data",
            ]
        )
        body = rng.choice([b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n', b"%ff%fe=%00", b"\xff" * 100])
        return client.request(method, path, params=query, content=body, headers=_latin(headers))
    names = (fields or []) + rng.sample(GENERIC_FIELDS, 3)
    data = {name: rng.choice(HOSTILE) if rng.random() < 0.7 else "1" for name in names}
    data["csrf_token"] = token
    if kind < 0.3:  # the same fields as multipart
        files = {k: (None, v.encode("utf-8", "surrogatepass")) for k, v in data.items()}
        return client.request(method, path, params=query, files=files, headers=_latin(headers))
    encoded = "&".join(f"{httpx.URL('/?a=' + k).query.decode()[2:]}={_quote(v)}" for k, v in data.items())
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return client.request(method, path, params=query, content=encoded.encode(), headers=_latin(headers))


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _latin(headers: dict[str, str]) -> dict[str, bytes]:
    """Header values an HTTP client can send at all (no control characters)."""
    clean = {k: re.sub(r"[\x00-\x1f\x7f]", "", v).strip() or "x" for k, v in headers.items()}
    return {k: v.encode("utf-8", "surrogatepass") for k, v in clean.items()}


def run(url: str, requests: int, seed: int) -> Figures:
    from pwa.demo import DEMO_ROLES

    rng = random.Random(seed)
    assistance = DEMO_ROLES[0].totp_key
    identities = [
        Identity("anonyme", httpx.Client(base_url=url, timeout=30)),
        Identity("utilisateur", sign_in(url, "lmartin", "Calanque-Bleue-Soleil-42")),
        Identity("assistance", sign_in(url, "slambert", "Quatre-Mouettes-Sur-Le-Quai", assistance)),
    ]
    for identity in identities:
        identity.client.follow_redirects = False
        identity.csrf = csrf_of(identity.client.get("/compte" if identity.name != "anonyme" else "/connexion").text)
    table = route_table()
    fields: dict[str, list[str]] = {}
    for path, methods, params in table:
        if not params and "GET" in methods:
            for identity in identities:
                with contextlib.suppress(httpx.HTTPError):
                    html = identity.client.get(path).text
                    fields[path] = sorted(set(fields.get(path, [])) | set(form_fields(html, path)))
    figures = Figures()
    cases = [(p, m, params) for p, methods, params in table for m in methods]
    rounds = 0
    while figures.sent < requests:
        rounds += 1
        for path, method, params in cases:
            if figures.sent >= requests:
                break
            identity = identities[(figures.sent + rounds) % len(identities)]
            target = fill(path, params, rng)
            try:
                response = one_request(identity, target, method, fields.get(path, []), rng)
            except httpx.TransportError as exc:
                figures.transport_errors += 1
                figures.transport_kinds[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
                figures.sent += 1
                continue
            figures.sent += 1
            figures.statuses[response.status_code] += 1
            if response.status_code >= 500 and response.status_code != 503:
                figures.failures.append(f"{response.status_code} {method} {path} ({identity.name})")
    for identity in identities[1:]:
        page = identity.client.get("/compte")
        figures.signed_in[identity.name] = page.status_code == 200 and "Mon compte" in page.text
    return figures


def server_errors(log: Path) -> list[str]:
    text = log.read_text(errors="replace")
    return [line for line in text.splitlines() if line.startswith(("ERROR", "Traceback"))]


def report(figures: Figures, errors: list[str], seconds: float) -> bool:
    by_class = collections.Counter(f"{s // 100}xx" for s in figures.statuses.elements())
    print(
        f"hostile requests: {figures.sent} over {len(route_table())} routes in {seconds:.1f} s "
        f"({figures.sent / max(seconds, 0.001):.0f} req/s)"
    )
    print("statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items())))
    print("by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(figures.statuses.items())))
    print(
        f"responses >= 500 (503 'busy' excepted): {len(figures.failures)}; "
        f"503: {figures.statuses.get(503, 0)}; transport errors: {figures.transport_errors}"
    )
    for kind, count in figures.transport_kinds.most_common(5):
        print(f"  {count} × {kind}")
    for line in collections.Counter(figures.failures).most_common(20):
        print(f"  {line[1]} × {line[0]}")
    print(
        "still signed in at the end: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in figures.signed_in.items())
    )
    print(f"server log errors: {len(errors)}")
    for line in errors[:20]:
        print(f"  {line[:200]}")
    return not figures.failures and not errors and not figures.transport_errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, demo_server(Path(folder), args.workers) as (url, log):
        start = time.perf_counter()
        figures = run(url, args.requests, args.seed)
        seconds = time.perf_counter() - start
        time.sleep(0.5)
        ok = report(figures, server_errors(log), seconds)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
