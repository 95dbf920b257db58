"""The journeys' rules: retrieve an identifiant, prove identity with the NUMEN,
sign in, set a password. No HTTP here; views call these in a thread because
argon2id takes a tenth of a second by design."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any, cast

from pwa.directory import Account, ExternalPasswords, SqliteDirectory
from pwa.policy import PersonalData, Policy, PolicyResult
from pwa.security.audit import Audit
from pwa.security.keys import Keys
from pwa.security.passwords import PasswordHashing
from pwa.security.sessions import SessionStore
from pwa.security.throttle import Throttle
from pwa.services.codes import Codes
from pwa.services.factors import FactorService
from pwa.services.guard import Attempt, Guard
from pwa.services.identity import check_birth, check_identity, numen_index, personal_digest
from pwa.services.notices import Notices
from pwa.store import Store


class CodeUnusable(Exception):
    """The letter or help-desk code can no longer be used: nothing was changed."""


class AccountService:
    def __init__(
        self,
        *,
        store: Store,
        keys: Keys,
        directory: SqliteDirectory,
        hashing: PasswordHashing,
        policy: Policy,
        sessions: SessionStore,
        throttle: Throttle,
        audit: Audit,
        notices: Notices,
        codes: Codes,
        factors: FactorService,
        guard: Guard,
    ) -> None:
        self.store = store
        self.keys = keys
        self.directory = directory
        self.hashing = hashing
        self.policy = policy
        self.sessions = sessions
        self.throttle = throttle
        self.audit = audit
        self.notices = notices
        self.codes = codes
        self.factors = factors
        self.guard = guard

    def personal_data(self, account: Account) -> PersonalData:
        return PersonalData(
            identifiant=account.identifiant,
            first_name=account.first_name,
            last_name=account.last_name,
            digest=partial(personal_digest, self.keys, account.id),
            secret_digests=account.personal_digests,
        )

    def lift_pause(self, account: Account, client: str) -> bool:
        """Identity proven by HR (a letter or help-desk code gave a new password): the
        account's pause, and its known browsers', end at once."""
        lifted = self.throttle.lift(f"account:{account.id}", with_devices=True)
        if lifted:
            self.audit.record("account.unpaused", account_id=account.id, client=client)
        return lifted

    def _guarded(
        self,
        login: str,
        account: Account | None,
        client: str,
        kind: str,
        check,
        *,
        subject: str | None = None,
        device: str | None = None,
    ) -> Attempt:
        return self.guard.attempt(
            check,
            kind=kind,
            client=client,
            account=account,
            subject=subject or self.guard.subject(login, account),
            device=device,
        )

    def _identity(self, account: Account | None, birth: dt.date, numen: str) -> bool:
        return check_identity(
            self.keys,
            account_id=account.id if account else 0,
            numen_stored=account.numen_digest if account else None,
            birth_stored=account.birth_digest if account else None,
            numen=numen,
            birth_date=birth,
        )

    def retrieve_identifiant(self, email: str, birth: dt.date, numen: str, client: str) -> Attempt:
        account = self.directory.by_login(email) if "@" in email else None
        outcome = self._guarded(email, account, client, "numen", lambda: self._identity(account, birth, numen))
        event = "identifiant.retrieved" if outcome.ok else "identifiant.failed"
        self.audit.record(event, account_id=account.id if account else None, client=client)
        return outcome

    def verify_numen(self, identifiant: str, birth: dt.date, numen: str, client: str) -> Attempt:
        account = self.directory.by_login(identifiant)
        outcome = self._guarded(identifiant, account, client, "numen", lambda: self._identity(account, birth, numen))
        if not outcome.ok and not outcome.throttled:  # a refused guess was not evaluated
            self.audit.record("password.failed", account_id=account.id if account else None, client=client)
        return outcome

    def identify_by_numen(self, birth: dt.date, numen: str, client: str) -> Attempt:
        """NUMEN + birth date alone, no identifiant: the unbound index of the (normalised)
        NUMEN finds the account, then both bound digests are checked in constant time (a
        dummy check when nothing is found), so a wrong pair reveals nothing."""
        account = self.directory.by_numen_index(numen_index(self.keys, numen))
        outcome = self._guarded(
            numen,
            account,
            client,
            "numen",
            lambda: self._identity(account, birth, numen),
            subject=self.guard.numen_subject(numen, account),
        )
        if outcome.ok:
            self.audit.record(
                "identity.verified", account_id=outcome.account.id if outcome.account else None, client=client
            )
        elif not outcome.throttled:
            event = "identity.disabled" if outcome.disabled else "identity.failed"
            self.audit.record(event, account_id=account.id if account else None, client=client)
        return outcome

    def verify_birth(self, login: str, account: Account | None, birth: dt.date, client: str) -> Attempt:
        """The birth date alone, before a code goes to the backup address."""
        outcome = self._guarded(
            login,
            account,
            client,
            "birth",
            lambda: check_birth(
                self.keys,
                account_id=account.id if account else 0,
                birth_stored=account.birth_digest if account else None,
                birth_date=birth,
            ),
        )
        if not outcome.ok and not outcome.throttled:
            self.audit.record("backup.identity_failed", account_id=account.id if account else None, client=client)
        return outcome

    def authenticate(self, login: str, password: str, client: str, *, device: str | None = None) -> Attempt:
        """`device`: the browser's device cookie, if any (a known browser keeps its own budget)."""
        account = self.directory.by_login(login)
        stored = account.password_hash if account else None
        outcome = self._guarded(
            login,
            account,
            client,
            "password",
            lambda: self._verify(account, password),
            device=device,
        )
        external = self.directory.external_passwords
        if outcome.ok and account is not None and not external and self.hashing.needs_rehash(stored or ""):
            self.directory.set_password_hash(account.id, self.hashing.hash(password))
        event = "login.succeeded" if outcome.ok else "login.failed"
        if not outcome.throttled:
            self.audit.record(event, account_id=account.id if account else None, client=client)
        return outcome

    def _verify(self, account: Account | None, password: str) -> bool:
        """The password against the account's: Sésame's argon2id hash, or the directory's
        own bind (LDAP). An unknown account costs a dummy hash either way."""
        if self.directory.external_passwords and account is not None:
            return cast(ExternalPasswords, self.directory).verify_password(account, password)
        return self.hashing.verify(account.password_hash if account else None, password)

    def check_password(self, account: Account, password: str) -> PolicyResult:
        return self.policy.check(password, personal=self.personal_data(account))

    def set_password(
        self,
        account: Account,
        password: str,
        *,
        event: str,
        client: str,
        keep_session: str | None = None,
        code_id: int | None = None,
        proven_by_hr: bool = False,
        reset_factors: bool = False,
    ) -> PolicyResult:
        """Validate against the policy, store the argon2id hash (the mail server
        reads it at once), revoke other sessions and tell the owner.

        One transaction: the letter, help-desk or mailed reset code (`code_id`, checked earlier
        without being used up), the new hash, the session revocation, the audit
        event, the notice in the outbox, the end of a pause when HR proved the identity
        (`proven_by_hr`) and, when asked (`reset_factors`), the
        removal of the second factors commit together or not at all. The hash is
        computed first, outside it, so the write lock is held for milliseconds.
        Raises CodeUnusable, with nothing changed, when the code was used
        meanwhile (another session), replaced by a newer letter, or expired; with the LDAP
        directory, PasswordRefused (its own policy) and DirectoryUnavailable, likewise."""
        result = self.check_password(account, password)
        if not result.ok:
            return result
        external = self.directory.external_passwords
        password_hash = None if external else self.hashing.hash(password)
        with self.store.write():
            if code_id is not None and not self.codes.use(code_id, account.id):
                raise CodeUnusable(code_id)
            current = self.directory.get(account.id) or account
            first = not current.activated
            if password_hash is None:
                # The directory's Password Modify, inside the transaction: when the directory
                # refuses (PasswordRefused) or does not answer (DirectoryUnavailable), the code,
                # sessions, audit and notice roll back with it.
                cast(ExternalPasswords, self.directory).change_password(current, password)
            else:
                self.directory.set_password_hash(account.id, password_hash)
            self.sessions.revoke_all(account.id, keep=keep_session)
            details: dict[str, Any] = {"first": True} if first else {}
            self.audit.record(event, account_id=account.id, client=client, **details)
            kind = "account_activated" if first else "password_changed"
            self.notices.send(kind, current, when=self.store.now(), client=client)
            if reset_factors:
                self.factors.remove_all(current, client)
            if proven_by_hr:  # a letter or help-desk code: the pause ends with the new password
                self.lift_pause(current, client)
        return result

    def logout_everywhere(self, account: Account, client: str) -> None:
        """Every session of the account ends, with its audit event and notice (one transaction)."""
        with self.store.write():
            self.sessions.revoke_all(account.id)
            self.audit.record("logout.everywhere", account_id=account.id, client=client)
            self.notices.send("logout_everywhere", account, when=self.store.now(), client=client)

    def confirm_password(self, account: Account, password: str, client: str) -> Attempt:
        """The password typed again for one action (testing the mailbox, the out-of-office
        message): checked here first, throttled and counted like any password check, so a
        wrong one never reaches the mail server."""
        return self._guarded(
            account.identifiant,
            account,
            client,
            "password",
            lambda: self._verify(account, password),
        )
