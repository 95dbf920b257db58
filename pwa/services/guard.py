"""One guarded attempt for every secret check (DESIGN §5): password, NUMEN and
birth date, birth date alone, TOTP, recovery code, letter and help-desk codes,
mailed reset codes.

`Guard.attempt` asks the throttle whether the secret may be checked, runs the
check, resolves the attempt (right: forgotten, or kept; wrong: counted) and,
when a wrong attempt starts a pause, tells the owner in this one place: the
audit event, and the mail for an account's pause. Every caller gets the same
`Attempt` back: ok, wrong, or paused until a moment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from pwa.directory import Account, DirectoryUnavailable
from pwa.security import devices as device_subjects
from pwa.security.audit import Audit
from pwa.security.devices import Devices
from pwa.security.keys import Keys
from pwa.security.passwords import HashingBusy
from pwa.security.throttle import ALLOWED, DAILY_BUDGET, DEVICE_BUDGET, Throttle, Verdict
from pwa.services.notices import Notices
from pwa.store import Store


class Result(Enum):
    OK = "ok"
    WRONG = "wrong"
    PAUSED = "paused"  # not checked: wait until `Attempt.until`


@dataclass(frozen=True)
class Attempt:
    result: Result
    account: Account | None = None  # the owner, when the secret was right
    verdict: Verdict = ALLOWED  # why and how long, when paused (delay | paused | flood | …)
    until: float = 0.0  # when paused: the moment a new attempt may be checked
    disabled: bool = False  # right secret, disabled account: only its prover learns it
    detail: str = ""  # what the check adds to a wrong answer ("used": a TOTP code just used)

    @property
    def ok(self) -> bool:
        return self.result is Result.OK

    @property
    def wrong(self) -> bool:
        return self.result is Result.WRONG

    @property
    def throttled(self) -> bool:
        return self.result is Result.PAUSED


def paused(verdict: Verdict, now: float) -> Attempt:
    return Attempt(Result.PAUSED, verdict=verdict, until=now + verdict.retry_after)


# Which audit event a pause writes, by the kind of subject paused.
PAUSE_EVENTS = {"account": "account.paused", "device": "device.paused", "codes": "codes.paused"}


class Guard:
    def __init__(
        self,
        *,
        store: Store,
        keys: Keys,
        throttle: Throttle,
        audit: Audit,
        notices: Notices,
        devices: Devices,
    ) -> None:
        self.store = store
        self.keys = keys
        self.throttle = throttle
        self.audit = audit
        self.notices = notices
        self.devices = devices

    # -- subjects: whose budget an attempt spends -----------------------------------------
    def subject(self, login: str, account: Account | None) -> str:
        """The account, or a keyed hash of what was typed (unknown logins are throttled alike)."""
        if account is not None:
            return f"account:{account.id}"
        return "login:" + self.keys.mac("throttle", login.strip().lower())

    def numen_subject(self, numen: str, account: Account | None) -> str:
        """A NUMEN-only check: the account, or a keyed hash of the NUMEN typed."""
        if account is not None:
            return f"account:{account.id}"
        return "numen:" + self.keys.mac("throttle", f"numen\x1f{numen}")

    def budget_of(self, account: Account | None, device: str | None) -> tuple[str | None, int]:
        """The subject and budget of a browser that signed in to this account before
        (its device cookie): a budget of its own, which neither counts in nor waits for
        the account's (pwa.security.devices). (None, DAILY_BUDGET) for any other browser."""
        device_id = self.devices.known(device, account.id) if account is not None else None
        if device_id is None or account is None:
            return None, DAILY_BUDGET
        return device_subjects.subject(account.id, device_id), DEVICE_BUDGET

    # -- the attempt ------------------------------------------------------------------
    def attempt(
        self,
        check: Callable[[], bool | str],
        *,
        kind: str,
        client: str,
        account: Account | None,
        subject: str,
        device: str | None = None,
        budget: int = DAILY_BUDGET,
        keep_failures: bool = False,
        pause_kind: str = "account",
    ) -> Attempt:
        """Check one secret. `kind` names the secret in the throttle's table; `subject`
        is whose budget it spends (a known browser, `device`, spends its own instead);
        `keep_failures`: a right secret leaves earlier failures counted (a recovery code);
        `pause_kind`: what a pause of `subject` is (account, or the client's codes)."""
        known, known_budget = self.budget_of(account, device)
        if known is not None:
            subject, budget, pause_kind = known, known_budget, "device"
        verdict = self.throttle.check(subject, client, budget=budget)
        if not verdict.allowed:
            return paused(verdict, self.store.now())
        detail = ""
        try:
            answer = check()
        except (HashingBusy, DirectoryUnavailable):
            self.throttle.release(subject, client)  # not evaluated: not counted
            raise
        if isinstance(answer, str):  # a wrong answer with a detail to tell ("used")
            right, detail = False, answer
        else:
            right = bool(answer) and account is not None  # every secret belongs to an account
        if right and account is not None and not account.active:
            self.throttle.release(subject, client)
            return Attempt(Result.WRONG, disabled=True)
        if right:
            if keep_failures:
                self.throttle.release(subject, client)
            else:
                self.throttle.succeed(subject, client)
            return Attempt(Result.OK, account=account)
        if self.throttle.fail(subject, client, kind, budget=budget):
            self.pause_started(pause_kind, account, client)
        return Attempt(Result.WRONG, detail=detail)

    def pause_started(self, pause_kind: str, account: Account | None, client: str) -> None:
        """The one place a pause is told: its audit event, and the owner's mail when the
        account itself pauses (a known browser, or one address's codes, pause alone)."""
        if account is None:
            return
        with self.store.write():
            self.audit.record(PAUSE_EVENTS[pause_kind], account_id=account.id, client=client)
            if pause_kind == "account":
                self.notices.send("account_paused", account, when=self.store.now())
