"""Second-factor flows (DESIGN §5): enrol and use passkeys, the OTP app and
recovery codes; notices and audit for each. No HTTP here."""

from __future__ import annotations

from pwa.directory import Account, SqliteDirectory
from pwa.mfa import passkeys, totp
from pwa.mfa.passkeys import PasskeyError, RelyingParty
from pwa.mfa.store import Authenticator, Authenticators
from pwa.security.audit import Audit
from pwa.security.sessions import Session, SessionStore
from pwa.security.throttle import Verdict
from pwa.services.guard import Attempt, Guard
from pwa.services.notices import Notices
from pwa.store import Store

RECENT_SECONDS = 10 * 60


class FactorService:
    def __init__(
        self,
        *,
        store: Store,
        authenticators: Authenticators,
        directory: SqliteDirectory,
        sessions: SessionStore,
        audit: Audit,
        notices: Notices,
        guard: Guard,
    ) -> None:
        self.db = store
        self.store = authenticators
        self.directory = directory
        self.sessions = sessions
        self.audit = audit
        self.notices = notices
        self.guard = guard

    # -- challenges: single use, short-lived, kept in the server-side session --------
    def keep_challenge(self, session: Session, purpose: str, challenge: str) -> None:
        session.data["webauthn"] = {
            "purpose": purpose,
            "challenge": challenge,
            "until": self.db.now() + passkeys.CHALLENGE_SECONDS,
        }
        self.sessions.save_data(session)

    def take_challenge(self, session: Session | None, purpose: str) -> str | None:
        if session is None:
            return None
        kept = self.sessions.take(session, "webauthn")  # a challenge serves once
        if not kept or kept.get("purpose") != purpose or kept.get("until", 0) < self.db.now():
            return None
        return kept["challenge"]

    # -- passkeys ------------------------------------------------------------------
    def registration_options(self, session: Session, account: Account, rp: RelyingParty) -> str:
        existing = [a.credential_id for a in self.store.for_account(account.id, "passkey")]
        options, challenge = passkeys.registration_options(
            rp,
            user_id=f"sesame-{account.id}".encode(),
            user_name=account.identifiant,
            display_name=f"{account.first_name} {account.last_name}",
            exclude=[c for c in existing if c],
        )
        self.keep_challenge(session, "register", challenge)
        return options

    def register(
        self, session: Session, account: Account, rp: RelyingParty, credential: str, name: str, client: str
    ) -> Authenticator:
        challenge = self.take_challenge(session, "register")
        if challenge is None:
            raise PasskeyError("no challenge, or it expired")
        new = passkeys.verify_registration(rp, credential, challenge)
        try:
            with self.db.write():  # the passkey, its audit event and its notice together
                self.store.lock(account.id)
                if self.store.by_credential_id(new.credential_id) is not None:
                    raise PasskeyError("credential already registered")
                authenticator_id = self.store.add_passkey(
                    account.id,
                    name=name,
                    credential_id=new.credential_id,
                    public_key=new.public_key,
                    sign_count=new.sign_count,
                    transports=new.transports,
                )
                self.added(account, "passkey", client, name=name)
        except self.db.integrity_errors as exc:  # the same passkey added at once by another account
            raise PasskeyError("credential already registered") from exc
        authenticator = self.store.get(account.id, authenticator_id)
        assert authenticator is not None  # just added
        return authenticator

    def assertion_options(self, session: Session, rp: RelyingParty, purpose: str, account: Account | None) -> str:
        allow = []
        if account is not None:
            allow = [a.credential_id for a in self.store.for_account(account.id, "passkey") if a.credential_id]
        options, challenge = passkeys.authentication_options(rp, allow=allow)
        self.keep_challenge(session, purpose, challenge)
        return options

    def verify_assertion(
        self,
        session: Session | None,
        rp: RelyingParty,
        purpose: str,
        credential: str,
        *,
        account: Account | None,
    ) -> Account:
        """The account the passkey belongs to. When `account` is given, the
        passkey must be one of its own."""
        challenge = self.take_challenge(session, purpose)
        if challenge is None:
            raise PasskeyError("no challenge, or it expired")
        credential_id = passkeys.credential_id_of(credential)
        found = self.store.by_credential_id(credential_id)
        if found is None or (account is not None and found.account_id != account.id):
            raise PasskeyError("unknown passkey")
        with self.db.write():  # the counter read after the lock: it never goes down
            self.store.lock(found.account_id)
            authenticator = self.store.by_credential_id(credential_id)
            if authenticator is None or authenticator.account_id != found.account_id:
                raise PasskeyError("unknown passkey")
            sign_count = passkeys.verify_authentication(
                rp,
                credential,
                challenge,
                public_key=authenticator.data["public_key"],
                sign_count=authenticator.data.get("sign_count", 0),
            )
            self.store.passkey_used(authenticator, sign_count)
        owner = self.directory.get(authenticator.account_id)
        if owner is None or not owner.active:
            raise PasskeyError("account unavailable")
        return owner

    # -- OTP app and recovery codes: one guarded attempt each --------------------------
    def check_second_factor(
        self, account: Account, method: str, code: str, client: str, *, device: str | None = None
    ) -> Attempt:
        """`method` "recovery": a recovery code; anything else: the OTP app's code."""
        if method == "recovery":
            return self.recovery_attempt(account, code, client, device=device)
        return self.totp_attempt(account, code, client, device=device)

    def totp_attempt(self, account: Account, code: str, client: str, *, device: str | None = None) -> Attempt:
        """Counted in the account's daily budget (DESIGN §5), or a known browser's own; a
        code already accepted is refused and counted too (detail "used")."""

        def check() -> bool | str:
            now = self.db.now()
            with self.db.write():  # last_step read after the lock: a code is accepted once
                self.store.lock(account.id)
                held = self.store.for_account(account.id, "totp")
                for auth in held:
                    secret, last = self.store.totp_secret(auth), auth.data.get("last_step")
                    step = totp.matching_step(secret, code, now=now, last_step=last)
                    if step is not None:
                        self.store.totp_used(auth, step)
                        return True
            for auth in held:
                secret, last = self.store.totp_secret(auth), auth.data.get("last_step")
                if totp.was_just_used(secret, code, now=now, last_step=last):
                    return "used"
            return False

        return self.guard.attempt(
            check, kind="totp", client=client, account=account, subject=f"account:{account.id}", device=device
        )

    def recovery_attempt(self, account: Account, code: str, client: str, *, device: str | None = None) -> Attempt:
        """A right recovery code keeps the earlier failures counted (it is not a sign of the owner)."""

        def check() -> bool:
            with self.db.write():  # the code used up, its audit event and its notice together
                used = self.store.use_recovery_code(account.id, code)
                if used:
                    self.audit.record("recovery.used", account_id=account.id, client=client)
                    self.notices.send("recovery_code_used", account, when=self.db.now(), client=client)
            return used

        return self.guard.attempt(
            check,
            kind="recovery",
            client=client,
            account=account,
            subject=f"account:{account.id}",
            device=device,
            keep_failures=True,
        )

    def verify_totp(
        self, account: Account, code: str, client: str, *, device: str | None = None
    ) -> Verdict | bool | str:
        """totp_attempt as True (accepted), False (wrong), "used" or the Verdict (paused)."""
        attempt = self.totp_attempt(account, code, client, device=device)
        if attempt.throttled:
            return attempt.verdict
        return attempt.ok or attempt.detail or False

    def use_recovery_code(
        self, account: Account, code: str, client: str, *, device: str | None = None
    ) -> Verdict | bool:
        """recovery_attempt as True (accepted), False (wrong) or the Verdict (paused)."""
        attempt = self.recovery_attempt(account, code, client, device=device)
        return attempt.verdict if attempt.throttled else attempt.ok

    def enrol_totp(self, account: Account, secret: str, code: str, client: str) -> bool:
        step = totp.matching_step(secret, code, now=self.db.now(), last_step=None)
        if step is None:
            return False
        with self.db.write():
            self.store.add_totp(account.id, secret, step)
            self.added(account, "totp", client)
        return True

    # -- recovery codes --------------------------------------------------------------
    def new_recovery_codes(self, account: Account, client: str) -> list[str]:
        with self.db.write():
            codes = self.store.new_recovery_codes(account.id)
            self.audit.record("recovery.generated", account_id=account.id, client=client)
        return codes

    # -- notices ---------------------------------------------------------------------
    # Each state change commits with its audit event and its notice, or not at all.
    def added(self, account: Account, kind: str, client: str, **details: str) -> None:
        """Called inside the enrolment's transaction."""
        self.audit.record("factor.added", account_id=account.id, client=client, kind=kind, **details)
        self.notices.send("factor_added", account, when=self.db.now(), client=client)

    def rename(self, account: Account, authenticator: Authenticator, name: str, client: str) -> None:
        with self.db.write():
            self.store.rename(authenticator, name)
            self.audit.record("factor.renamed", account_id=account.id, client=client)

    def removed(self, account: Account, authenticator: Authenticator, client: str) -> None:
        with self.db.write():
            if not self.store.remove(account.id, authenticator.id):
                return  # removed meanwhile (a double tap): told once
            self.audit.record("factor.removed", account_id=account.id, client=client, kind=authenticator.type)
            self.notices.send("factor_removed", account, when=self.db.now(), client=client)

    def remove_all(self, account: Account, client: str) -> None:
        """Letter and help-desk codes (identity checked by HR) may reset the
        factors of someone who lost the phone (DESIGN §5)."""
        with self.db.write():
            if self.store.remove_all(account.id):
                self.audit.record("factors.reset", account_id=account.id, client=client)
                self.notices.send("factor_removed", account, when=self.db.now(), client=client)

    def is_recent(self, session: Session | None) -> bool:
        return bool(
            session
            and session.authenticated
            and session.authenticated_at
            and self.db.now() - session.authenticated_at <= RECENT_SECONDS
        )
