"""One-time codes (DESIGN §5): mailed, help-desk and activation-letter codes.

A code is shown or sent once and kept only as a keyed hash bound to the
account and its purpose. Issuing a new code of a purpose voids the previous
one. Each purpose has its length, lifetime and attempt rule:

| purpose        | length | lifetime | wrong attempts                       |
| -------------- | ------ | -------- | ------------------------------------ |
| backup_verify  | 6      | 10 min   | 5, then void                         |
| backup_reset   | 6      | 10 min   | 5, then void                         |
| helpdesk       | 8      | 30 min   | 5, then void                         |
| letter         | 12     | 30 days  | never void (the client is throttled) |
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import Enum

# The 32 unambiguous symbols (no I, O, 0, 1) and the case- and spacing-blind reading of
# recovery codes: every one-time code in Sésame is read the same way.
from pwa.mfa.recovery import ALPHABET, normalise
from pwa.security.keys import Keys
from pwa.store import Store

__all__ = ["ALPHABET", "PURPOSES", "Check", "Codes", "grouped", "lock_key", "normalise"]

DAY = 86400.0


@dataclass(frozen=True)
class Purpose:
    name: str
    length: int
    lifetime: float
    max_attempts: int | None  # None: wrong attempts never void the code

    def fits(self, normalised: str) -> bool:
        return len(normalised) == self.length and all(c in ALPHABET for c in normalised)


PURPOSES = {
    p.name: p
    for p in (
        Purpose("backup_verify", 6, 10 * 60, 5),
        Purpose("backup_reset", 6, 10 * 60, 5),
        Purpose("helpdesk", 8, 30 * 60, 5),
        Purpose("letter", 12, 30 * DAY, None),
    )
}


class Check(Enum):
    OK = "ok"
    WRONG = "wrong"  # wrong code; the code still stands
    VOID = "void"  # too many wrong attempts, used, or replaced: ask for a new one
    EXPIRED = "expired"
    NONE = "none"  # no code was issued


def grouped(code: str, size: int = 4) -> str:
    """`ABCDEFGHJKLM` → `ABCD-EFGH-JKLM` for letters; short codes stay whole."""
    if len(code) <= 8:
        return code
    return "-".join(code[i : i + size] for i in range(0, len(code), size))


def lock_key(account_id: int, purpose: str) -> str:
    """The `store.lock` key of an account's codes of one purpose."""
    return f"code:{account_id}:{purpose}"


