"""The authenticators table: every second factor of every account."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any

from pwa.mfa import recovery
from pwa.security.crypto import decrypt, encrypt
from pwa.security.keys import Keys
from pwa.store import Store


@dataclass(frozen=True)
class Authenticator:
    id: int
    account_id: int
    type: str  # passkey | totp | recovery_codes
    name: str | None
    credential_id: str | None
    data: dict[str, Any]
    created_at: float
    last_used_at: float | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Authenticator:
        return cls(**{**row, "data": json.loads(row["data"])})

    @property
    def remaining_codes(self) -> int:
        return sum(1 for c in self.data.get("codes", []) if not c.get("used_at"))


class Authenticators:
    def __init__(self, store: Store, keys: Keys) -> None:
        self.store = store
        self.keys = keys

    def for_account(self, account_id: int, type_: str | None = None) -> list[Authenticator]:
        sql = "select * from authenticators where account_id = ?"
        params: tuple[int | str, ...] = (account_id,)
        if type_:
            sql, params = sql + " and type = ?", (account_id, type_)
        return [Authenticator.from_row(r) for r in self.store.query(sql + " order by id", params)]

    def get(self, account_id: int, authenticator_id: int) -> Authenticator | None:
        row = self.store.one(
            "select * from authenticators where id = ? and account_id = ?",
            (authenticator_id, account_id),
        )
        return Authenticator.from_row(row) if row else None

    def has_factor(self, account_id: int) -> bool:
        row = self.store.one(
            "select 1 from authenticators where account_id = ? and type in ('passkey', 'totp')",
            (account_id,),
        )
        return row is not None

    def holders(self) -> set[int]:
        """Every account with a second factor (a passkey or an OTP app)."""
        rows = self.store.query("select distinct account_id from authenticators where type in ('passkey', 'totp')")
        return {r["account_id"] for r in rows}

    def first_factor_at(self) -> dict[int, float]:
        """Account id → when its oldest second factor still held was added (the dashboard's
        "avec deuxième protection" over time; a removed factor leaves no date)."""
        rows = self.store.query(
            "select account_id, min(created_at) as at from authenticators"
            " where type in ('passkey', 'totp') group by account_id"
        )
        return {int(r["account_id"]): float(r["at"]) for r in rows}

    def _insert(self, account_id: int, type_: str, data: dict[str, Any], **extra: Any) -> int:
        with self.store.write() as db:
            table = db.table("authenticators").insert(
                {
                    "account_id": account_id,
                    "type": type_,
                    "data": json.dumps(data),
                    "created_at": self.store.now(),
                    **extra,
                }
            )
            assert table.last_pk is not None  # set by every insert
            return int(table.last_pk)

    def _update(self, authenticator_id: int, **fields: Any) -> None:
        if "data" in fields:
            fields["data"] = json.dumps(fields["data"])
        with self.store.write() as db:
            db.table("authenticators").update(authenticator_id, fields)

    def lock(self, account_id: int) -> None:
        """First statement of a write that reads an account's factors to decide what it
        writes: concurrent writers of the same account's factors wait for its end."""
        self.store.lock(f"factors:{account_id}")

    def remove(self, account_id: int, authenticator_id: int) -> bool:
        with self.store.write() as db:
            self.lock(account_id)
            cursor = db.execute(
                "delete from authenticators where id = ? and account_id = ?",
                (authenticator_id, account_id),
            )
            if not self.has_factor(account_id):  # codes only make sense beside a factor
                db.execute(
                    "delete from authenticators where account_id = ? and type = 'recovery_codes'",
                    (account_id,),
                )
            return cursor.rowcount == 1

    def remove_all(self, account_id: int) -> int:
        with self.store.write() as db:
            cursor = db.execute("delete from authenticators where account_id = ?", (account_id,))
            return cursor.rowcount

    # -- passkeys ------------------------------------------------------------------
    def add_passkey(
        self,
        account_id: int,
        *,
        name: str,
        credential_id: str,
        public_key: str,
        sign_count: int,
        transports: list[str],
    ) -> int:
        return self._insert(
            account_id,
            "passkey",
            {"public_key": public_key, "sign_count": sign_count, "transports": transports},
            name=name,
            credential_id=credential_id,
        )

    def by_credential_id(self, credential_id: str) -> Authenticator | None:
        row = self.store.one(
            "select * from authenticators where credential_id = ? and type = 'passkey'",
            (credential_id,),
        )
        return Authenticator.from_row(row) if row else None

    def passkey_used(self, authenticator: Authenticator, sign_count: int) -> None:
        self._update(
            authenticator.id,
            data={**authenticator.data, "sign_count": sign_count},
            last_used_at=self.store.now(),
        )

    def rename(self, authenticator: Authenticator, name: str) -> None:
        self._update(authenticator.id, name=name)

    # -- OTP app -------------------------------------------------------------------
    def add_totp(self, account_id: int, secret: str, step: int) -> int:
        with self.store.write():
            self.lock(account_id)
            for old in self.for_account(account_id, "totp"):  # one OTP app at a time
                self.remove(account_id, old.id)
            return self._insert(
                account_id,
                "totp",
                {"seed": encrypt(self.keys, account_id, secret), "last_step": step},
                name="Application OTP",
                last_used_at=self.store.now(),
            )

    def totp_secret(self, authenticator: Authenticator) -> str:
        return decrypt(self.keys, authenticator.account_id, authenticator.data["seed"])

    def totp_used(self, authenticator: Authenticator, step: int) -> None:
        self._update(
            authenticator.id,
            data={**authenticator.data, "last_step": step},
            last_used_at=self.store.now(),
        )

    # -- recovery codes --------------------------------------------------------------
    def new_recovery_codes(self, account_id: int) -> list[str]:
        """Voids the previous set."""
        codes = recovery.new_codes()
        hashed = [{"hash": recovery.digest(self.keys, account_id, c)} for c in codes]
        with self.store.write() as db:
            self.lock(account_id)
            db.execute(
                "delete from authenticators where account_id = ? and type = 'recovery_codes'",
                (account_id,),
            )
            self._insert(account_id, "recovery_codes", {"codes": hashed}, name="Codes de secours")
        return codes

    def use_recovery_code(self, account_id: int, code: str) -> bool:
        """Single use: the matching code is marked used inside one transaction, read
        after the account's factors lock (two tries at once: one wins)."""
        wanted = recovery.digest(self.keys, account_id, code)
        with self.store.write():
            self.lock(account_id)
            for auth in self.for_account(account_id, "recovery_codes"):
                codes = auth.data.get("codes", [])
                for entry in codes:
                    if not entry.get("used_at") and hmac.compare_digest(entry["hash"], wanted):
                        entry["used_at"] = self.store.now()
                        self._update(auth.id, data={"codes": codes}, last_used_at=self.store.now())
                        return True
        return False
