"""The help desk's rules (DESIGN §3.5c, §3.10): find an account within the
agent's scope, check what a caller says without ever showing the stored
values, send a one-time code through a second channel, lift a pause, disable
or re-enable an account. Every agent action is audited with the agent's
identifiant as actor, in the same transaction as the action. No HTTP here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pwa.directory import Account
from pwa.names import ascii_fold
from pwa.security.roles import Grant
from pwa.services.backup import masked
from pwa.services.codes import grouped
from pwa.services.identity import check_identity

if TYPE_CHECKING:
    from pwa.context import Sesame

DAY = 24 * 3600.0
CALLER_CHECKS_PER_DAY = 3
PAGE_SIZE = 20


def _fold(value: str | None) -> str:
    return ascii_fold(value or "")


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
    done: bool  # False: the daily limit was reached, nothing was checked
    match: bool = False
    left: int = 0


class HelpDesk:
    def __init__(self, sesame: Sesame) -> None:
        self.s = sesame

    # -- search ----------------------------------------------------------------------
    def search(self, query: str, uais: list[str] | None, page: int = 1) -> SearchPage:
        """Accounts whose identifiant, name, addresses, UAI or établissement
        contain `query` (case-insensitive), within `uais` (None: everywhere)."""
        # Case- and accent-insensitive: "ecole" finds "École".
        self.s.store.db.conn.create_function("fold", 1, _fold, deterministic=True)
        like = "%" + ascii_fold(query).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        columns = (
            "a.identifiant", "a.email", "a.backup_email", "a.uai", "e.name",
            "a.first_name || ' ' || a.last_name", "a.last_name || ' ' || a.first_name",
        )
        where = "(" + " or ".join(f"fold({c}) like :q escape '\\'" for c in columns) + ")"
        params: dict = {"q": like}
        if uais is not None:
            names = [f":u{i}" for i in range(len(uais))]
            where += f" and a.uai in ({', '.join(names) or 'null'})"
            params.update({f"u{i}": uai for i, uai in enumerate(uais)})
        base = f"from accounts a left join etablissements e on e.uai = a.uai where {where}"
        total = self.s.store.one(f"select count(*) as n {base}", params)["n"]
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = self.s.store.query(
            "select a.id, a.identifiant, a.first_name, a.last_name, a.email, a.uai, a.status,"
            f" a.password_hash is not null as activated, e.name as etablissement {base}"
            " order by a.last_name, a.first_name, a.id limit :limit offset :offset",
            {**params, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
        )
        return SearchPage(rows, page, pages, total)

    # -- the account page --------------------------------------------------------------
    def summary(self, account: Account) -> dict:
        s = self.s
        now = s.store.now()
        paused = s.throttle.paused_until(f"account:{account.id}")
        etab = s.store.one("select name from etablissements where uai = ?", (account.uai,))
        row = s.store.one("select disabled_at from accounts where id = ?", (account.id,))
        return {
            "etablissement": etab["name"] if etab else "",
            "has_factor": s.authenticators.has_factor(account.id),
            "backup_masked": masked(account.backup_email),
            "paused_until": paused if paused > now else None,
            "disabled_at": row["disabled_at"] if row else None,
            "live_code": s.codes.live(account.id, "helpdesk"),
            "checks_left": self.checks_left(account),
        }

    def viewed(self, account: Account, agent: Account, client: str) -> None:
        self.s.audit.record("helpdesk.viewed", account_id=account.id, actor=agent.identifiant, client=client)

    def trail(self, account: Account, limit: int = 200) -> list[dict]:
        return self.s.audit.for_account(account.id, limit=limit)

    # -- caller verification -----------------------------------------------------------
    def checks_left(self, account: Account) -> int:
        row = self.s.store.one(
            "select count(*) as n from audit where account_id = ? and event = 'helpdesk.caller_checked' and at > ?",
            (account.id, self.s.store.now() - DAY),
        )
        return max(0, CALLER_CHECKS_PER_DAY - (row["n"] if row else 0))

    def check_caller(
        self, account: Account, agent: Account, *, birth: dt.date, numen: str, client: str
    ) -> CallerCheck:
        """Compare what the caller says with the account's keyed hashes. The
        answer is only match / no match; the values are never recorded."""
        left = self.checks_left(account)
        if left <= 0:
            return CallerCheck(done=False)
        match = check_identity(
            self.s.keys,
            account_id=account.id,
            numen_stored=account.numen_digest,
            birth_stored=account.birth_digest,
            numen=numen,
            birth_date=birth,
        )
        self.s.audit.record(
            "helpdesk.caller_checked", account_id=account.id, actor=agent.identifiant, client=client, match=match
        )
        return CallerCheck(done=True, match=match, left=left - 1)

    # -- one-time code through a second channel -----------------------------------------
    def send_code_to_backup(self, account: Account, agent: Account, client: str) -> bool:
        """Mail a help-desk code to the verified backup address only."""
        if not account.backup_email:
            return False
        with self.s.store.write():  # the code, its mail and its audit event together
            code = self.s.codes.issue(account.id, "helpdesk", target="backup", issued_by=agent.id)
            self.s.notices.send(
                "helpdesk_code", account, when=self.s.store.now(), to=[account.backup_email],
                code=code, minutes=30,
            )
            self.s.audit.record(
                "helpdesk.code_issued", account_id=account.id, actor=agent.identifiant, client=client,
                channel="backup",
            )
        return True

    def code_for_slip(self, account: Account, agent: Account, client: str) -> tuple[str, float]:
        """A code for a printed slip, handed over in person by the head of the
        établissement. The slip travels like a letter, so it carries an
        activation-letter code (12 symbols, 30 days; it voids any earlier
        letter). Returns the clear code, shown once, and its expiry."""
        with self.s.store.write():
            code = self.s.codes.issue(account.id, "letter", target="slip", issued_by=agent.id)
            self.s.audit.record(
                "helpdesk.code_issued", account_id=account.id, actor=agent.identifiant, client=client,
                channel="slip",
            )
            live = self.s.codes.live(account.id, "letter")
        return grouped(code), live["expires_at"] if live else self.s.store.now()

    # -- unlock, disable, enable ------------------------------------------------------
    def unlock(self, account: Account, agent: Account, client: str) -> None:
        with self.s.store.write():
            self.s.throttle.lift(f"account:{account.id}", with_devices=True)
            self.s.audit.record("helpdesk.unlocked", account_id=account.id, actor=agent.identifiant, client=client)

    def disable(self, account: Account, agent: Account, reason: str, client: str) -> None:
        """The account opens nothing any more (Sésame, IMAP, SMTP) and its sessions end."""
        with self.s.store.write():  # the status, the sessions and the audit event together
            self.s.directory.set_status(account.id, "disabled")
            self.s.sessions.revoke_all(account.id)
            self.s.audit.record(
                "account.disabled", account_id=account.id, actor=agent.identifiant, client=client, reason=reason
            )

    def enable(self, account: Account, agent: Account, reason: str, client: str) -> None:
        with self.s.store.write():
            self.s.directory.set_status(account.id, "active")
            self.s.audit.record(
                "account.enabled", account_id=account.id, actor=agent.identifiant, client=client, reason=reason
            )
