"""Brute force through trusted-proxy addresses: one account, many addresses, at once.

    python3 reliability/bruteforce.py [--guesses 1000] [--addresses 200] [--concurrency 64]

Starts `uvicorn bench.app:create --factory` (the proof of work skipped, so every
guess reaches the throttle: the hardest case) with SESAME_TRUSTED_PROXIES=127.0.0.1
on a fresh demo database, then sends wrong passwords (POST /connexion) and wrong
NUMENs with the right birth date (POST /mot-de-passe/verification) for one demo
account, each from an X-Forwarded-For address among `--addresses` distinct ones,
`--concurrency` at a time.

Prints the successes (must be 0), the guesses evaluated for the account (must be at
most 25 in 24 h, the CNIL cap), counted twice: from the answers (422 = evaluated and
wrong, 429 = refused before any check, 503 = busy, not evaluated) and from the
database (the throttle's failure rows for the account; the audit trail's folded
refusals are shown too), the
addresses the server saw, and the statuses. Exits 1 on any violation.
A short run is in tests/http/test_reliability.py.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import secrets
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.run import Server  # noqa: E402

CAP = 25  # evaluated guesses per account per 24 h (pwa/security/throttle.py DAILY_BUDGET)
TARGET = ("lmartin", "05", "09", "1996", "13E23DEMO0004")  # a demo account with a password


def seed(env: dict[str, str]) -> int:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from pwa.context import Sesame
        from pwa.demo import seed_demo
        from pwa.settings import Settings

        s = Sesame.build(Settings.from_env())
        seed_demo(s)
        account = s.directory.by_login(TARGET[0])
        assert account is not None and account.password_hash, "the demo account has no password"
        s.store.close()
        return account.id
    finally:
        os.environ.clear()
        os.environ.update(saved)


def anonymous(url: str, path: str) -> tuple[str, str]:
    """(Cookie header, csrf_token) of a fresh visitor on `path`."""
    page = httpx.get(url + path, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return "; ".join(f"{k}={v}" for k, v in page.cookies.items()), token


def guesses(n: int, addresses: list[str], url: str) -> list[tuple[str, dict, dict]]:
    """(path, form, headers) of each guess: wrong passwords and wrong NUMENs, alternately."""
    login, day, month, year, numen = TARGET
    sign_in = anonymous(url, "/connexion")
    reset = anonymous(url, f"/mot-de-passe/verification?identifiant={login}")
    out = []
    for i in range(n):
        address = addresses[i % len(addresses)]
        if i % 2:
            wrong = numen
            while wrong == numen:
                wrong = f"13E23DEMO{random.randrange(10_000):04d}"
            data = {"identifiant": login, "jour": day, "mois": month, "annee": year, "numen": wrong}
            path, (cookie, token) = "/mot-de-passe/verification", reset
        else:
            data = {"login": login, "password": f"Mauvais-{secrets.token_hex(6)}-Mot"}
            path, (cookie, token) = "/connexion", sign_in
        out.append((path, {**data, "csrf_token": token}, {"Cookie": cookie, "X-Forwarded-For": address}))
    return out


async def attack(url: str, plan, concurrency: int) -> collections.Counter:
    statuses: collections.Counter = collections.Counter()
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:

        async def one(path: str, data: dict, headers: dict) -> None:
            async with gate:
                try:
                    response = await client.post(path, data=data, headers=headers)
                    statuses[(path, response.status_code)] += 1
                except httpx.HTTPError as error:
                    statuses[(path, type(error).__name__)] += 1
                client.cookies.clear()  # every guess comes as a stranger

        await asyncio.gather(*(one(*g) for g in plan))
    return statuses


def from_database(db: Path, account_id: int) -> dict:
    """Evaluated guesses as the server recorded them."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    audited, clients = 0, 0
    for row in con.execute(
        "select details from audit where account_id = ? and event in ('login.failed', 'password.failed')",
        (account_id,),
    ):
        details = json.loads(row["details"] or "{}")
        audited += details.get("count", 1) if isinstance(details, dict) else 1
        clients += details.get("distinct_clients", 1) if isinstance(details, dict) else 1
    failures, failure_clients = con.execute(
        "select count(*), count(distinct client) from failures where subject = ?", (f"account:{account_id}",)
    ).fetchone()
    succeeded = con.execute(
        "select count(*) from audit where account_id = ? and event in ('login.succeeded', 'identity.verified')",
        (account_id,),
    ).fetchone()[0]
    con.close()
    return {
        "audited": audited,
        "failure_rows": failures,
        "failure_clients": failure_clients,
        "succeeded": succeeded,
        "clients": clients,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guesses", type=int, default=1000)
    parser.add_argument("--addresses", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sesame-brute-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    env.update(
        SESAME_DB=str(folder / "brute.db"),
        SESAME_SECRET_KEY=secrets.token_urlsafe(48),
        SESAME_DEMO="1",
        SESAME_SECURE_COOKIES="0",
        SESAME_LOG_LEVEL="WARNING",
        SESAME_SMTP_HOST="127.0.0.1",
        SESAME_SMTP_TLS="none",
        SESAME_TRUSTED_PROXIES="127.0.0.1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    addresses = [f"203.0.{i // 250}.{i % 250 + 1}" for i in range(args.addresses)]
    server = None
    try:
        account_id = seed(env)
        server = Server(env, folder, workers=args.workers, pin=None)
        plan = guesses(args.guesses, addresses, server.url)
        statuses = asyncio.run(attack(server.url, plan, args.concurrency))
        server.stop()
        db = from_database(folder / "brute.db", account_id)
        log_errors = sum("Traceback" in line for line in server.log.read_text().splitlines())
    finally:
        if server:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    successes = sum(n for (_, status), n in statuses.items() if status in (200, 302, 303))
    answered = sum(n for (_, status), n in statuses.items() if status == 422)
    errors = sum(n for (_, status), n in statuses.items() if not isinstance(status, int) or status >= 500)
    busy = sum(n for (_, status), n in statuses.items() if status == 503)
    print(
        f"brute force: {args.guesses} guesses for {TARGET[0]!r} (half wrong passwords, half wrong NUMENs"
        f" with the right birth date) from {len(addresses)} X-Forwarded-For addresses,"
        f" {args.concurrency} at a time, {args.workers} workers"
    )
    for (path, status), n in sorted(statuses.items(), key=str):
        print(f"  {path:28} {status}: {n}")
    print(f"successes: {successes} (audit: {db['succeeded']})")
    print(f"evaluated guesses (answers 422): {answered}")
    print(f"evaluated guesses (throttle failure rows): {db['failure_rows']}, from {db['failure_clients']} addresses")
    print(
        f"refusals in the audit trail: {db['audited']} (throttled NUMEN refusals included),"
        f" addresses listed: {db['clients']}"
    )
    print(
        f"503 busy (not evaluated): {busy}; server errors (5xx other than 503, or transport): {errors - busy};"
        f" server log tracebacks: {log_errors}"
    )
    evaluated = max(answered, db["failure_rows"])
    violations = []
    if successes or db["succeeded"]:
        violations.append("a guess succeeded")
    if evaluated > CAP:
        violations.append(f"{evaluated} guesses evaluated, more than {CAP}")
    if errors - busy or log_errors:
        violations.append("server errors")
    if db["failure_clients"] < min(CAP, len(addresses)) // 2:
        violations.append("the forwarded addresses were not believed")
    print("verdict: " + ("; ".join(violations) if violations else f"ok (at most {CAP} evaluated, 0 successes)"))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
