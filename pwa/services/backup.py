"""The adresse de secours (DESIGN §2, §3.5a, §5): a personal address verified
by a mailed code, then a way back in when the NUMEN is not at hand.

Reset answers are uniform: whatever the identifiant and birth date, the same
page, the same session keys, the same caps and the same wording follow; only a
real match with a backup address gets a code in its mailbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from pwa.directory import Account, SqliteDirectory
from pwa.security.audit import Audit
from pwa.security.throttle import ALLOWED, Throttle, Verdict
from pwa.services.accounts import AccountService
from pwa.services.codes import DAY, PURPOSES, Check, Codes
from pwa.services.guard import Attempt, Guard, Result
from pwa.services.notices import Notices
from pwa.store import Store

CODES_PER_DAY = 5  # mailed codes per account (or per unknown login) per day
CLIENT_CODES_PER_HOUR = 20  # code requests from one client address per hour
RESEND_AFTER = 60.0
CODE_SECONDS = PURPOSES["backup_reset"].lifetime
MAX_ATTEMPTS = PURPOSES["backup_reset"].max_attempts or 5
SENT = "code_sent"  # the throttle table's kind for a code request (caps, not failures)


def masked(address: str | None) -> str:
    """`jean.perso@exemple.fr` → `j•••@exemple.fr`."""
    if not address or "@" not in address:
        return ""
    local, domain = address.rsplit("@", 1)
    return f"{local[:1]}•••@{domain}"


class AddressRefused(ValueError):
    """A French sentence for the field."""


@dataclass(frozen=True)
class ResetRequest:
    """What the session keeps between the identity screen and the code screen:
    the same keys for everyone, the account only when a code was really sent."""

    account_id: int | None
    subject: str
    verdict: Verdict = ALLOWED

    @property
    def throttled(self) -> bool:
        return not self.verdict.allowed


class BackupService:
    def __init__(
        self,
        *,
        store: Store,
        mail_domain: str,
        directory: SqliteDirectory,
        codes: Codes,
        audit: Audit,
        notices: Notices,
        throttle: Throttle,
        accounts: AccountService,
        guard: Guard,
    ) -> None:
        self.store = store
        self.mail_domain = mail_domain
        self.directory = directory
        self.codes = codes
        self.audit = audit
        self.notices = notices
        self.throttle = throttle
        self.accounts = accounts
        self.guard = guard

    # -- the address, from Mon compte ---------------------------------------------------
    def normalise_address(self, raw: str, account: Account) -> str:
        value = raw.strip()
        if not value:
            raise AddressRefused("Indiquez votre adresse personnelle, par exemple prenom.nom@exemple.fr.")
        try:
            result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError as exc:
            if any(ord(c) > 127 for c in value.split("@")[0]):
                raise AddressRefused("L'adresse s'écrit sans accent avant le @.") from exc
            raise AddressRefused(
                "Cette adresse n'a pas la bonne forme. Vérifiez-la, par exemple prenom.nom@exemple.fr."
            ) from exc
        address = result.normalized.lower()
        domain = self.mail_domain.lower()
        if address == account.email.lower() or address.endswith("@" + domain) or address.endswith("." + domain):
            raise AddressRefused(
                "Indiquez une adresse personnelle, pas votre adresse académique : "
                "elle doit rester utilisable si vous ne pouvez plus entrer dans votre messagerie."
            )
        return address

    def codes_left_today(self, account: Account) -> int:
        sent = self.codes.issued_since(account.id, "backup_verify", self.store.now() - DAY)
        return max(0, CODES_PER_DAY - sent)

    def send_verify_code(self, account: Account, address: str, client: str) -> bool:
        """Mail a code to the new address only. False when today's codes are used up."""
        with self.store.write():  # the code, its mail and its audit event together
            # Counted and issued under one lock: two requests at once cannot both pass the cap.
            self.store.lock(f"code:{account.id}:backup_verify")
            if not self.codes_left_today(account):
                return False
            self._mail_code(account, "verify", address, client, address=address)
        return True

    def pending(self, account: Account) -> dict | None:
        """The live verification code (its target is the address waiting for it)."""
        return self.codes.live(account.id, "backup_verify")

    def confirm(self, account: Account, typed: str, client: str) -> Check:
        """One transaction: the code used up, the new address, its audit event and
        the notices; a wrong code counts its attempt and its audit event together."""
        with self.store.write():
            pending = self.codes.latest(account.id, "backup_verify")
            result = self.codes.check(account.id, "backup_verify", typed)
            if result is not Check.OK or pending is None:
                self.audit.record("backup.code_failed", account_id=account.id, client=client, purpose="verify")
                return result
            new = pending["target"]
            old = (self.directory.get(account.id) or account).backup_email
            self.directory.set_backup_email(account.id, new)
            self.audit.record("backup.added", account_id=account.id, client=client)
            recipients = [account.email] + ([old] if old else []) + [new]
            self.notices.send(
                "backup_added",
                account,
                when=self.store.now(),
                client=client,
                to=recipients,
                new=masked(new),
                old=masked(old) if old else None,
            )
        return result

    def remove(self, account: Account, client: str) -> None:
        with self.store.write():  # the removal, its audit event and its notice together
            old = (self.directory.get(account.id) or account).backup_email
            if not old:
                return
            self.codes.void(account.id, "backup_verify")
            self.directory.set_backup_email(account.id, None)
            self.audit.record("backup.removed", account_id=account.id, client=client)
            self.notices.send(
                "backup_removed",
                account,
                when=self.store.now(),
                client=client,
                to=[account.email, old],
                old=masked(old),
            )

    # -- the reset, anonymous -----------------------------------------------------------
    def _cap(self, subject: str, client: str) -> Verdict:
        """Per account (or typed login) per day, per client per hour: the same for
        everyone, whether or not a code is really sent."""
        now = self.store.now()
        sent, first = self.throttle.noted(SENT, since=now - DAY, subject="sent:" + subject)
        if sent >= CODES_PER_DAY:
            return Verdict(False, first + DAY - now, "codes")
        sent, first = self.throttle.noted(SENT, since=now - 3600, client=client)
        if sent >= CLIENT_CODES_PER_HOUR:
            return Verdict(False, first + 3600 - now, "client")
        return ALLOWED

    def _count_request(self, subject: str, client: str) -> Verdict:
        """Check the caps again and count the request, in one write locked on the subject
        and the client: two requests at once cannot both take the last code of the day."""
        with self.store.write():
            self.store.lock("sent:" + subject, "sent-client:" + client)
            capped = self._cap(subject, client)
            if capped.allowed:
                self.throttle.note("sent:" + subject, client, SENT)
            return capped

    def request_reset(self, login: str, birth: dt.date, client: str) -> ResetRequest:
        """Check the birth date (throttled like the NUMEN path) and, on a match
        with a verified backup address, mail it a code."""
        account = self.directory.by_login(login)
        subject = self.guard.subject(login, account)
        capped = self._cap(subject, client)
        if not capped.allowed:
            return ResetRequest(None, subject, capped)
        outcome = self.accounts.verify_birth(login, account, birth, client)
        if outcome.throttled:
            return ResetRequest(None, subject, outcome.verdict)
        capped = self._count_request(subject, client)
        if not capped.allowed:
            return ResetRequest(None, subject, capped)
        target = outcome.account if outcome.ok else None
        if target is None or not target.backup_email:
            return ResetRequest(None, subject)
        self._mail_reset_code(target, target.backup_email, client)
        return ResetRequest(target.id, subject)

    def resend_reset(self, account_id: int | None, subject: str, client: str) -> Verdict:
        capped = self._count_request(subject, client)
        if not capped.allowed:
            return capped
        account = self.directory.get(account_id) if account_id else None
        if account is not None and account.active and account.backup_email:
            self._mail_reset_code(account, account.backup_email, client)
        return ALLOWED

    def _mail_reset_code(self, account: Account, address: str, client: str) -> None:
        with self.store.write():  # the code, its mail and its audit event together
            self._mail_code(account, "reset", address, client)

    def _mail_code(self, account: Account, purpose: str, to: str, client: str, **extra: str) -> None:
        """A new `backup_<purpose>` code mailed to `to` with its audit event (inside the
        caller's write transaction)."""
        code = self.codes.issue(account.id, f"backup_{purpose}", target=to)
        self.notices.send(
            f"backup_{purpose}_code",
            account,
            when=self.store.now(),
            client=client,
            to=[to],
            code=code,
            minutes=int(CODE_SECONDS // 60),
            **extra,
        )
        self.audit.record("backup.code_sent", account_id=account.id, client=client, purpose=purpose)

    def check_reset_code(self, account_id: int | None, subject: str, typed: str, client: str) -> Attempt:
        """The typed code against the live one. Unknown details have no code: any code
        is wrong for them, and counts against the same throttle. A wrong attempt's
        detail is the code's state (wrong, void, expired, none)."""
        account = self.directory.get(account_id) if account_id else None

        def check() -> bool | str:
            # Checked, not used up: the code is used in the transaction that sets the new
            # password (AccountService.set_password), so a crash in between leaves it valid.
            result = self.codes.check(account.id, "backup_reset", typed, consume=False) if account else Check.WRONG
            if result is Check.OK and account is not None and account.active:
                return True
            return (Check.WRONG if result is Check.OK else result).value

        attempt = self.guard.attempt(check, kind="code", client=client, account=account, subject=subject)
        if attempt.result is Result.WRONG and account is not None:
            self.audit.record("backup.code_failed", account_id=account.id, client=client, purpose="reset")
        return attempt

    def live_reset_code(self, account_id: int) -> int | None:
        """The id of the mailed reset code still valid (to use up with the new password)."""
        row = self.codes.live(account_id, "backup_reset")
        return int(row["id"]) if row else None
