"""The `app_passwords` table: one password per mail app, read by Dovecot's
app-password passdb (docs/dovecot/), written only by Sésame."""

from __future__ import annotations

from dataclasses import dataclass

from pwa.store import Store


@dataclass(frozen=True)
class AppPassword:
    id: int
    account_id: int
    public_id: str
    name: str
    scope: str  # mail | sieve
    created_at: float
    expires_at: float | None
    revoked_at: float | None
    last_used_at: float | None
    last_client: str | None

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def usable(self, now: float) -> bool:
        return self.revoked_at is None and not self.expired(now)


COLUMNS = "id, account_id, public_id, name, scope, created_at, expires_at, revoked_at, last_used_at, last_client"


class AppPasswordStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def for_account(self, account_id: int) -> list[AppPassword]:
        """Not revoked, newest first (expired ones stay listed until revoked)."""
        rows = self.store.query(
            f"select {COLUMNS} from app_passwords where account_id = ? and revoked_at is null"
            " order by created_at desc, id desc",
            (account_id,),
        )
        return [AppPassword(**r) for r in rows]

    def get(self, account_id: int, app_password_id: int) -> AppPassword | None:
        row = self.store.one(
            f"select {COLUMNS} from app_passwords where id = ? and account_id = ?",
            (app_password_id, account_id),
        )
        return AppPassword(**row) if row else None

    def public_ids(self, account_id: int) -> set[str]:
        rows = self.store.query("select public_id from app_passwords where account_id = ?", (account_id,))
        return {r["public_id"] for r in rows}

    def add(self, row: dict) -> int:
        with self.store.write() as db:
            table = db.table("app_passwords").insert(row)
            assert table.last_pk is not None  # set by every insert
            return int(table.last_pk)

    def revoke(self, account_id: int, ids: list[int] | None, now: float) -> int:
        """Revoke the account's given app passwords (all when `ids` is None); how many."""
        with self.store.write() as db:
            sql = "update app_passwords set revoked_at = ? where account_id = ? and revoked_at is null"
            params: tuple = (now, account_id)
            if ids is not None:
                sql += f" and id in ({', '.join('?' for _ in ids)})"
                params += tuple(ids)
            return db.execute(sql, params).rowcount

    def record_use(self, app_password_id: int, account_id: int, client: str, now: float, *, every: float) -> bool:
        """The mail server accepted this app password of this account: note when and from
        where, at most once per `every` seconds from the same address."""
        with self.store.write() as db:
            cursor = db.execute(
                "update app_passwords set last_used_at = ?, last_client = ?"
                " where id = ? and account_id = ? and revoked_at is null"
                " and (last_used_at is null or last_used_at <= ? or last_client is distinct from ?)",
                (now, client, app_password_id, account_id, now - every, client),
            )
            return cursor.rowcount > 0
