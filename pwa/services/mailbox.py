"""Sésame's own connections to the mail server, always AS THE USER with the password
they typed for that one action (never stored, no master credentials):

- an IMAP login for "Tester ma connexion", with a French diagnosis of what went wrong;
- a ManageSieve session (RFC 5804, sievelib) for the out-of-office script.

Blocking code (sockets, TLS): views call it in a thread. Every connection has a short
timeout, and TLS always verifies the server (system CAs, plus SESAME_MAIL_CA_FILE).
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from sievelib import managesieve

from pwa.profile import Profile, Server
from pwa.settings import Settings

IMPLICIT_TLS = "SSL/TLS"


@dataclass(frozen=True)
class Diagnosis:
    """What happened when Sésame tried the mail server. `kind` is one of:
    ok, refused (the server refused the password), unreachable, timeout, tls, error."""

    kind: str
    messages: int | None = None
    unseen: int | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


class MailError(Exception):
    """A connection that failed, with its diagnosis kind (not ok)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def classify(error: BaseException) -> str:
    """The diagnosis kind of a connection error (no secret in any of them)."""
    if isinstance(error, MailError):
        return error.kind
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return "tls"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(error, OSError):  # refused, no route, unknown host name
        return "unreachable"
    return "error"


class MailServers:
    """The servers to reach (the profile's, or the settings' overrides) and how."""

    def __init__(self, settings: Settings, profile: Profile) -> None:
        self.imap = Server(
            settings.imap_host or profile.imap.host,
            settings.imap_port or profile.imap.port,
            profile.imap.security,
        )
        self.managesieve = Server(
            settings.managesieve_host or profile.managesieve.host,
            settings.managesieve_port or profile.managesieve.port,
            profile.managesieve.security,
        )
        self.ca_file = settings.mail_ca_file
        self.timeout = settings.mail_timeout

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context

    # -- IMAP ------------------------------------------------------------------------
    def imap_check(self, login: str, password: str) -> Diagnosis:
        """Log in to IMAP as the user and open INBOX read-only."""
        server = self.imap
        conn: imaplib.IMAP4
        try:
            if server.security == IMPLICIT_TLS:
                conn = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=self.tls_context(), timeout=self.timeout)
            else:
                conn = imaplib.IMAP4(server.host, server.port, timeout=self.timeout)
                conn.starttls(ssl_context=self.tls_context())
        except (OSError, imaplib.IMAP4.error) as error:
            return Diagnosis(classify(error) if isinstance(error, OSError) else "error")
        try:
            try:
                conn.login(login, password)
            except imaplib.IMAP4.error as error:
                # [UNAVAILABLE] is the server's own trouble, not the password's (RFC 5530).
                return Diagnosis("error" if "UNAVAILABLE" in str(error) else "refused")
            status, data = conn.status("INBOX", "(MESSAGES UNSEEN)")
            counts = _status_counts(data[0] if status == "OK" and data else b"")
            return Diagnosis("ok", counts.get("MESSAGES"), counts.get("UNSEEN"))
        except (OSError, imaplib.IMAP4.error) as error:
            return Diagnosis(classify(error) if isinstance(error, OSError) else "error")
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                conn.logout()

    # -- ManageSieve -----------------------------------------------------------------
    @contextlib.contextmanager
    def sieve(self, login: str, password: str) -> Iterator[SieveSession]:
        """An authenticated ManageSieve session (STARTTLS, or implicit TLS when the
        profile says SSL/TLS). Raises MailError."""
        server = self.managesieve
        client = _SieveClient(server.host, server.port, self.tls_context(), self.timeout)
        try:
            client.open(login, password, implicit_tls=server.security == IMPLICIT_TLS)
            yield SieveSession(client)
        except MailError:
            raise
        except (OSError, managesieve.Error) as error:
            raise MailError(_sieve_kind(error), str(error)) from error
        finally:
            with contextlib.suppress(OSError, managesieve.Error):
                if client.authenticated:
                    client.logout()
            client.close()


def _status_counts(line: bytes) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in re.findall(rb"(MESSAGES|UNSEEN) (\d+)", line)}


def _sieve_kind(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, managesieve.Error):
        if "SSL" in text or "certificate" in text:
            return "tls"
        if "Failed to read" in text:
            return "timeout"
        if "Connection" in text:
            return "unreachable"
        return "error"
    return classify(error)


class _SieveClient(managesieve.Client):
    """sievelib's client with a verifying TLS context of ours and timeouts on every
    socket operation (its own connect() has none)."""

    sock: socket.socket | None  # sievelib's, untyped

    def __init__(self, host: str, port: int, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(host, port)
        self._context = context
        self._timeout = timeout

    def _Client__enable_ssl(self, keyfile: str | None = None, certfile: str | None = None) -> None:  # noqa: N802
        # Replaces sievelib's, which trusts only the system CAs: ours adds SESAME_MAIL_CA_FILE.
        assert self.sock is not None  # connected by open()
        try:
            self.sock = self._context.wrap_socket(self.sock, server_hostname=self.srvhostname)
        except (ssl.SSLError, ssl.CertificateError) as error:
            raise MailError("tls", str(error)) from error

    def open(self, login: str, password: str, *, implicit_tls: bool) -> None:
        self.sock = socket.create_connection((self.srvaddr, self.srvport), timeout=self._timeout)
        if implicit_tls:
            self._Client__enable_ssl()
        if not self._Client__get_capabilities():
            raise MailError("error", "no capabilities")
        if not implicit_tls and not self._Client__starttls():
            raise MailError("tls", "STARTTLS refused")
        if not self._Client__authenticate(login, password):
            raise MailError("refused")

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None


class SieveSession:
    """The few ManageSieve commands Sésame needs; each failure raises MailError."""

    def __init__(self, client: _SieveClient) -> None:
        self.client = client

    def _ok(self, done: bool, what: str) -> None:
        if not done:
            message = (self.client.errmsg or b"").decode("utf-8", "replace")
            raise MailError("error", f"{what}: {message}")

    def scripts(self) -> tuple[str | None, list[str]]:
        """(the active script's name or None, every script's name)."""
        listing = self.client.listscripts()
        if listing is None:
            raise MailError("error", "LISTSCRIPTS")
        active, others = listing
        return active, ([active] if active else []) + others

    def get(self, name: str) -> str:
        content = self.client.getscript(name)
        if content is None:
            raise MailError("error", f"GETSCRIPT {name}")
        return content

    def put(self, name: str, content: str) -> None:
        self._ok(self.client.putscript(name, content), f"PUTSCRIPT {name}")

    def activate(self, name: str) -> None:
        """Make `name` the active script; "" leaves no script active."""
        self._ok(self.client.setactive(name), f"SETACTIVE {name}")

    def delete(self, name: str) -> None:
        self._ok(self.client.deletescript(name), f"DELETESCRIPT {name}")
