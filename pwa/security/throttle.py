"""Throttling of every secret-checking step, stored in SQLite so all workers
share it (DESIGN §5).

- per (subject, client): from the 5th failure, a delay doubling from 60 s;
- per subject: at most 25 failures per 24 h, then checks pause until the window
  passes, and the owner is told by mail (once per pause); a browser that signed
  in to the account before is a subject of its own with a smaller budget
  (DEVICE_BUDGET), so a stranger's failures never pause it;
- per client: a high flood cap only (a school's Wi-Fi puts many people behind
  one address).

The subject is the account when it exists, otherwise a keyed hash of the login
typed, so answers for unknown accounts are throttled the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pwa.ops.metrics import THROTTLED
from pwa.store import Store

FREE_FAILURES = 4
FIRST_DELAY = 60.0
MAX_DELAY = 12 * 3600.0
DAILY_BUDGET = 25
DEVICE_BUDGET = 10  # a known browser's own budget (pwa.security.devices)
WINDOW = 24 * 3600.0
FLOOD_CAP = 300
FLOOD_WINDOW = 3600.0
PENDING = "pending"  # an attempt being evaluated: counted until resolved


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0
    reason: str = ""  # delay | paused | flood

    @property
    def minutes(self) -> int:
        return max(1, int(-(-self.retry_after // 60)))


ALLOWED = Verdict(True)


class Throttle:
    def __init__(self, store: Store, *, flood_cap: int = FLOOD_CAP) -> None:
        self.store = store
        self.flood_cap = flood_cap

    def check(self, subject: str, client: str, *, budget: int = DAILY_BUDGET) -> Verdict:
        """May this secret be checked now? When it may, the attempt is counted
        at once, in the same write transaction (a `pending` failure row), so
        concurrent guesses cannot all pass before any is counted: at most
        `budget` (DAILY_BUDGET) are ever evaluated per subject and window. The caller then
        calls `fail` (the guess was wrong), `succeed` (right: the pair's failures
        are forgotten) or `release` (neither: the attempt is not counted). A
        pending row nobody resolved (a crash) counts as a failure: fail closed."""
        now = self.store.now()
        with self.store.write() as db:
            # Instances sharing PostgreSQL count one subject's attempts one after the other.
            self.store.lock(f"throttle:{subject}", f"flood:{client}")
            verdict = self._verdict(subject, client, now, budget)
            if verdict.allowed:
                db.table("failures").insert({"at": now, "subject": subject, "client": client, "kind": PENDING})
            else:
                THROTTLED.labels(verdict.reason).inc()
            return verdict

    def _verdict(self, subject: str, client: str, now: float, budget: int) -> Verdict:
        flood = self.store.one(
            "select count(*) as n, min(at) as first from failures where client = ? and at > ?",
            (client, now - FLOOD_WINDOW),
        )
        if flood and flood["n"] >= self.flood_cap:
            return Verdict(False, flood["first"] + FLOOD_WINDOW - now, "flood")
        paused = self.paused_until(subject)
        if paused > now:
            return Verdict(False, paused - now, "paused")
        used = self._budget_used(subject, now, budget)
        if len(used) >= budget:
            return Verdict(False, used[-1]["at"] + WINDOW - now, "paused")
        pair = self.store.one(
            # Checks still running are not failures of the pair (yet): five right passwords
            # sent at once from one address are not slowed; the daily budget counts them.
            "select count(*) as n, max(at) as last from failures"
            " where subject = ? and client = ? and at > ? and kind != ?",
            (subject, client, now - WINDOW, PENDING),
        )
        if pair and pair["n"] > FREE_FAILURES:
            delay = min(FIRST_DELAY * 2 ** (pair["n"] - FREE_FAILURES - 1), MAX_DELAY)
            wait = pair["last"] + delay - now
            if wait > 0:
                return Verdict(False, wait, "delay")
        return ALLOWED

    def _budget_used(self, subject: str, now: float, budget: int) -> list[dict[str, Any]]:
        """The subject's newest failures in the window, at most `budget` of them."""
        return self.store.query(
            "select at from failures where subject = ? and at > ? order by at desc limit ?",
            (subject, now - WINDOW, budget),
        )

    def paused_until(self, subject: str) -> float:
        row = self.store.one("select until from pauses where subject = ?", (subject,))
        return row["until"] if row else 0.0

    def fail(self, subject: str, client: str, kind: str, *, budget: int = DAILY_BUDGET) -> bool:
        """The attempt was wrong. Returns True when this failure starts a pause of
        the subject (the caller then tells the owner)."""
        now = self.store.now()
        with self.store.write() as db:
            self.store.lock(f"throttle:{subject}")
            pending = self._pending(subject, client)
            if pending is None:
                db.table("failures").insert({"at": now, "subject": subject, "client": client, "kind": kind})
            else:
                db.execute("update failures set kind = ? where id = ?", (kind, pending))
            rows = self._budget_used(subject, now, budget)
            if len(rows) < budget or self.paused_until(subject) > now:
                return False
            until = rows[-1]["at"] + WINDOW
            db.table("pauses").upsert({"subject": subject, "until": until, "notified_at": now}, pk="subject")
            return True

    def succeed(self, subject: str, client: str) -> None:
        with self.store.write() as db:
            db.execute("delete from failures where subject = ? and client = ?", (subject, client))

    def release(self, subject: str, client: str) -> None:
        """The attempt neither failed nor succeeded (a right secret for a disabled
        account, a recovery code that keeps earlier failures): uncount it."""
        with self.store.write() as db:
            pending = self._pending(subject, client)
            if pending is not None:
                db.execute("delete from failures where id = ?", (pending,))

    def _pending(self, subject: str, client: str) -> int | None:
        row = self.store.one(
            "select id from failures where subject = ? and client = ? and kind = ? order by id desc limit 1",
            (subject, client, PENDING),
        )
        return row["id"] if row else None

    def lift(self, subject: str, *, with_devices: bool = False) -> bool:
        """Help desk, or a reset proven by HR: lift a pause and forget the failures
        that caused it (`with_devices`: the pauses of the account's known browsers
        too, subjects "<subject>:device:<id>"). Returns whether a pause was lifted."""
        args: tuple[str | int, ...] = (subject,)
        clause = "subject = ?"
        if with_devices:
            prefix = subject + ":device:"
            clause, args = clause + " or substr(subject, 1, ?) = ?", (subject, len(prefix), prefix)
        with self.store.write() as db:
            lifted = db.execute(f"delete from pauses where {clause}", args).rowcount
            db.execute(f"delete from failures where {clause}", args)
            return lifted > 0

    # Events that are not failures (a code mailed, a form sent without JavaScript) share
    # the table, under a kind of their own, for the caps counted per day or per hour.
    def note(self, subject: str, client: str, kind: str) -> None:
        with self.store.write() as db:
            db.table("failures").insert({"at": self.store.now(), "subject": subject, "client": client, "kind": kind})

    def noted(
        self, kind: str, *, since: float, subject: str | None = None, client: str | None = None
    ) -> tuple[int, float]:
        """How many events of `kind` since `since` for a subject or a client, and the oldest one's time."""
        column, value = ("subject", subject) if subject is not None else ("client", client)
        row = self.store.one(
            f"select count(*) as n, min(at) as first from failures where {column} = ? and kind = ? and at > ?",
            (value, kind, since),
        )
        return (row["n"], row["first"] or 0.0) if row else (0, 0.0)

    def purge(self) -> None:
        now = self.store.now()
        with self.store.write() as db:
            db.execute("delete from failures where at < ?", (now - WINDOW,))
            db.execute("delete from pauses where until < ?", (now,))
