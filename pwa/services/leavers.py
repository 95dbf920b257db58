"""Staff who leave (issue 15): what an import will do, before it does it, and the grace period.

An import may be the complete list for a scope (établissements): the people of that scope
missing from it are marked leaving (`leaving_since`); after the profile's grace period,
`sesame leavers` (run daily from cron) disables their account, through the directory's own
disable path (with LDAP the entry is locked, so the mail server refuses it too). Nobody is
deleted: a later file that lists the person again restores them.

Why a command and not the import alone: the grace period ends on a date, whether or not a
file comes that day, and an import must do exactly what its preview showed, nothing the
calendar adds. The command is idempotent; run it daily.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pwa.account import Account
from pwa.directory import SqliteDirectory
from pwa.importer_checks import logins
from pwa.importer_csv import StaffRow
from pwa.security.audit import Audit
from pwa.security.keys import Keys
from pwa.security.sessions import SessionStore
from pwa.services.identity import numen_index
from pwa.store import Store

DAY = 86400.0


def _name(last: str, first: str, uai: str | None) -> str:
    return f"{last} {first} ({uai})" if uai else f"{last} {first}"


@dataclass(frozen=True)
class ImportPlan:
    """What applying the file changes, with names (« Nom Prénom (UAI) »), sorted."""

    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    leaving: tuple[str, ...] = ()  # newly marked leaving (complete list only)
    restored: tuple[str, ...] = ()  # in the file, and marked leaving or disabled for it
    scope: tuple[str, ...] = ()  # the établissements the file is the complete list of
    leaving_ids: tuple[int, ...] = field(default=(), repr=False)
    restored_ids: tuple[int, ...] = field(default=(), repr=False)


def _changed(row: StaffRow, account: Account, mail_domain: str) -> bool:
    given = logins(row, mail_domain)
    return (
        (row.first_name, row.last_name, row.category, row.uai, given.personal_email)
        != (account.first_name, account.last_name, account.category, account.uai, account.personal_email)
        or bool(given.identifiant and given.identifiant != account.identifiant)
        or bool(given.email and given.email != account.email)
    )


def plan_import(
    rows: Sequence[StaffRow], *, directory: SqliteDirectory, keys: Keys, complete: Sequence[str] | None = None
) -> ImportPlan:
    """Pure reading: the file against the rows as stored. `complete`: the UAIs the file is
    the complete list of (None: an ordinary import, nobody is marked leaving)."""
    indexes = [numen_index(keys, row.numen) for row in rows]
    known = SqliteDirectory.by_numen_indexes(directory, indexes)
    new: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    restored: list[str] = []
    restored_ids: list[int] = []
    for row, index in zip(rows, indexes, strict=True):
        name = _name(row.last_name, row.first_name, row.uai)
        account = known.get(index)
        if account is None:
            new.append(name)
            continue
        (updated if _changed(row, account, directory.mail_domain) else unchanged).append(name)
        if account.leaving_since is not None or account.left_at is not None:
            restored.append(name)
            restored_ids.append(account.id)
    leaving: list[tuple[str, int]] = []
    if complete:
        listed = set(indexes)
        for index, account in directory.in_uais(list(complete)).items():
            if index not in listed and account.active and account.leaving_since is None:
                leaving.append((_name(account.last_name, account.first_name, account.uai), account.id))
    return ImportPlan(
        new=tuple(sorted(new)),
        updated=tuple(sorted(updated)),
        unchanged=tuple(sorted(unchanged)),
        leaving=tuple(sorted(n for n, _ in leaving)),
        restored=tuple(sorted(restored)),
        scope=tuple(sorted(complete or ())),
        leaving_ids=tuple(i for _, i in leaving),
        restored_ids=tuple(restored_ids),
    )


def apply_leaving(plan: ImportPlan, *, directory: SqliteDirectory, audit: Audit | None, actor: str) -> None:
    """The plan's leaving marks and restorations, inside the import's transaction."""
    now = directory.store.now()
    for account_id in plan.leaving_ids:
        directory.set_leaving(account_id, leaving_since=now, left_at=None)
    for account_id in plan.restored_ids:
        account = SqliteDirectory.get(directory, account_id)
        if account is not None and account.left_at is not None:
            directory.set_status(account_id, "active")  # LDAP: lifts the entry's lock
        directory.set_leaving(account_id, leaving_since=None, left_at=None)
        if audit is not None:
            audit.record("account.returned", account_id=account_id, actor=actor)


class Leavers:
    """The grace period: `sesame leavers` disables those whose time is up."""

    def __init__(
        self, *, store: Store, directory: SqliteDirectory, sessions: SessionStore, audit: Audit, grace_days: int
    ) -> None:
        self.store = store
        self.directory = directory
        self.sessions = sessions
        self.audit = audit
        self.grace_days = grace_days

    def due(self) -> list[Account]:
        """Marked leaving more than the grace period ago, and still open."""
        return self.directory.leaving_due(self.store.now() - self.grace_days * DAY)

    def disable_due(self) -> list[Account]:
        """Disables each one due, one transaction each (status, sessions, audit). Returns them:
        one restored meanwhile, or disabled by another run at the same time, is left alone."""
        before = self.store.now() - self.grace_days * DAY
        done = []
        for account in self.directory.leaving_due(before):
            with self.store.write():
                if not self.directory.mark_left(account.id, before):
                    continue
                self.sessions.revoke_all(account.id)
                self.audit.record("account.left", account_id=account.id, actor="cli", grace_days=self.grace_days)
            done.append(account)
        return done
