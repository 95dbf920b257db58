"""Second-factor flows (DESIGN §5): enrol and use passkeys, the OTP app and
recovery codes; notices and audit for each. No HTTP here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pwa.directory import Account
from pwa.mfa import passkeys, totp
from pwa.mfa.passkeys import PasskeyError, RelyingParty
from pwa.mfa.store import Authenticator
from pwa.security.sessions import Session
from pwa.security.throttle import Verdict

if TYPE_CHECKING:
    from pwa.context import Sesame

RECENT_SECONDS = 10 * 60


class FactorService:
    def __init__(self, sesame: Sesame) -> None:
        self.s = sesame

    @property
    def store(self):
        return self.s.authenticators

    # -- challenges: single use, short-lived, kept in the server-side session --------
    def keep_challenge(self, session: Session, purpose: str, challenge: str) -> None:
        session.data["webauthn"] = {
            "purpose": purpose,
            "challenge": challenge,
            "until": self.s.store.now() + passkeys.CHALLENGE_SECONDS,
        }
        self.s.sessions.save_data(session)

    def take_challenge(self, session: Session | None, purpose: str) -> str | None:
        if session is None:
            return None
        kept = session.data.pop("webauthn", None)
        self.s.sessions.save_data(session)
        if not kept or kept.get("purpose") != purpose or kept.get("until", 0) < self.s.store.now():
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
        with self.s.store.write():  # the passkey, its audit event and its notice together
            if self.store.by_credential_id(new.credential_id) is not None:
                raise PasskeyError("credential already registered")
            authenticator_id = self.store.add_passkey(
                account.id, name=name, credential_id=new.credential_id, public_key=new.public_key,
                sign_count=new.sign_count, transports=new.transports,
            )
            self.added(account, "passkey", client, name=name)
        return self.store.get(account.id, authenticator_id)

    def assertion_options(self, session: Session, rp: RelyingParty, purpose: str, account: Account | None) -> str:
        allow = []
        if account is not None:
            allow = [a.credential_id for a in self.store.for_account(account.id, "passkey") if a.credential_id]
        options, challenge = passkeys.authentication_options(rp, allow=allow)
        self.keep_challenge(session, purpose, challenge)
        return options

    def verify_assertion(
        self, session: Session | None, rp: RelyingParty, purpose: str, credential: str,
        *, account: Account | None,
    ) -> Account:
        """The account the passkey belongs to. When `account` is given, the
        passkey must be one of its own."""
        challenge = self.take_challenge(session, purpose)
        if challenge is None:
            raise PasskeyError("no challenge, or it expired")
        authenticator = self.store.by_credential_id(passkeys.credential_id_of(credential))
        if authenticator is None or (account is not None and authenticator.account_id != account.id):
            raise PasskeyError("unknown passkey")
        sign_count = passkeys.verify_authentication(
            rp, credential, challenge,
            public_key=authenticator.data["public_key"],
            sign_count=authenticator.data.get("sign_count", 0),
        )
        self.store.passkey_used(authenticator, sign_count)
        owner = self.s.directory.get(authenticator.account_id)
        if owner is None or not owner.active:
            raise PasskeyError("account unavailable")
        return owner

    # -- OTP app -------------------------------------------------------------------
    def _budget(self, account: Account, device: str | None) -> tuple[str, int]:
        """The account's budget, or a known browser's own (AccountService.budget_of)."""
        known, budget = self.s.accounts.budget_of(account, device)
        return known or f"account:{account.id}", budget

    def verify_totp(
        self, account: Account, code: str, client: str, *, device: str | None = None
    ) -> Verdict | bool | str:
        """True when accepted; False when wrong (counted in the account's daily
        budget, DESIGN §5, or a known browser's own); "used" when it is a code
        already accepted (refused and counted too); a Verdict when throttled."""
        subject, budget = self._budget(account, device)
        verdict = self.s.throttle.check(subject, client, budget=budget)
        if not verdict.allowed:
            return verdict
        for auth in self.store.for_account(account.id, "totp"):
            step = totp.matching_step(
                self.store.totp_secret(auth), code,
                now=self.s.store.now(), last_step=auth.data.get("last_step"),
            )
            if step is not None:
                self.store.totp_used(auth, step)
                self.s.throttle.succeed(subject, client)
                return True
        self.s.throttle.fail(subject, client, "totp", budget=budget)
        for auth in self.store.for_account(account.id, "totp"):
            if totp.was_just_used(
                self.store.totp_secret(auth), code,
                now=self.s.store.now(), last_step=auth.data.get("last_step"),
            ):
                return "used"
        return False

    def enrol_totp(self, account: Account, secret: str, code: str, client: str) -> bool:
        step = totp.matching_step(secret, code, now=self.s.store.now(), last_step=None)
        if step is None:
            return False
        with self.s.store.write():
            self.store.add_totp(account.id, secret, step)
            self.added(account, "totp", client)
        return True

    # -- recovery codes --------------------------------------------------------------
    def use_recovery_code(
        self, account: Account, code: str, client: str, *, device: str | None = None
    ) -> Verdict | bool:
        subject, budget = self._budget(account, device)
        verdict = self.s.throttle.check(subject, client, budget=budget)
        if not verdict.allowed:
            return verdict
        with self.s.store.write():  # the code used up, its audit event and its notice together
            used = self.store.use_recovery_code(account.id, code)
            if used:
                self.s.audit.record("recovery.used", account_id=account.id, client=client)
                self.s.notices.send("recovery_code_used", account, when=self.s.store.now(), client=client)
        if used:
            self.s.throttle.release(subject, client)
            return True
        self.s.throttle.fail(subject, client, "recovery", budget=budget)
        return False

    def new_recovery_codes(self, account: Account, client: str) -> list[str]:
        with self.s.store.write():
            codes = self.store.new_recovery_codes(account.id)
            self.s.audit.record("recovery.generated", account_id=account.id, client=client)
        return codes

    # -- notices ---------------------------------------------------------------------
    # Each state change commits with its audit event and its notice, or not at all.
    def added(self, account: Account, kind: str, client: str, **details: str) -> None:
        """Called inside the enrolment's transaction."""
        self.s.audit.record("factor.added", account_id=account.id, client=client, kind=kind, **details)
        self.s.notices.send("factor_added", account, when=self.s.store.now(), client=client)

    def removed(self, account: Account, authenticator: Authenticator, client: str) -> None:
        with self.s.store.write():
            if not self.store.remove(account.id, authenticator.id):
                return  # removed meanwhile (a double tap): told once
            self.s.audit.record("factor.removed", account_id=account.id, client=client, kind=authenticator.type)
            self.s.notices.send("factor_removed", account, when=self.s.store.now(), client=client)

    def remove_all(self, account: Account, client: str) -> None:
        """Letter and help-desk codes (identity checked by HR) may reset the
        factors of someone who lost the phone (DESIGN §5)."""
        with self.s.store.write():
            if self.store.remove_all(account.id):
                self.s.audit.record("factors.reset", account_id=account.id, client=client)
                self.s.notices.send("factor_removed", account, when=self.s.store.now(), client=client)

    def is_recent(self, session: Session | None) -> bool:
        return bool(
            session and session.authenticated and session.authenticated_at
            and self.s.store.now() - session.authenticated_at <= RECENT_SECONDS
        )

