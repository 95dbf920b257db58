"""Staff roles (DESIGN §3.10): gestionnaire, assistance and admin, each
granted on one établissement (UAI) or, with no UAI, on the whole académie.

An admin grant allows every role within its scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pwa.store import Store

ROLES = {
    "gestionnaire": "Gestionnaire (service RH, secrétariat)",
    "assistance": "Assistance",
    "admin": "Administrateur",
}


@dataclass(frozen=True)
class Grant:
    role: str
    uai: str | None  # None: the whole académie

    def covers(self, role: str, uai: str | None) -> bool:
        """Does this grant allow `role` on an account of établissement `uai`
        (or, with uai None, on the whole académie)?"""
        if self.role not in (role, "admin"):
            return False
        return self.uai is None or (uai is not None and self.uai == uai)


class Roles:
    def __init__(self, store: Store) -> None:
        self.store = store

    def grants(self, account_id: int) -> list[Grant]:
        rows = self.store.query("select role, uai from roles where account_id = ? order by role, uai", (account_id,))
        return [Grant(r["role"], r["uai"]) for r in rows]

    def every_grant(self) -> list[dict[str, Any]]:
        """Every grant: account_id, role, uai."""
        return self.store.query("select account_id, role, uai from roles order by account_id, role, uai")

    def grant(self, account_id: int, role: str, uai: str | None, *, by: str) -> bool:
        """Returns False when the grant already existed."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        with self.store.write() as db:
            # Checked under the account's lock: the same grant asked twice at once is one row
            # (a NULL uai escapes the unique index).
            self.store.lock(f"roles:{account_id}")
            if any(g == Grant(role, uai) for g in self.grants(account_id)):
                return False
            db.table("roles").insert(
                {
                    "account_id": account_id,
                    "role": role,
                    "uai": uai,
                    "granted_at": self.store.now(),
                    "granted_by": by,
                }
            )
        return True

    def revoke(self, account_id: int, role: str, uai: str | None) -> bool:
        with self.store.write() as db:
            cursor = db.execute(
                "delete from roles where account_id = ? and role = ? and uai is not distinct from ?",
                (account_id, role, uai),
            )
            return cursor.rowcount > 0


def allows(grants: list[Grant], role: str, uai: str | None = None) -> bool:
    return any(g.covers(role, uai) for g in grants)


def any_staff(grants: list[Grant]) -> bool:
    return bool(grants)
