"""The `letter_requests` table: postal requests for a new activation letter
(DESIGN §3.5b), from `queued` or `review` to printed, served, cancelled or rejected."""

from __future__ import annotations

from pwa.store import Store


class LetterQueue:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, row: dict) -> None:
        """A new request; a matched one (`account_id`) replaces the account's queued one."""
        with self.store.write() as db:
            if row.get("account_id") is not None:
                self.store.lock(f"letters:{row['account_id']}")  # two at once: one stays queued
                self._cancel_queued(db, row["account_id"])
            db.table("letter_requests").insert(row)

    @staticmethod
    def _cancel_queued(db, account_id: int, but: int = 0) -> None:
        db.execute(
            "update letter_requests set status = 'cancelled' where account_id = ? and status = 'queued' and id != ?",
            (account_id, but),
        )

    def count_from(self, client: str, since: float) -> int:
        row = self.store.one(
            "select count(*) as n from letter_requests where client = ? and created_at > ?", (client, since)
        )
        return row["n"] if row else 0

    def by_reference(self, reference: str) -> dict | None:
        return self.store.one(
            "select reference, created_at, status, printed_at from letter_requests where reference = ?",
            (reference,),
        )

    def get(self, request_id: int) -> dict | None:
        return self.store.one("select * from letter_requests where id = ?", (request_id,))

    def queued_accounts(self) -> list[int]:
        """Accounts with a queued request, oldest request first."""
        rows = self.store.query(
            "select distinct account_id from letter_requests"
            " where status = 'queued' and account_id is not null order by account_id"
        )
        return [r["account_id"] for r in rows]

    def queued_for(self, account_id: int) -> dict | None:
        """The account's newest queued request (reference, created_at)."""
        return self.store.one(
            "select reference, created_at from letter_requests where account_id = ? and status = 'queued'"
            " order by id desc limit 1",
            (account_id,),
        )

    def mark(self, account_id: int, status: str, *, at: float, by: int | None) -> None:
        """The account's queued request is `printed` or `served` (a newer code serves it)."""
        with self.store.write() as db:
            db.execute(
                "update letter_requests set status = ?, printed_at = ?, printed_by = ?"
                " where account_id = ? and status = 'queued'",
                (status, at, by, account_id),
            )

    def to_review(self, uais: list[str] | None) -> list[dict]:
        """Requests waiting for an agent, oldest first, within `uais` (None: all)."""
        where = "status = 'review'"
        params: tuple[str, ...] = ()
        if uais is not None:
            where += f" and uai in ({', '.join('?' * len(uais)) or 'null'})"
            params = tuple(uais)
        return self.store.query(
            "select id, reference, uai, created_at, first_name, last_name, review_reason"
            f" from letter_requests where {where} order by created_at, id",
            params,
        )

    def pending_by_uai(self, uais: list[str] | None) -> dict[str, dict[str, int]]:
        """UAI → {queued: waiting to be printed, review: waiting for an agent} within `uais`."""
        rows = self.store.query(
            "select uai, count(*) filter (where status = 'queued') as queued,"
            " count(*) filter (where status = 'review') as review"
            " from letter_requests where status in ('queued', 'review') group by uai"
        )
        return {
            r["uai"]: {"queued": r["queued"], "review": r["review"]} for r in rows if uais is None or r["uai"] in uais
        }

    def attach(self, request_id: int, account_id: int, *, at: float, by: int) -> bool:
        """The request in review joins the account's print queue (replacing a queued one).
        False when it is not in review any more (another agent resolved it first)."""
        with self.store.write() as db:
            self.store.lock(f"letters:{account_id}")
            attached = db.execute(
                "update letter_requests set account_id = ?, status = 'queued', resolved_at = ?, resolved_by = ?"
                " where id = ? and status = 'review'",
                (account_id, at, by, request_id),
            ).rowcount
            if attached:
                self._cancel_queued(db, account_id, but=request_id)
            return attached == 1

    def reject(self, request_id: int, reason: str, *, at: float, by: int) -> bool:
        """False when the request is not in review any more (another agent resolved it first)."""
        with self.store.write() as db:
            return (
                1
                == db.execute(
                    "update letter_requests set status = 'rejected', rejection = ?, resolved_at = ?, resolved_by = ?"
                    " where id = ? and status = 'review'",
                    (reason, at, by, request_id),
                ).rowcount
            )
