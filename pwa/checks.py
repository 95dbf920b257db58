"""`sesame check`: tries what the configuration points at (the database, the SMTP server,
IMAP and ManageSieve) and says in French what is wrong. Nothing is written or sent, and no
user password is used: IMAP and ManageSieve are opened, secured (TLS) and closed."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import socket
import sqlite3
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import aiosmtplib

from pwa.profile import Profile
from pwa.services.mailbox import IMPLICIT_TLS, MailServers
from pwa.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def reason(error: BaseException, timeout: float) -> str:
    """A connection failure in French, without any secret in it."""
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return "identifiant ou mot de passe SMTP refusé par le serveur"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificat TLS refusé ({error.verify_message})"
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return "échec de la négociation TLS"
    if isinstance(error, TimeoutError | socket.timeout | aiosmtplib.SMTPTimeoutError):
        return f"pas de réponse en {timeout:g} s"
    if isinstance(error, socket.gaierror):
        return "nom de serveur inconnu"
    if isinstance(error, ConnectionRefusedError | aiosmtplib.SMTPConnectError):
        return "connexion refusée (rien n'écoute sur ce port ?)"
    if isinstance(error, OSError):
        return f"injoignable ({error.strerror or type(error).__name__})"
    return f"erreur ({type(error).__name__})"


def check_postgres(url: str) -> Check:
    """PostgreSQL answers, the migrations ran and Sésame's role may write its tables."""
    import psycopg

    from pwa.pg import where
    from pwa.pg_store import reason

    name = f"PostgreSQL {where(url)}"
    try:
        with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
            migrated = conn.execute("select to_regclass('sesame_migrations') is not null").fetchone()
            if not migrated or not migrated[0]:
                return Check("Base de données", False, f"{name} : base vide ; « sesame migrate » la prépare.")
            writable = conn.execute(
                "select has_table_privilege(current_user, 'accounts', 'INSERT, UPDATE, DELETE')"
            ).fetchone()
    except psycopg.Error as error:
        return Check("Base de données", False, f"{name} : {reason(error)}")
    if not writable or not writable[0]:
        return Check("Base de données", False, f"{name} : le rôle de Sésame ne peut pas modifier les comptes.")
    return Check("Base de données", True, f"{name} : joignable et modifiable.")


def check_database(settings: Settings) -> Check:
    if settings.database_url:
        return check_postgres(settings.database_url)
    path = settings.db_path
    if not path.exists():
        return Check("Base de données", False, f"{path} n'existe pas ; « sesame migrate » la crée.")
    try:
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=5)
        try:
            verdict = db.execute("pragma quick_check").fetchone()[0]
            db.execute("begin immediate")  # a write lock, released at once: nothing written
            db.rollback()
        finally:
            db.close()
    except sqlite3.Error as error:
        return Check("Base de données", False, f"{path} : {error} (droits, disque ou verrou ?)")
    if verdict != "ok":
        return Check("Base de données", False, f"{path} : fichier abîmé ({verdict}).")
    return Check("Base de données", True, f"{path} : lisible et modifiable.")


def check_smtp(settings: Settings) -> Check:
    where = f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_tls})"

    async def probe() -> None:
        smtp = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            timeout=settings.smtp_timeout,
        )
        await smtp.connect()
        try:
            if settings.smtp_user:
                await smtp.login(settings.smtp_user, settings.smtp_password)
        finally:
            with contextlib.suppress(aiosmtplib.SMTPException):
                await smtp.quit()

    try:
        with ThreadPoolExecutor(1) as thread:  # its own event loop, whoever calls
            thread.submit(lambda: asyncio.run(probe())).result()
    except Exception as error:  # every failure is told, none is raised
        return Check("SMTP", False, f"{where} : {reason(error, settings.smtp_timeout)}.")
    login = ", authentifié" if settings.smtp_user else ""
    return Check("SMTP", True, f"{where} : connexion réussie{login}.")


def check_imap(servers: MailServers) -> Check:
    server = servers.imap
    where = f"{server.host}:{server.port} ({server.security})"
    conn: imaplib.IMAP4
    try:
        if server.security == IMPLICIT_TLS:
            conn = imaplib.IMAP4_SSL(
                server.host, server.port, ssl_context=servers.tls_context(), timeout=servers.timeout
            )
        else:
            conn = imaplib.IMAP4(server.host, server.port, timeout=servers.timeout)
            conn.starttls(ssl_context=servers.tls_context())
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()
    except (OSError, imaplib.IMAP4.error) as error:
        return Check("IMAP", False, f"{where} : {reason(error, servers.timeout)}.")
    return Check("IMAP", True, f"{where} : connexion chiffrée réussie.")


def _sieve_line(sock: socket.socket | ssl.SSLSocket, buffer: list[bytes]) -> bytes:
    data = b"".join(buffer)
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("connexion fermée")
        data += chunk
    line, rest = data.split(b"\r\n", 1)
    buffer[:] = [rest]
    return line


def _sieve_until_ok(sock, buffer: list[bytes]) -> None:
    while True:
        line = _sieve_line(sock, buffer).upper()
        if line.startswith(b"OK"):
            return
        if line.startswith((b"NO", b"BYE")):
            raise ConnectionError(line.decode(errors="replace"))


def check_managesieve(servers: MailServers) -> Check:
    server = servers.managesieve
    where = f"{server.host}:{server.port} ({server.security})"
    context = servers.tls_context()
    try:
        with socket.create_connection((server.host, server.port), timeout=servers.timeout) as raw:
            sock = raw
            if server.security == IMPLICIT_TLS:
                sock = context.wrap_socket(raw, server_hostname=server.host)
            buffer: list[bytes] = []
            _sieve_until_ok(sock, buffer)  # the greeting: capabilities, then OK
            if server.security != IMPLICIT_TLS:
                sock.sendall(b"STARTTLS\r\n")
                _sieve_until_ok(sock, buffer)
                sock = context.wrap_socket(raw, server_hostname=server.host)
                buffer = []
                _sieve_until_ok(sock, buffer)  # capabilities again, over TLS
            sock.sendall(b"LOGOUT\r\n")
    except (OSError, ssl.SSLError) as error:
        return Check("ManageSieve", False, f"{where} : {reason(error, servers.timeout)}.")
    return Check("ManageSieve", True, f"{where} : connexion chiffrée réussie.")


def run_checks(settings: Settings, profile: Profile) -> list[Check]:
    servers = MailServers(settings, profile)
    return [
        check_database(settings),
        check_smtp(settings),
        check_imap(servers),
        check_managesieve(servers),
    ]
