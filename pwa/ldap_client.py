"""Talking to the académie's LDAP directory (ldap3): TLS, Sésame's service bind, the
person's own bind, Password Modify (RFC 3062) and the password-policy control
(draft-behera-ldap-password-policy), whose answer ldap3 leaves undecoded.

Every failure to reach the directory (refused, reset, timed out, TLS refused, the
service account refused) becomes `DirectoryUnavailable`; nothing else escapes."""

from __future__ import annotations

import contextlib
import logging
import math
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import ldap3
from ldap3.core.exceptions import LDAPException, LDAPPasswordIsMandatoryError
from ldap3.utils.conv import escape_filter_chars

from pwa.directory import DirectoryUnavailable, PasswordRefused

log = logging.getLogger("sesame.ldap")

PPOLICY = "1.3.6.1.4.1.42.2.27.8.5.1"
PPOLICY_CONTROL = (PPOLICY, False, None)
LOCKED_FOREVER = "000001010000Z"  # ppolicy: locked by an administrator, until unlocked

# ppolicy error codes → what the person reads on the password page.
REFUSALS = {
    0: "Votre mot de passe a expiré. Contactez l'assistance.",
    1: "Votre compte est verrouillé dans l'annuaire. Contactez l'assistance.",
    3: "L'annuaire n'autorise pas ce changement. Contactez l'assistance.",
    5: "L'annuaire de l'académie refuse ce mot de passe : il ne respecte pas ses règles. Choisissez-en un autre.",
    6: "L'annuaire de l'académie demande un mot de passe plus long. Ajoutez des caractères.",
    7: "Votre mot de passe a été changé il y a trop peu de temps. Réessayez plus tard.",
    8: "Vous avez déjà utilisé ce mot de passe. Choisissez-en un que vous n'avez jamais utilisé.",
}
REFUSED = "L'annuaire de l'académie refuse ce mot de passe. Choisissez-en un autre."


def ppolicy_error(controls: dict | None) -> int | None:
    """The error code of a password-policy response control (BER: SEQUENCE { [0] warning
    OPTIONAL, [1] ENUMERATED error OPTIONAL }), or None."""
    value = ((controls or {}).get(PPOLICY) or {}).get("value") or b""
    if len(value) < 2 or value[0] != 0x30:
        return None
    i, end = 2, 2 + value[1]
    while i + 2 <= min(end, len(value)):
        tag, length = value[i], value[i + 1]
        if tag == 0x81 and length >= 1:
            return int.from_bytes(value[i + 2 : i + 2 + length], "big")
        i += 2 + length
    return None


@dataclass(frozen=True)
class LdapConfig:
    url: str
    bind_dn: str
    bind_password: str
    base_dn: str
    starttls: bool = True
    ca_file: str = ""
    filter: str = "(objectClass=inetOrgPerson)"
    timeout: float = 5.0

    @property
    def ldaps(self) -> bool:
        return self.url.startswith("ldaps://")


class LdapClient:
    """One service connection per thread, opened when first needed and opened again
    once when the directory dropped it; a person's bind gets a connection of its own."""

    def __init__(self, config: LdapConfig) -> None:
        self.config = config
        self._local = threading.local()
        self.tls = None
        if config.ldaps or config.starttls:
            self.tls = ldap3.Tls(ca_certs_file=config.ca_file or None, validate=ssl.CERT_REQUIRED)

    # -- connections ---------------------------------------------------------------------
    def _open(self, dn: str, password: str) -> ldap3.Connection:
        # A Server object of its own each time: ldap3 remembers an address that failed as
        # unavailable for a while, which would outlast the directory's own restart.
        server = ldap3.Server(self.config.url, tls=self.tls, connect_timeout=self.config.timeout, get_info=ldap3.NONE)
        conn = ldap3.Connection(
            server,
            dn,
            password,
            receive_timeout=math.ceil(self.config.timeout),  # whole seconds
            raise_exceptions=False,
            auto_referrals=False,
        )
        conn.open()
        if self.config.starttls and not self.config.ldaps and not conn.start_tls():
            raise DirectoryUnavailable("StartTLS refused")
        return conn

    def _service(self) -> ldap3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._open(self.config.bind_dn, self.config.bind_password)
            if not conn.bind():
                log.error("the directory refused Sésame's service account: %s", conn.result.get("description"))
                raise DirectoryUnavailable("service bind refused")
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = self._local.__dict__.pop("conn", None)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.unbind()

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except DirectoryUnavailable:
            raise
        except (LDAPException, OSError, ssl.SSLError) as error:
            log.warning("directory unavailable: %s %s", type(error).__name__, error)
            raise DirectoryUnavailable(type(error).__name__) from None

    def call(self, operation):
        """Run `operation(service connection)`; a connection the directory closed since
        its last use is opened again once (a fresh one that fails is not retried)."""
        reused = getattr(self._local, "conn", None) is not None
        try:
            with self._failures():
                return operation(self._service())
        except DirectoryUnavailable:
            self._drop()
            if not reused:
                raise
        with self._failures():
            try:
                return operation(self._service())
            except DirectoryUnavailable:
                self._drop()
                raise

    # -- operations ----------------------------------------------------------------------
    def search(self, filter_: str, attributes: list[str], *, size: int = 2) -> list[dict]:
        """Entries under the base matching the configured filter and `filter_`:
        [{"dn": …, attribute: [values]}]."""

        def run(conn: ldap3.Connection) -> list[dict]:
            conn.search(
                self.config.base_dn,
                f"(&{self.config.filter}{filter_})",
                ldap3.SUBTREE,
                attributes=attributes,
                size_limit=size,
            )
            if conn.result["result"] not in (0, 4, 32):  # success, size limit, no such object
                raise DirectoryUnavailable(conn.result["description"])
            return [
                {"dn": e["dn"], **e["attributes"]} for e in conn.response or [] if e.get("type") == "searchResEntry"
            ]

        return self.call(run)

    def modify(self, dn: str, changes: dict) -> bool:
        return self.call(lambda conn: conn.modify(dn, changes))

    def add(self, dn: str, classes: list[str], attributes: dict) -> bool:
        return self.call(lambda conn: conn.add(dn, classes, attributes))

    def bind_as(self, dn: str, password: str) -> bool:
        """The person's own bind: True when the directory accepts the password. An empty
        password is never sent (it would be an anonymous bind, which "succeeds")."""
        if not password:
            return False
        with self._failures():
            conn = self._open(dn, password)
            try:
                return bool(conn.bind(controls=[PPOLICY_CONTROL]))
            except LDAPPasswordIsMandatoryError:
                return False
            finally:
                with contextlib.suppress(Exception):
                    conn.unbind()

    def set_password(self, dn: str, password: str) -> None:
        """Password Modify as the service account: the directory hashes the password with
        its own scheme and applies its password policy. Raises PasswordRefused."""

        def run(conn: ldap3.Connection):
            done = conn.extend.standard.modify_password(dn, None, password, controls=[PPOLICY_CONTROL])
            return done, dict(conn.result)

        done, result = self.call(run)
        if done:
            return
        if result.get("result") == 19:  # constraintViolation: the policy said no
            code = ppolicy_error(result.get("controls"))
            raise PasswordRefused(REFUSALS.get(code, REFUSED) if code is not None else REFUSED)
        if result.get("result") in (50, 53):  # insufficientAccessRights, unwillingToPerform
            raise PasswordRefused(REFUSALS[3])
        raise DirectoryUnavailable(str(result.get("description")))


def equals(attribute: str, value: str) -> str:
    return f"({attribute}={escape_filter_chars(value)})"
