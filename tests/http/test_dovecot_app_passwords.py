"""App passwords checked by a real Dovecot 2.3 (issue 16), with the files shipped in
docs/dovecot/: IMAP, SMTP AUTH (Dovecot's submission service) and ManageSieve; the
académie option that keeps the main password out of mail apps once a second factor
protects the account; and the last use reported by Dovecot's auth policy hook to a
real Sésame (uvicorn) and shown in Mon compte."""

from __future__ import annotations

import base64
import shutil
import smtplib
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
import uvicorn
from support.app_passwords import PAGE, create, required_profile, shown_value
from support.dovecot import HOST, Dovecot, configure, free_port, imap_login
from support.journeys import GOOD, OTHER_GOOD, login
from support.web import STAFF_CSV, fast_hashing, get, make_settings

pytestmark = pytest.mark.dovecot

TOKEN = "p" * 40


def smtp_login(port: int, user: str, password: str) -> bool:
    """SMTP AUTH (PLAIN) on Dovecot's submission service. Nothing is relayed here, so the
    connection is simply closed once the AUTH answer is in."""
    conn = smtplib.SMTP(HOST, port, timeout=10)
    try:
        conn.ehlo()
        conn.login(user, password)
    except smtplib.SMTPAuthenticationError:
        return False
    finally:
        conn.close()
    return True


