"""Signing in (journey 4) and the one-time codes that lead to a new password
(journey 3): the decisions, without HTTP. The view turns a `SignIn` into a page
or a redirect; the session itself is started by the view.

Letter and help-desk codes throttle the client (never void a letter code: a
stranger must not spoil someone's letter). Answers are uniform: nothing tells
whether an identifiant exists or has a code."""

from __future__ import annotations

from dataclasses import dataclass

from pwa.directory import Account, SqliteDirectory
from pwa.mfa.store import Authenticators
from pwa.security.audit import Audit
from pwa.services import codes as one_time
from pwa.services.accounts import AccountService
from pwa.services.codes import Check, Codes
from pwa.services.factors import FactorService
from pwa.services.guard import Attempt, Guard, Result
from pwa.services.identity import normalise_numen, valid_numen

CODE_PURPOSE = {12: "letter", 8: "helpdesk"}


def code_purpose(typed: str) -> str | None:
    """`letter` for 12 symbols, `helpdesk` for 8, None when it can't be a code."""
    normalised = one_time.normalise(typed)
    purpose = CODE_PURPOSE.get(len(normalised))
    if purpose and one_time.PURPOSES[purpose].fits(normalised):
        return purpose
    return None


@dataclass(frozen=True)
class CodeAttempt:
    attempt: Attempt
    code_id: int | None = None  # the live code accepted: used up with the new password
    via: str = "letter"


@dataclass(frozen=True)
class SignIn:
    """What a sign-in with a password (or a code typed as one) comes to:
    `next` is one of signed_in, second_factor, choose_password, wrong, paused, disabled."""

    next: str
    attempt: Attempt
    account: Account | None = None
    code: CodeAttempt | None = None
    typed_numen: bool = False  # what was typed has the shape of a NUMEN


class SignInService:
    def __init__(
        self,
        *,
        directory: SqliteDirectory,
        accounts: AccountService,
        codes: Codes,
        authenticators: Authenticators,
        factors: FactorService,
        audit: Audit,
        guard: Guard,
    ) -> None:
        self.directory = directory
        self.accounts = accounts
        self.codes = codes
        self.authenticators = authenticators
        self.factors = factors
        self.audit = audit
        self.guard = guard

    def check_code(self, account: Account | None, typed: str, client: str) -> CodeAttempt:
        """A letter or help-desk code for an account, throttled per client. The code is
        not used up here but with the new password (AccountService.set_password), so a
        letter still works if someone stops before that step."""
        purpose = code_purpose(typed)
        live: dict = {}

        def check() -> bool:
            if not purpose or account is None or not account.active:
                return False
            if self.codes.check(account.id, purpose, typed, consume=False) is not Check.OK:
                return False
            live.update(self.codes.live(account.id, purpose) or {})
            return bool(live)

        attempt = self.guard.attempt(
            check,
            kind="code",
            client=client,
            account=account,
            subject=f"codes:{client}",
            pause_kind="codes",
        )
        if attempt.result is Result.WRONG:
            self.audit.record("letter.code_failed", account_id=account.id if account else None, client=client)
        if not attempt.ok:
            return CodeAttempt(attempt)
        return CodeAttempt(attempt, live["id"], purpose or "letter")

    def with_password(self, login: str, password: str, client: str, *, device: str | None = None) -> SignIn:
        """`device`: the browser's device cookie, if any (a known browser keeps its own budget)."""
        attempt = self.accounts.authenticate(login, password, client, device=device)
        if attempt.throttled:
            return SignIn("paused", attempt)
        if attempt.disabled:
            return SignIn("disabled", attempt)
        if not attempt.ok and code_purpose(password) is not None:
            # "Log in with the code of your letter": an activation (or help-desk) code typed
            # as the password leads to choosing the password (DESIGN §3.3).
            account = self.directory.by_login(login)
            code = self.check_code(account, password, client)
            if code.code_id is not None and account is not None:
                return SignIn("choose_password", attempt, account, code)
        if not attempt.ok or attempt.account is None:
            # People told "first connection: your NUMEN is the password" get the way to
            # choose one. Said from the shape of what was typed, never from the account.
            return SignIn("wrong", attempt, typed_numen=valid_numen(normalise_numen(password)))
        if self.authenticators.has_factor(attempt.account.id):
            return SignIn("second_factor", attempt, attempt.account)  # not signed in until then
        return SignIn("signed_in", attempt, attempt.account)

    def second_factor(
        self,
        account: Account,
        method: str,
        code: str,
        client: str,
        *,
        device: str | None = None,
        sign_in: bool = True,
    ) -> Attempt:
        """The TOTP or recovery code after the password (`sign_in`), or in a reset."""
        attempt = self.factors.check_second_factor(account, method, code, client, device=device)
        if sign_in:
            event = "login.second_factor" if attempt.ok else "login.second_factor_failed"
            self.audit.record(event, account_id=account.id, client=client)
        return attempt

    def second_factor_missing(self, account: Account, client: str) -> None:
        """The second step posted without a code: a failed try in the trail."""
        self.audit.record("login.second_factor_failed", account_id=account.id, client=client)

    def passkey(self, owner: Account | None, expected: Account | None, client: str) -> None:
        """A passkey sign-in (owner) or a failed passkey check (None) in the trail."""
        if owner is None:
            self.audit.record("login.second_factor_failed", account_id=expected.id if expected else None, client=client)
        else:
            self.audit.record("login.passkey", account_id=owner.id, client=client)

    def signed_out(self, account_id: int | None, client: str) -> None:
        if account_id:
            self.audit.record("logout", account_id=account_id, client=client)
