"""The help desk's rules (DESIGN §3.5c, §3.10): find an account within the
agent's scope, check what a caller says without ever showing the stored
values, send a one-time code through a second channel, lift a pause, disable
or re-enable an account. Every agent action is audited with the agent's
identifiant as actor, in the same transaction as the action. No HTTP here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pwa.directory import PAGE_SIZE, Account, SqliteDirectory
from pwa.mfa.store import Authenticators
from pwa.names import ascii_fold
from pwa.security.audit import Audit
from pwa.security.keys import Keys
from pwa.security.roles import Grant
from pwa.security.sessions import SessionStore
from pwa.security.throttle import Throttle, Verdict
from pwa.services.backup import masked
from pwa.services.codes import Codes, grouped
from pwa.services.guard import Attempt, Result
from pwa.services.identity import check_identity
from pwa.services.notices import Notices
from pwa.store import Store
from pwa.stores.etablissements import Etablissements

DAY = 24 * 3600.0
CALLER_CHECKS_PER_DAY = 3


def scope_uais(grants: list[Grant], role: str) -> list[str] | None:
    """The établissements a role reaches: None for the whole académie."""
    uais = []
    for grant in grants:
        if grant.role in (role, "admin"):
            if grant.uai is None:
                return None
            uais.append(grant.uai)
    return sorted(set(uais))


@dataclass(frozen=True)
class SearchPage:
    rows: list[dict]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class CallerCheck:
    """A caller check: its attempt (ok: match, wrong: no match, paused: the daily
    limit was reached and nothing was checked), and the checks left today."""

    attempt: Attempt
    left: int = 0

    @property
    def done(self) -> bool:
        return not self.attempt.throttled

    @property
    def match(self) -> bool:
        return self.attempt.ok


class HelpDesk:
    def __init__(
        self,
        *,
        store: Store,
        keys: Keys,
        directory: SqliteDirectory,
        etablissements: Etablissements,
        throttle: Throttle,
        authenticators: Authenticators,
        codes: Codes,
        audit: Audit,
        sessions: SessionStore,
        notices: Notices,
    ) -> None:
        self.store = store
        self.keys = keys
        self.directory = directory
        self.etablissements = etablissements
        self.throttle = throttle
        self.authenticators = authenticators
        self.codes = codes
        self.audit = audit
        self.sessions = sessions
        self.notices = notices

    # -- search ----------------------------------------------------------------------
    def search(self, query: str, uais: list[str] | None, page: int = 1) -> SearchPage:
        """Accounts whose identifiant, name, addresses, UAI or établissement
        contain `query` (case- and accent-insensitive), within `uais` (None: everywhere)."""
        folded = ascii_fold(query).strip()
        named = [uai for uai, name in self.etablissements.names().items() if folded in ascii_fold(name)]
        rows, page, total = self.directory.search(query, uais, named, page)
        names = self.etablissements.names()
        for row in rows:
            row["etablissement"] = names.get(row["uai"])
        return SearchPage(rows, page, max(1, -(-total // PAGE_SIZE)), total)

    # -- the account page --------------------------------------------------------------
    def summary(self, account: Account) -> dict:
        now = self.store.now()
        paused = self.throttle.paused_until(f"account:{account.id}")
        current = self.directory.get(account.id)
        return {
            "etablissement": self.etablissements.name(account.uai),
            "has_factor": self.authenticators.has_factor(account.id),
            "backup_masked": masked(account.backup_email),
            "paused_until": paused if paused > now else None,
            "disabled_at": current.disabled_at if current else None,
            "live_code": self.codes.live(account.id, "helpdesk"),
            "checks_left": self.checks_left(account),
        }

    def viewed(self, account: Account, agent: Account, client: str) -> None:
        self.audit.record("helpdesk.viewed", account_id=account.id, actor=agent.identifiant, client=client)

    def trail(self, account: Account, limit: int = 200) -> list[dict]:
        return self.audit.for_account(account.id, limit=limit)

    # -- caller verification -----------------------------------------------------------
    def checks_left(self, account: Account) -> int:
        done = self.audit.count(account.id, "helpdesk.caller_checked", since=self.store.now() - DAY)
        return max(0, CALLER_CHECKS_PER_DAY - done)

    def check_caller(self, account: Account, agent: Account, *, birth: dt.date, numen: str, client: str) -> CallerCheck:
        """Compare what the caller says with the account's keyed hashes. The answer is
        only match / no match; the values are never recorded. The help desk's own daily
        limit (3 checks per account, counted in the audit trail) is its pause: it is no
        pause of the account, so nobody is told. Counted and checked under the account's
        lock: two agents at once cannot both use the last check of the day."""
        with self.store.write():
            self.store.lock(f"helpdesk:caller:{account.id}")
            left = self.checks_left(account)
            if left <= 0:
                now = self.store.now()
                wait = DAY  # at most: the oldest of today's checks leaves the window within a day
                return CallerCheck(Attempt(Result.PAUSED, verdict=Verdict(False, wait, "paused"), until=now + wait))
            match = check_identity(
                self.keys,
                account_id=account.id,
                numen_stored=account.numen_digest,
                birth_stored=account.birth_digest,
                numen=numen,
                birth_date=birth,
            )
            self.audit.record(
                "helpdesk.caller_checked", account_id=account.id, actor=agent.identifiant, client=client, match=match
            )
        result = Attempt(Result.OK, account=account) if match else Attempt(Result.WRONG)
        return CallerCheck(result, left=left - 1)

    # -- one-time code through a second channel -----------------------------------------
    def send_code_to_backup(self, account: Account, agent: Account, client: str) -> bool:
        """Mail a help-desk code to the verified backup address only."""
        if not account.backup_email:
            return False
        with self.store.write():  # the code, its mail and its audit event together
            code = self.codes.issue(account.id, "helpdesk", target="backup", issued_by=agent.id)
            self.notices.send(
                "helpdesk_code",
                account,
                when=self.store.now(),
                to=[account.backup_email],
                code=code,
                minutes=30,
            )
            self.audit.record(
                "helpdesk.code_issued",
                account_id=account.id,
                actor=agent.identifiant,
                client=client,
                channel="backup",
            )
        return True

    def code_for_slip(self, account: Account, agent: Account, client: str) -> tuple[str, float]:
        """A code for a printed slip, handed over in person by the head of the
        établissement. The slip travels like a letter, so it carries an
        activation-letter code (12 symbols, 30 days; it voids any earlier
        letter). Returns the clear code, shown once, and its expiry."""
        with self.store.write():
            code = self.codes.issue(account.id, "letter", target="slip", issued_by=agent.id)
            self.audit.record(
                "helpdesk.code_issued",
                account_id=account.id,
                actor=agent.identifiant,
                client=client,
                channel="slip",
            )
            live = self.codes.live(account.id, "letter")
        return grouped(code), live["expires_at"] if live else self.store.now()

    # -- unlock, disable, enable ------------------------------------------------------
    def unlock(self, account: Account, agent: Account, client: str) -> None:
        with self.store.write():
            self.throttle.lift(f"account:{account.id}", with_devices=True)
            self.audit.record("helpdesk.unlocked", account_id=account.id, actor=agent.identifiant, client=client)

    def disable(self, account: Account, agent: Account, reason: str, client: str) -> None:
        """The account opens nothing any more (Sésame, IMAP, SMTP) and its sessions end."""
        with self.store.write():  # the status, the sessions and the audit event together
            self.directory.set_status(account.id, "disabled")
            self.sessions.revoke_all(account.id)
            self.audit.record(
                "account.disabled", account_id=account.id, actor=agent.identifiant, client=client, reason=reason
            )

    def enable(self, account: Account, agent: Account, reason: str, client: str) -> None:
        with self.store.write():
            self.directory.set_status(account.id, "active")
            self.audit.record(
                "account.enabled", account_id=account.id, actor=agent.identifiant, client=client, reason=reason
            )