def sieve_login(port: int, user: str, password: str) -> bool:
    """ManageSieve AUTHENTICATE PLAIN (RFC 5804) on loopback, where Dovecot allows it in clear."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        reader = sock.makefile("rb")
        while not reader.readline().startswith(b"OK"):
            pass
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        sock.sendall(f'AUTHENTICATE "PLAIN" "{token}"\r\n'.encode())
        answer = reader.readline()
        sock.sendall(b"LOGOUT\r\n")
        return answer.startswith(b"OK")


@dataclass
class World:
    dovecot: Dovecot
    app: object

    @property
    def sesame(self):
        return self.app.state.sesame


@pytest.fixture
def world_factory(engine: str, request) -> Iterator:
    """A Sésame (served by uvicorn, for Dovecot's policy reports) and a Dovecot reading
    its database (SQLite file or PostgreSQL), with Jean and Jeanne holding main passwords."""
    from pwa.app import create_app
    from pwa.importer import import_staff, parse_staff_csv

    folders, servers, threads = [], [], []

    def make(*, required: bool = False) -> World:
        folder = Path(tempfile.mkdtemp(prefix="sesame-dovecot-", dir="/tmp"))
        folders.append(folder)
        port = free_port()
        postgres = request.getfixturevalue("postgres") if engine == "postgresql" else None
        dovecot = configure(
            folder,
            submission=True,
            policy_url=f"http://{HOST}:{port}/dovecot/politique",
            policy_token=TOKEN,
            database_url=postgres.database() if postgres else "",
            postgres=postgres,
        )
        overrides = {"profile_dir": str(required_profile(folder))} if required else {}
        app = create_app(
            make_settings(folder, **dovecot.store, mail_policy_token=TOKEN, **overrides), hashing=fast_hashing()
        )
        s = app.state.sesame
        import_staff(parse_staff_csv(STAFF_CSV.encode()).rows, store=s.store, directory=s.directory, keys=s.keys)
        for login_name, password in (("jdupont", GOOD), ("jdupont1", OTHER_GOOD)):
            s.directory.set_password_hash(s.directory.by_login(login_name).id, s.hashing.hash(password))
        server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append(server)
        threads.append(thread)
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        dovecot.start()
        servers.append(dovecot)
        return World(dovecot, app)

    try:
        yield make
    finally:
        for server in servers:
            if isinstance(server, Dovecot):
                server.stop()
            else:
                server.should_exit = True
        for thread in threads:
            thread.join(timeout=5)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def mistype(value: str) -> str:
    last = value[-1]
    return value[:-1] + ("b" if last != "b" else "c")


def test_app_password_opens_imap_and_smtp_of_its_own_account_only(world_factory):
    world = world_factory()
    s, d = world.sesame, world.dovecot
    jean, jeanne = s.directory.by_login("jdupont"), s.directory.by_login("jdupont1")
    value = s.app_passwords.create(jean, name="Téléphone", scope="mail", days=30, client="192.0.2.1").value
    assert imap_login(d.imap_port, "jdupont", value)
    assert imap_login(d.imap_port, jean.email, value), "the academic address works as user name too"
    assert smtp_login(d.submission_port, "jdupont", value)
    assert imap_login(d.imap_port, "jdupont", GOOD), "the main password still works (option off)"
    assert not imap_login(d.imap_port, "jdupont", mistype(value))
    assert not smtp_login(d.submission_port, "jdupont", mistype(value))
    assert not imap_login(d.imap_port, "jdupont1", value), "another account's app password"
    assert not smtp_login(d.submission_port, "jdupont1", value)
    assert not sieve_login(d.sieve_port, "jdupont", value), "a mail app password is not for Sieve"
    # An out-of-office app password opens ManageSieve only.
    sieve = s.app_passwords.create(jean, name="Filtres", scope="sieve", days=None, client="192.0.2.1").value
    assert sieve_login(d.sieve_port, "jdupont", sieve)
    assert not imap_login(d.imap_port, "jdupont", sieve)
    # Revoked: refused at once.
    s.app_passwords.revoke(jean, s.app_passwords.for_account(jean)[-1].id, "192.0.2.1")
    assert not imap_login(d.imap_port, "jdupont", value)
    assert not smtp_login(d.submission_port, "jdupont", value)
    # Expired (Dovecot compares with its own clock): made 40 days ago, valid 30.
    now = s.store.clock
    s.store.clock = lambda: now() - 40 * 86400
    expired = s.app_passwords.create(jean, name="Ancien", scope="mail", days=30, client="192.0.2.1").value
    s.store.clock = now
    assert not imap_login(d.imap_port, "jdupont", expired)
    assert not smtp_login(d.submission_port, "jdupont", expired)
    # A disabled account's app passwords stop too.
    fresh = s.app_passwords.create(jean, name="Tablette", scope="mail", days=None, client="192.0.2.1").value
    assert imap_login(d.imap_port, "jdupont", fresh)
    s.helpdesk.disable(jean, jeanne, "Départ", "127.0.0.1")
    assert not imap_login(d.imap_port, "jdupont", fresh)


def test_with_the_option_and_a_second_factor_mail_apps_need_an_app_password(world_factory):
    world = world_factory(required=True)
    s, d = world.sesame, world.dovecot
    jean = s.directory.by_login("jdupont")
    assert imap_login(d.imap_port, "jdupont", GOOD), "no second factor yet: the main password works"
    secret = pyotp.random_base32()
    assert s.factors.enrol_totp(jean, secret, pyotp.TOTP(secret).at(s.store.now()), "192.0.2.1")
    assert s.app_passwords.required_for(jean)
    assert not imap_login(d.imap_port, "jdupont", GOOD), "main password refused over IMAP"
    assert not smtp_login(d.submission_port, "jdupont", GOOD), "and for SMTP AUTH"
    assert sieve_login(d.sieve_port, "jdupont", GOOD), "Sésame's out-of-office page still logs in"
    value = s.app_passwords.create(jean, name="Téléphone", scope="mail", days=None, client="192.0.2.1").value
    assert imap_login(d.imap_port, "jdupont", value)
    assert smtp_login(d.submission_port, "jdupont", value)
    assert imap_login(d.imap_port, "jdupont1", OTHER_GOOD), "an account without a factor is not affected"


def test_last_use_appears_on_the_page_after_an_imap_login(world_factory):
    from starlette.testclient import TestClient

    world = world_factory()
    s, d = world.sesame, world.dovecot
    with TestClient(world.app, base_url="https://testserver") as client:
        login(client, "jdupont", GOOD)
        value = shown_value(create(client, name="Téléphone de Nadia"))
        before = get(client, PAGE).soup.select_one(".app-password-list li").get_text(" ", strip=True)
        assert "Dernière utilisation jamais" in before
        assert imap_login(d.imap_port, "jdupont", value)
        deadline = time.monotonic() + 10
        while (
            time.monotonic() < deadline
            and s.app_passwords.for_account(s.directory.by_login("jdupont"))[0].last_used_at is None
        ):
            time.sleep(0.1)
        item = get(client, PAGE).soup.select_one(".app-password-list li")
        text = item.get_text(" ", strip=True)
        assert "Dernière utilisation jamais" not in text, d.log()[-2000:]
        assert "Depuis l'adresse 127.0.0.1" in text
