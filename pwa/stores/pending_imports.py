"""The `pending_imports` table: a staff file Gestion previewed, waiting for the agent's
confirmation (one per agent). Its text is encrypted by the caller (pwa/services/staff_import.py)."""

from __future__ import annotations

import json

from pwa.store import Store


class PendingImports:
    def __init__(self, store: Store) -> None:
        self.store = store

    def keep(self, account_id: int, *, digest: str, complete: list[str] | None, data: str) -> None:
        """Replaces the agent's previous one."""
        with self.store.write() as db:
            db.table("pending_imports").upsert(
                {
                    "account_id": account_id,
                    "digest": digest,
                    "complete": json.dumps(complete),
                    "data": data,
                    "created_at": self.store.now(),
                },
                pk="account_id",
            )

    def get(self, account_id: int, since: float) -> dict | None:
        """The agent's one, kept at or after `since`, with `complete` read back."""
        row = self.store.one(
            "select * from pending_imports where account_id = ? and created_at >= ?", (account_id, since)
        )
        return {**row, "complete": json.loads(row["complete"])} if row else None

    def take(self, account_id: int, *, digest: str, since: float) -> bool:
        """Drop the agent's one if it is still this preview (inside the caller's write); False
        when it is not there any more: another confirmation took it first, or a new file replaced it."""
        with self.store.write() as db:
            cursor = db.execute(
                "delete from pending_imports where account_id = ? and digest = ? and created_at >= ?",
                (account_id, digest, since),
            )
            return cursor.rowcount == 1

    def purge(self, before: float) -> None:
        with self.store.write() as db:
            db.execute("delete from pending_imports where created_at < ?", (before,))
