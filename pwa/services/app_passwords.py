"""App passwords (issue 16): one password per mail app, checked by the mail server.

The value is five groups of four symbols from a lower-case unambiguous alphabet
(`k7mq-3xhd-9pwn-f2rt-b8ce`): typed on a phone keyboard without shift, no 0/o, 1/l/i.
Its first group is a public identifier, unique per account: Dovecot's app-password
passdb selects the one row with it (`substr('%w', 1, 4)`) and verifies the argon2id
hash of the whole value (the same PasswordHashing as the main password), so the 16
secret symbols (~79 bits) are checked by the mail server alone, which knows the
scope (`%s`: IMAP and SMTP, or ManageSieve) and the expiry.

Creating and revoking commit with their audit event and the owner's notice (one
transaction, as AccountService.set_password). Last use comes from Dovecot's auth
policy hook (pwa/views/mail_policy.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pwa.directory import Account, SqliteDirectory
from pwa.mfa.store import Authenticators
from pwa.security.audit import Audit
from pwa.security.passwords import PasswordHashing
from pwa.services.notices import Notices
from pwa.store import Store
from pwa.stores.app_passwords import AppPassword, AppPasswordStore

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # 31 symbols: no i, l, o, 0, 1
GROUP, GROUPS = 4, 5
DAY = 86400.0
SCOPES = {
    "mail": "Recevoir et envoyer des courriels",
    "sieve": "Règles d'absence (ManageSieve)",
}
# Offered end dates, in days ("" = none).
EXPIRIES = {
    "": "Aucune : jusqu'à ce que vous le révoquiez",
    "30": "Dans 1 mois",
    "90": "Dans 3 mois",
    "365": "Dans 1 an",
}
NAME_MAX = 40
MAX_ACTIVE = 10  # app passwords not revoked, per account
MAX_PER_DAY = 10  # created per account in 24 h
USE_EVERY = 300.0  # a phone polling every minute updates "last use" at most every 5 minutes
# The académie profile's option, mirrored where Dovecot's main-password query reads it.
ONLY_WITH_FACTOR_KEY = "mail.app_passwords_only"


class TooMany(Exception):
    """The account holds MAX_ACTIVE app passwords, or created MAX_PER_DAY today."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # active | day


@dataclass(frozen=True)
class Created:
    app_password: AppPassword
    value: str  # shown once, never stored

    @property
    def groups(self) -> list[str]:
        return self.value.split("-")


def new_value(public_id: str) -> str:
    secret = "".join(secrets.choice(ALPHABET) for _ in range(GROUP * (GROUPS - 1)))
    return "-".join([public_id] + [secret[i : i + GROUP] for i in range(0, len(secret), GROUP)])


class AppPasswords:
    def __init__(
        self,
        *,
        store: Store,
        passwords: AppPasswordStore,
        directory: SqliteDirectory,
        hashing: PasswordHashing,
        authenticators: Authenticators,
        audit: Audit,
        notices: Notices,
        only_with_factor: bool,
    ) -> None:
        self.store = store
        self.passwords = passwords
        self.directory = directory
        self.hashing = hashing
        self.authenticators = authenticators
        self.audit = audit
        self.notices = notices
        self.only_with_factor = only_with_factor

    def publish_rule(self) -> None:
        """Write the profile's option where Dovecot's main-password query reads it (the
        `meta` row), when it changed: with it on, an account with a second factor opens
        IMAP and SMTP with app passwords only."""
        value = "1" if self.only_with_factor else "0"
        if self.store.get_meta(ONLY_WITH_FACTOR_KEY) != value:
            self.store.set_meta(ONLY_WITH_FACTOR_KEY, value)

    def required_for(self, account: Account) -> bool:
        """Mail apps need an app password: the main password no longer opens IMAP/SMTP."""
        return self.only_with_factor and self.authenticators.has_factor(account.id)

    def for_account(self, account: Account) -> list[AppPassword]:
        return self.passwords.for_account(account.id)

    def create(self, account: Account, *, name: str, scope: str, days: int | None, client: str) -> Created:
        """A new app password for `account`; its value is in the result, once."""
        if scope not in SCOPES:
            raise ValueError(scope)
        now = self.store.now()
        self._within_limits(account, now)  # before hashing: a refused request costs nothing
        taken = self.passwords.public_ids(account.id)
        public_id = ""
        while not public_id or public_id in taken:
            public_id = "".join(secrets.choice(ALPHABET) for _ in range(GROUP))
        value = new_value(public_id)
        password_hash = self.hashing.hash(value)  # before the transaction: the lock stays short
        row = {
            "account_id": account.id,
            "public_id": public_id,
            "name": name,
            "scope": scope,
            "password_hash": password_hash,
            "created_at": now,
            "expires_at": now + days * DAY if days else None,
        }
        with self.store.write():
            # Counted again under the account's lock: two requests at once cannot both take the last place.
            self.store.lock(f"app_passwords:{account.id}")
            self._within_limits(account, now)
            new_id = self.passwords.add(row)
            self.audit.record("app_password.created", account_id=account.id, client=client, kind=scope, name=name)
            self.notices.send(
                "app_password_created",
                account,
                when=now,
                client=client,
                name=name,
                scope=SCOPES[scope],
                expires_at=row["expires_at"],
            )
        created = self.passwords.get(account.id, new_id)
        assert created is not None
        return Created(created, value)

    def _within_limits(self, account: Account, now: float) -> None:
        if len(self.passwords.for_account(account.id)) >= MAX_ACTIVE:
            raise TooMany("active")
        if self.audit.count(account.id, "app_password.created", since=now - DAY) >= MAX_PER_DAY:
            raise TooMany("day")

    def revoke(self, account: Account, app_password_id: int, client: str) -> AppPassword | None:
        """Revoke one; None when it is not this account's or already revoked."""
        target = self.passwords.get(account.id, app_password_id)
        if target is None or target.revoked_at is not None:
            return None
        now = self.store.now()
        with self.store.write():
            self.passwords.revoke(account.id, [target.id], now)
            self.audit.record("app_password.revoked", account_id=account.id, client=client, name=target.name)
            self.notices.send("app_password_revoked", account, when=now, client=client, names=[target.name])
        return target

    def revoke_all(self, account: Account, client: str) -> int:
        targets = self.passwords.for_account(account.id)
        if not targets:
            return 0
        now = self.store.now()
        with self.store.write():
            count = self.passwords.revoke(account.id, None, now)
            self.audit.record("app_password.revoked", account_id=account.id, client=client, count=count)
            self.notices.send("app_password_revoked", account, when=now, client=client, names=[t.name for t in targets])
        return count

    def record_use(self, *, app_password_id: str, login: str, client: str) -> bool:
        """Dovecot accepted an app password (its auth policy report): note the time and
        the client address on it. False when nothing matched (not an app password, another
        account's id, revoked meanwhile) or it was noted less than USE_EVERY ago."""
        if not app_password_id.isdigit() or len(app_password_id) > 18:
            return False
        account = self.directory.by_login(login.strip().lower()[:254])
        if account is None:
            return False
        return self.passwords.record_use(
            int(app_password_id), account.id, client[:64], self.store.now(), every=USE_EVERY
        )
