"""The journeys' rules: retrieve an identifiant, prove identity with the NUMEN,
sign in, set a password. No HTTP here; views call these in a thread because
argon2id takes a tenth of a second by design."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pwa.directory import Account
from pwa.security import devices
from pwa.security.passwords import HashingBusy
from pwa.security.throttle import ALLOWED, DAILY_BUDGET, DEVICE_BUDGET, Verdict
from pwa.services.identity import check_birth, check_identity, numen_index

if TYPE_CHECKING:
    from pwa.context import Sesame
    from pwa.policy import PolicyResult
    from pwa.services.notices import Notices


class CodeUnusable(Exception):
    """The letter or help-desk code can no longer be used: nothing was changed."""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    account: Account | None = None
    verdict: Verdict = ALLOWED
    disabled: bool = False  # the secret was right but the account is disabled

    @property
    def throttled(self) -> bool:
        return not self.verdict.allowed


class AccountService:
    def __init__(self, sesame: Sesame, notices: Notices) -> None:
        self.s = sesame
        self.notices = notices

    def subject(self, login: str, account: Account | None) -> str:
        """Throttle key: the account, or a keyed hash of what was typed."""
        if account is not None:
            return f"account:{account.id}"
        return "login:" + self.s.keys.mac("throttle", login.strip().lower())

    def numen_subject(self, numen: str, account: Account | None) -> str:
        """Throttle key of a NUMEN-only check: the account, or a keyed hash of the NUMEN typed."""
        if account is not None:
            return f"account:{account.id}"
        return "numen:" + self.s.keys.mac("throttle", f"numen\x1f{numen}")

    def budget_of(self, account: Account | None, device: str | None) -> tuple[str | None, int]:
        """The throttle subject and budget of a check from a browser that signed in to
        this account before (its device cookie, `device`): a budget of its own, which
        neither counts in nor waits for the account's (pwa.security.devices). (None,
        DAILY_BUDGET) for any other browser: the account's budget, shared."""
        device_id = self.s.devices.known(device, account.id) if account is not None else None
        if device_id is None:
            return None, DAILY_BUDGET
        return devices.subject(account.id, device_id), DEVICE_BUDGET

    def lift_pause(self, account: Account, client: str) -> bool:
        """Identity proven by HR (a letter or help-desk code gave a new password): the
        account's pause, and its known browsers', end at once."""
        lifted = self.s.throttle.lift(f"account:{account.id}", with_devices=True)
        if lifted:
            self.s.audit.record("account.unpaused", account_id=account.id, client=client)
        return lifted

    def _guarded(
        self, login: str, account: Account | None, client: str, kind: str, check, *,
        subject: str | None = None, device: str | None = None,
    ) -> Outcome:
        known, budget = self.budget_of(account, device)
        subject = known or subject or self.subject(login, account)
        verdict = self.s.throttle.check(subject, client, budget=budget)
        if not verdict.allowed:
            return Outcome(False, None, verdict)
        try:
            good = check() and account is not None
        except HashingBusy:
            self.s.throttle.release(subject, client)  # not evaluated: not counted
            raise
        if good and not account.active:
            # Only someone who proved the secret learns that the account is disabled.
            self.s.throttle.release(subject, client)
            return Outcome(False, None, verdict, disabled=True)
        if good:
            self.s.throttle.succeed(subject, client)
            return Outcome(True, account)
        if self.s.throttle.fail(subject, client, kind, budget=budget) and account is not None:
            if known:  # a known browser failed too often: it alone waits, nobody is told
                self.s.audit.record("device.paused", account_id=account.id, client=client)
            else:
                self.s.audit.record("account.paused", account_id=account.id, client=client)
                self.notices.send("account_paused", account, when=self.s.store.now())
        return Outcome(False)

    def _identity(self, account: Account | None, birth: dt.date, numen: str) -> bool:
        return check_identity(
            self.s.keys,
            account_id=account.id if account else 0,
            numen_stored=account.numen_digest if account else None,
            birth_stored=account.birth_digest if account else None,
            numen=numen,
            birth_date=birth,
        )

    def retrieve_identifiant(self, email: str, birth: dt.date, numen: str, client: str) -> Outcome:
        account = self.s.directory.by_login(email) if "@" in email else None
        outcome = self._guarded(
            email, account, client, "numen", lambda: self._identity(account, birth, numen)
        )
        event = "identifiant.retrieved" if outcome.ok else "identifiant.failed"
        self.s.audit.record(event, account_id=account.id if account else None, client=client)
        return outcome

    def verify_numen(self, identifiant: str, birth: dt.date, numen: str, client: str) -> Outcome:
        account = self.s.directory.by_login(identifiant)
        outcome = self._guarded(
            identifiant, account, client, "numen", lambda: self._identity(account, birth, numen)
        )
        if not outcome.ok and not outcome.throttled:  # a refused guess was not evaluated
            self.s.audit.record(
                "password.failed", account_id=account.id if account else None, client=client
            )
        return outcome

    def identify_by_numen(self, birth: dt.date, numen: str, client: str) -> Outcome:
        """NUMEN + birth date alone, no identifiant: the unbound index of the (normalised)
        NUMEN finds the account, then both bound digests are checked in constant time (a
        dummy check when nothing is found), so a wrong pair reveals nothing."""
        account = self.s.directory.by_numen_index(numen_index(self.s.keys, numen))
        outcome = self._guarded(
            numen, account, client, "numen", lambda: self._identity(account, birth, numen),
            subject=self.numen_subject(numen, account),
        )
        if outcome.ok:
            self.s.audit.record("identity.verified", account_id=outcome.account.id, client=client)
        elif not outcome.throttled:
            event = "identity.disabled" if outcome.disabled else "identity.failed"
            self.s.audit.record(event, account_id=account.id if account else None, client=client)
        return outcome

    def verify_birth(self, login: str, account: Account | None, birth: dt.date, client: str) -> Outcome:
        """The birth date alone, before a code goes to the backup address."""
        outcome = self._guarded(
            login, account, client, "birth",
            lambda: check_birth(
                self.s.keys,
                account_id=account.id if account else 0,
                birth_stored=account.birth_digest if account else None,
                birth_date=birth,
            ),
        )
        if not outcome.ok and not outcome.throttled:
            self.s.audit.record(
                "backup.identity_failed", account_id=account.id if account else None, client=client
            )
        return outcome

    def authenticate(
        self, login: str, password: str, client: str, *, device: str | None = None
    ) -> Outcome:
        """`device`: the browser's device cookie, if any (a known browser keeps its own budget)."""
        account = self.s.directory.by_login(login)
        stored = account.password_hash if account else None
        outcome = self._guarded(
            login, account, client, "password", lambda: self.s.hashing.verify(stored, password),
            device=device,
        )
        if outcome.ok and account is not None and self.s.hashing.needs_rehash(stored or ""):
            self.s.directory.set_password_hash(account.id, self.s.hashing.hash(password))
        event = "login.succeeded" if outcome.ok else "login.failed"
        if not outcome.throttled:
            self.s.audit.record(event, account_id=account.id if account else None, client=client)
        return outcome

    def check_password(self, account: Account, password: str) -> PolicyResult:
        return self.s.policy.check(password, personal=self.s.personal_data(account))

    def set_password(
        self,
        account: Account,
        password: str,
        *,
        event: str,
        client: str,
        keep_session: str | None = None,
        code_id: int | None = None,
        reset_factors: bool = False,
    ) -> PolicyResult:
        """Validate against the policy, store the argon2id hash (the mail server
        reads it at once), revoke other sessions and tell the owner.

        One transaction: the letter or help-desk code (`code_id`, checked earlier
        without being used up), the new hash, the session revocation, the audit
        event, the notice in the outbox and, when asked (`reset_factors`), the
        removal of the second factors commit together or not at all. The hash is
        computed first, outside it, so the write lock is held for milliseconds.
        Raises CodeUnusable, with nothing changed, when the code was used
        meanwhile (another session), replaced by a newer letter, or expired."""
        result = self.check_password(account, password)
        if not result.ok:
            return result
        password_hash = self.s.hashing.hash(password)
        with self.s.store.write():
            if code_id is not None and not self.s.codes.use(code_id, account.id):
                raise CodeUnusable(code_id)
            current = self.s.directory.get(account.id) or account
            first = not current.activated
            self.s.directory.set_password_hash(account.id, password_hash)
            self.s.sessions.revoke_all(account.id, keep=keep_session)
            self.s.audit.record(event, account_id=account.id, client=client, **({"first": True} if first else {}))
            kind = "account_activated" if first else "password_changed"
            self.notices.send(kind, current, when=self.s.store.now(), client=client)
            if reset_factors:
                self.s.factors.remove_all(current, client)
            if code_id is not None:  # identity proven by HR: the pause ends with the new password
                self.lift_pause(current, client)
        return result

    def logout_everywhere(self, account: Account, client: str) -> None:
        """Every session of the account ends, with its audit event and notice (one transaction)."""
        with self.s.store.write():
            self.s.sessions.revoke_all(account.id)
            self.s.audit.record("logout.everywhere", account_id=account.id, client=client)
            self.notices.send("logout_everywhere", account, when=self.s.store.now(), client=client)

    def confirm_password(self, account: Account, password: str, client: str) -> Outcome:
        """The password typed again for one action (testing the mailbox, the out-of-office
        message): checked here first, throttled and counted like any password check, so a
        wrong one never reaches the mail server."""
        stored = account.password_hash
        return self._guarded(
            account.identifiant, account, client, "password",
            lambda: self.s.hashing.verify(stored, password),
        )
