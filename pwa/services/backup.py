"""The adresse de secours (DESIGN §2, §3.5a, §5): a personal address verified
by a mailed code, then a way back in when the NUMEN is not at hand.

Reset answers are uniform: whatever the identifiant and birth date, the same
page, the same session keys, the same caps and the same wording follow; only a
real match with a backup address gets a code in its mailbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email

from pwa.directory import Account
from pwa.security.throttle import ALLOWED, Verdict
from pwa.services.codes import DAY, PURPOSES, Check

if TYPE_CHECKING:
    from pwa.context import Sesame

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
    def __init__(self, sesame: Sesame) -> None:
        self.s = sesame

    # -- the address, from Mon compte ---------------------------------------------------
    def normalise_address(self, raw: str, account: Account) -> str:
        value = raw.strip()
        if not value:
            raise AddressRefused(
                "Indiquez votre adresse personnelle, par exemple prenom.nom@exemple.fr."
            )
        try:
            result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError as exc:
            if any(ord(c) > 127 for c in value.split("@")[0]):
                raise AddressRefused("L'adresse s'écrit sans accent avant le @.") from exc
            raise AddressRefused(
                "Cette adresse n'a pas la bonne forme. Vérifiez-la, par exemple prenom.nom@exemple.fr."
            ) from exc
        address = result.normalized.lower()
        domain = self.s.profile.mail_domain.lower()
        if (
            address == account.email.lower()
            or address.endswith("@" + domain)
            or address.endswith("." + domain)
        ):
            raise AddressRefused(
                "Indiquez une adresse personnelle, pas votre adresse académique : "
                "elle doit rester utilisable si vous ne pouvez plus entrer dans votre messagerie."
            )
        return address

    def codes_left_today(self, account: Account) -> int:
        sent = self.s.codes.issued_since(account.id, "backup_verify", self.s.store.now() - DAY)
        return max(0, CODES_PER_DAY - sent)

    def send_verify_code(self, account: Account, address: str, client: str) -> bool:
        """Mail a code to the new address only. False when today's codes are used up."""
        with self.s.store.write():  # the code, its mail and its audit event together
            if not self.codes_left_today(account):
                return False
            code = self.s.codes.issue(account.id, "backup_verify", target=address)
            self.s.notices.send(
                "backup_verify_code",
                account,
                when=self.s.store.now(),
                client=client,
                to=[address],
                code=code,
                minutes=int(CODE_SECONDS // 60),
                address=address,
            )
            self.s.audit.record(
                "backup.code_sent", account_id=account.id, client=client, purpose="verify"
            )
        return True

    def pending(self, account: Account) -> dict | None:
        """The live verification code (its target is the address waiting for it)."""
        return self.s.codes.live(account.id, "backup_verify")

    def confirm(self, account: Account, typed: str, client: str) -> Check:
        """One transaction: the code used up, the new address, its audit event and
        the notices; a wrong code counts its attempt and its audit event together."""
        with self.s.store.write():
            pending = self.s.codes.latest(account.id, "backup_verify")
            result = self.s.codes.check(account.id, "backup_verify", typed)
            if result is not Check.OK or pending is None:
                self.s.audit.record(
                    "backup.code_failed", account_id=account.id, client=client, purpose="verify"
                )
                return result
            new = pending["target"]
            old = (self.s.directory.get(account.id) or account).backup_email
            self.s.directory.set_backup_email(account.id, new)
            self.s.audit.record("backup.added", account_id=account.id, client=client)
            recipients = [account.email] + ([old] if old else []) + [new]
            self.s.notices.send(
                "backup_added",
                account,
                when=self.s.store.now(),
                client=client,
                to=recipients,
                new=masked(new),
                old=masked(old) if old else None,
            )
        return result

    def remove(self, account: Account, client: str) -> None:
        with self.s.store.write():  # the removal, its audit event and its notice together
            old = (self.s.directory.get(account.id) or account).backup_email
            if not old:
                return
            self.s.codes.void(account.id, "backup_verify")
            self.s.directory.set_backup_email(account.id, None)
            self.s.audit.record("backup.removed", account_id=account.id, client=client)
            self.s.notices.send(
                "backup_removed",
                account,
                when=self.s.store.now(),
                client=client,
                to=[account.email, old],
                old=masked(old),
            )

    # -- the reset, anonymous -----------------------------------------------------------
    def _cap(self, subject: str, client: str) -> Verdict:
        """Per account (or typed login) per day, per client per hour: the same for
        everyone, whether or not a code is really sent."""
        now = self.s.store.now()
        day = self.s.store.one(
            "select count(*) as n, min(at) as first from failures where subject = ? and kind = ? and at > ?",
            ("sent:" + subject, SENT, now - DAY),
        )
        if day and day["n"] >= CODES_PER_DAY:
            return Verdict(False, day["first"] + DAY - now, "codes")
        hour = self.s.store.one(
            "select count(*) as n, min(at) as first from failures where client = ? and kind = ? and at > ?",
            (client, SENT, now - 3600),
        )
        if hour and hour["n"] >= CLIENT_CODES_PER_HOUR:
            return Verdict(False, hour["first"] + 3600 - now, "client")
        return ALLOWED

    def _count_request(self, subject: str, client: str) -> None:
        with self.s.store.write() as db:
            db["failures"].insert(
                {
                    "at": self.s.store.now(),
                    "subject": "sent:" + subject,
                    "client": client,
                    "kind": SENT,
                }
            )

    def request_reset(self, login: str, birth: dt.date, client: str) -> ResetRequest:
        """Check the birth date (throttled like the NUMEN path) and, on a match
        with a verified backup address, mail it a code."""
        account = self.s.directory.by_login(login)
        subject = self.s.accounts.subject(login, account)
        capped = self._cap(subject, client)
        if not capped.allowed:
            return ResetRequest(None, subject, capped)
        outcome = self.s.accounts.verify_birth(login, account, birth, client)
        if outcome.throttled:
            return ResetRequest(None, subject, outcome.verdict)
        self._count_request(subject, client)
        target = outcome.account if outcome.ok else None
        if target is None or not target.backup_email:
            return ResetRequest(None, subject)
        self._mail_reset_code(target, client)
        return ResetRequest(target.id, subject)

    def resend_reset(self, account_id: int | None, subject: str, client: str) -> Verdict:
        capped = self._cap(subject, client)
        if not capped.allowed:
            return capped
        self._count_request(subject, client)
        account = self.s.directory.get(account_id) if account_id else None
        if account is not None and account.active and account.backup_email:
            self._mail_reset_code(account, client)
        return ALLOWED

    def _mail_reset_code(self, account: Account, client: str) -> None:
        with self.s.store.write():  # the code, its mail and its audit event together
            code = self.s.codes.issue(account.id, "backup_reset", target=account.backup_email)
            self.s.notices.send(
                "backup_reset_code",
                account,
                when=self.s.store.now(),
                client=client,
                to=[account.backup_email],
                code=code,
                minutes=int(CODE_SECONDS // 60),
            )
            self.s.audit.record(
                "backup.code_sent", account_id=account.id, client=client, purpose="reset"
            )

    def check_reset_code(
        self, account_id: int | None, subject: str, typed: str, client: str
    ) -> Check | Verdict:
        """The typed code against the live one. Unknown details have no code: any
        code is wrong for them, and counts against the same throttle."""
        verdict = self.s.throttle.check(subject, client)
        if not verdict.allowed:
            return verdict
        account = self.s.directory.get(account_id) if account_id else None
        result = self.s.codes.check(account.id, "backup_reset", typed) if account else Check.WRONG
        if result is Check.OK and account is not None and account.active:
            self.s.throttle.succeed(subject, client)
            return result
        if self.s.throttle.fail(subject, client, "code") and account is not None:
            self.s.audit.record("account.paused", account_id=account.id, client=client)
            self.s.notices.send("account_paused", account, when=self.s.store.now())
        if account is not None:
            self.s.audit.record(
                "backup.code_failed", account_id=account.id, client=client, purpose="reset"
            )
        return Check.WRONG if result is Check.OK else result
