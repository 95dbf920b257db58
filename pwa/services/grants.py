"""The reset / activation grant (DESIGN §3.2-3.5): once a person proved who they
are (NUMEN and birth date, a letter or help-desk code, a code mailed to the
backup address), their session may choose the account's password for a short
while, after the second factor when one is enrolled and the proof asks for it.

The whole state lives under one session key, `grant`, never a secret:
- the backup-address stage (`stage: "backup"`): which account a code went to (None
  for unknown details: the same keys for everyone), the throttle subject, when the
  code was sent, until when it is valid, the wrong tries, a message shown once;
- the reset stage (`stage: "reset"`): the account, the deadline, how the identity was
  proven (`via`), whether the factor is needed and done, the code to use up with
  the new password, whether to show the identifiant;
and, after the new password, `done_account` (the confirmation page).
Modelled on django-allauth's flows/password_reset_by_code.py: start, resume,
factor done, finish."""

from __future__ import annotations

from pwa.directory import Account, SqliteDirectory
from pwa.mfa.store import Authenticators
from pwa.security.sessions import SessionHandle
from pwa.services.backup import CODE_SECONDS, MAX_ATTEMPTS
from pwa.store import Store

KEY = "grant"
DONE = "done_account"
GRANT_SECONDS = 15 * 60
BY_HR = ("letter", "helpdesk")  # identity checked by HR: no second factor, may reset it

# How the identity was proven → the audit event of the new password.
RESET_EVENTS = {
    "numen": "password.set",
    "letter": "password.set_letter",
    "helpdesk": "password.set_helpdesk",
    "backup": "password.reset_backup",
}


class Grants:
    def __init__(self, *, store: Store, directory: SqliteDirectory, authenticators: Authenticators) -> None:
        self.store = store
        self.directory = directory
        self.authenticators = authenticators

    def _put(self, handle: SessionHandle, grant: dict) -> None:
        """Keep `grant` in the session: a signed-in one keeps its sign-in, else an anonymous one starts."""
        current = handle.get()
        if current is not None and current.authenticated:
            current.data[KEY] = grant
            handle.save()
        else:
            handle.start(account_id=None, level="anonymous", data={KEY: grant})

    def _get(self, handle: SessionHandle, stage: str) -> dict | None:
        session = handle.get()
        grant = session.data.get(KEY) if session is not None else None
        return grant if isinstance(grant, dict) and grant.get("stage") == stage else None

    def drop(self, handle: SessionHandle) -> None:
        session = handle.get()
        if session is not None and session.data.pop(KEY, None) is not None:
            handle.save()

    # -- the reset stage ---------------------------------------------------------------
    def start(
        self,
        handle: SessionHandle,
        account: Account,
        *,
        via: str,
        code_id: int | None = None,
        show_identity: bool = False,
    ) -> bool:
        """Let this session choose the account's password for a short while.
        `show_identity`: the person did not type their identifiant (NUMEN and birth
        date alone), so the password page shows it. Returns whether the second factor
        must be given first."""
        needs_factor = via not in BY_HR and self.authenticators.has_factor(account.id)
        self._put(handle, self._reset(account.id, via, needs_factor, code_id, show_identity))
        return needs_factor

    def _reset(
        self,
        account_id: int,
        via: str,
        needs_factor: bool,
        code_id: int | None = None,
        show_identity: bool = False,
    ) -> dict:
        return {
            "stage": "reset",
            "account": account_id,
            "until": self.store.now() + GRANT_SECONDS,
            "needs_factor": needs_factor,
            "factor_done": False,
            "via": via,
            "code": code_id,  # letter, help-desk and mailed reset codes: used up with the new password
            "identity": show_identity,
        }

    def account(self, handle: SessionHandle, *, factor_done: bool = True) -> Account | None:
        """The account whose identity was just proven (and, when it has a second factor
        and `factor_done` is asked, whose factor was given too)."""
        grant = self._get(handle, "reset")
        if grant is None or not grant.get("account") or grant.get("until", 0) < self.store.now():
            return None
        if factor_done and grant.get("needs_factor") and not grant.get("factor_done"):
            return None
        return self.directory.get(int(grant["account"]))

    def factor_done(self, handle: SessionHandle) -> None:
        grant = self._get(handle, "reset")
        if grant is not None:
            grant["factor_done"] = True
            handle.save()

    def via(self, handle: SessionHandle) -> str:
        grant = self._get(handle, "reset") or {}
        return grant.get("via", "numen")

    def by_hr(self, handle: SessionHandle) -> bool:
        return self.via(handle) in BY_HR

    def code_id(self, handle: SessionHandle) -> int | None:
        """The code to use up with the new password: a letter or help-desk code, or the
        reset code mailed to the backup address (0: none kept, so none can be used)."""
        grant = self._get(handle, "reset") or {}
        return (grant.get("code") or 0) if grant.get("via") in (*BY_HR, "backup") else None

    def shows_identity(self, handle: SessionHandle) -> bool:
        return bool((self._get(handle, "reset") or {}).get("identity"))

    def finish(self, handle: SessionHandle, account_id: int) -> None:
        """The password is chosen: the grant ends, the confirmation page may show."""
        session = handle.get()
        if session is not None:
            session.data.pop(KEY, None)
            session.data[DONE] = account_id
            handle.save()

    def done_account(self, handle: SessionHandle) -> Account | None:
        session = handle.get()
        account_id = session.data.get(DONE) if session else None
        return self.directory.get(int(account_id)) if account_id else None

    # -- the backup-address stage --------------------------------------------------------
    def start_backup(self, handle: SessionHandle, account_id: int | None, subject: str, flash: str) -> None:
        now = self.store.now()
        self._put(
            handle,
            {
                "stage": "backup",
                "account": account_id,
                "subject": subject,
                "sent_at": now,
                "until": now + CODE_SECONDS,
                "attempts": 0,
                "flash": flash,
            },
        )

    def backup(self, handle: SessionHandle) -> dict | None:
        """The backup stage's state: account, subject, sent_at, until, attempts."""
        return self._get(handle, "backup")

    def take_backup_flash(self, handle: SessionHandle) -> str | None:
        grant = self._get(handle, "backup")
        flash = grant.pop("flash", None) if grant else None
        if flash:
            handle.save()
        return flash

    def backup_resent(self, handle: SessionHandle, flash: str) -> None:
        grant = self._get(handle, "backup")
        if grant is not None:
            now = self.store.now()
            grant.update({"sent_at": now, "until": now + CODE_SECONDS, "attempts": 0, "flash": flash})
            handle.save()

    def backup_failed(self, handle: SessionHandle) -> bool:
        """A wrong code, counted in the session for everyone (known or not), so the fifth
        voids the code on the same try whether or not a code exists. True when void."""
        grant = self._get(handle, "backup")
        if grant is None:
            return True
        grant["attempts"] += 1
        handle.save()
        return grant["attempts"] >= MAX_ATTEMPTS

    def backup_spent(self, handle: SessionHandle) -> bool:
        grant = self._get(handle, "backup")
        return grant is None or grant["attempts"] >= MAX_ATTEMPTS

    def backup_proven(self, handle: SessionHandle, code_id: int | None = None) -> bool:
        """The mailed code was right: the same grant as the NUMEN journey follows.
        Returns whether the second factor must be given first."""
        grant = self._get(handle, "backup")
        account_id = int(grant["account"]) if grant and grant.get("account") else 0
        needs_factor = self.authenticators.has_factor(account_id)
        session = handle.get()
        if session is not None:
            session.data[KEY] = self._reset(account_id, "backup", needs_factor, code_id)
            handle.save()
        return needs_factor