class Codes:
    def __init__(self, store: Store, keys: Keys) -> None:
        self.store = store
        self.keys = keys

    def _digest(self, account_id: int, purpose: str, normalised: str) -> str:
        return self.keys.bound("codes", account_id, purpose, normalised)

    def issue(self, account_id: int, purpose: str, *, target: str | None = None, issued_by: int | None = None) -> str:
        """A new code; any live code of the same purpose is voided. Returns
        the clear code, which the caller shows or sends once."""
        spec = PURPOSES[purpose]
        code = "".join(secrets.choice(ALPHABET) for _ in range(spec.length))
        now = self.store.now()
        with self.store.write() as db:
            self.store.lock(lock_key(account_id, purpose))  # two issues at once: one live code
            db.execute(
                "update codes set voided_at = ? where account_id = ? and purpose = ?"
                " and used_at is null and voided_at is null",
                (now, account_id, purpose),
            )
            db.table("codes").insert(
                {
                    "account_id": account_id,
                    "purpose": purpose,
                    "digest": self._digest(account_id, purpose, code),
                    "target": target,
                    "created_at": now,
                    "expires_at": now + spec.lifetime,
                    "attempts": 0,
                    "issued_by": issued_by,
                }
            )
        return code

    def latest(self, account_id: int, purpose: str) -> dict | None:
        """The most recent code of a purpose (used, voided or live), without its digest."""
        row = self.store.one(
            "select id, target, created_at, expires_at, attempts, used_at, voided_at, issued_by"
            " from codes where account_id = ? and purpose = ? order by id desc limit 1",
            (account_id, purpose),
        )
        return row

    def live(self, account_id: int, purpose: str) -> dict | None:
        row = self.latest(account_id, purpose)
        if row is None or row["used_at"] or row["voided_at"] or row["expires_at"] <= self.store.now():
            return None
        return row

    def issued_since(self, account_id: int, purpose: str, since: float) -> int:
        row = self.store.one(
            "select count(*) as n from codes where account_id = ? and purpose = ? and created_at > ?",
            (account_id, purpose, since),
        )
        return row["n"] if row else 0

    def check(self, account_id: int, purpose: str, typed: str, *, consume: bool = True) -> Check:
        """Compare a typed code with the live one. A right code is used up
        (single use) unless `consume` is False; a wrong one counts an attempt."""
        spec = PURPOSES[purpose]
        normalised = normalise(typed)
        now = self.store.now()
        with self.store.write() as db:
            self.store.lock(lock_key(account_id, purpose))  # read after it: used once, every attempt counted
            row = self.store.one(
                "select * from codes where account_id = ? and purpose = ? order by id desc limit 1",
                (account_id, purpose),
            )
            if row is None:
                return Check.NONE
            if row["used_at"] or row["voided_at"]:
                return Check.VOID
            if row["expires_at"] <= now:
                return Check.EXPIRED
            if self.keys.verify_bound(row["digest"], "codes", account_id, purpose, normalised):
                if consume:
                    db.table("codes").update(row["id"], {"used_at": now})
                return Check.OK
            attempts = row["attempts"] + 1
            changes: dict = {"attempts": attempts}
            if spec.max_attempts is not None and attempts >= spec.max_attempts:
                changes["voided_at"] = now
            db.table("codes").update(row["id"], changes)
            return Check.VOID if "voided_at" in changes else Check.WRONG

    def use(self, code_id: int | None, account_id: int) -> bool:
        """Use up one code checked earlier with consume=False, if it is still
        live: True for the one caller who gets it (a code works once, even
        when two sessions checked it)."""
        if not code_id:
            return False
        with self.store.write() as db:
            cursor = db.execute(
                "update codes set used_at = ? where id = ? and account_id = ?"
                " and used_at is null and voided_at is null and expires_at > ?",
                (self.store.now(), code_id, account_id, self.store.now()),
            )
            return cursor.rowcount == 1

    def void(self, account_id: int, purpose: str) -> None:
        with self.store.write() as db:
            db.execute(
                "update codes set voided_at = ? where account_id = ? and purpose = ?"
                " and used_at is null and voided_at is null",
                (self.store.now(), account_id, purpose),
            )

    def live_letters(self, account_ids: list[int]) -> list[dict]:
        """The letter-type codes (letters, slips) still valid of these accounts, oldest first."""
        found: list[dict] = []
        for i in range(0, len(account_ids), 500):
            chunk = account_ids[i : i + 500]
            found += self.store.query(
                "select id, account_id, purpose, target, created_at from codes"
                f" where account_id in ({', '.join('?' * len(chunk))}) and purpose = 'letter'"
                " and used_at is null and voided_at is null and expires_at > ? order by id",
                (*chunk, self.store.now()),
            )
        return sorted(found, key=lambda r: r["id"])

    def serving(self, account_id: int, since: float) -> dict | None:
        """The code that answers a postal request made at `since`: a letter-type code
        (letter or slip) issued after it and still valid, or a letter or help-desk code
        used after it."""
        return self.store.one(
            "select id, purpose, target, created_at, used_at from codes"
            " where account_id = ? and created_at > ? and ("
            "  (purpose = 'letter' and used_at is null and voided_at is null and expires_at > ?)"
            "  or (purpose in ('letter', 'helpdesk') and used_at is not null))"
            " order by id desc limit 1",
            (account_id, since, self.store.now()),
        )

    def purge(self, keep_seconds: float = 90 * DAY) -> None:
        """Dead codes are kept three months (help-desk follow-up), then dropped."""
        with self.store.write() as db:
            db.execute("delete from codes where expires_at < ?", (self.store.now() - keep_seconds,))
