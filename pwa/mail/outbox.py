"""The outbox: pages only insert rows; a background worker sends them with
aiosmtplib, so a slow or stalled SMTP server never slows a page (DESIGN §5)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

from pwa.ops.metrics import OUTBOX_FAILURES, OUTBOX_SENT
from pwa.security.crypto import Undecryptable, decrypt, encrypt
from pwa.security.keys import Keys
from pwa.settings import Settings
from pwa.store import Store

log = logging.getLogger("sesame.outbox")

MAX_ATTEMPTS = 8
ENCRYPTED = re.compile(r"^v[0-9]+\$[A-Za-z0-9_=-]+$")
LOCK_SECONDS = 120.0


class Outbox:
    """Bodies are encrypted at rest (a mail may carry a one-time code) and
    blanked once sent."""

    def __init__(self, store: Store, keys: Keys) -> None:
        self.store = store
        self.keys = keys
        self.wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None  # the worker's, once it runs

    def enqueue(self, to_addr: str, subject: str, body: str) -> None:
        now = self.store.now()
        with self.store.write() as db:
            db.table("outbox").insert(
                {
                    "created_at": now,
                    "to_addr": to_addr,
                    "subject": subject,
                    "body": encrypt(self.keys, to_addr, body, purpose="outbox"),
                    "attempts": 0,
                    "next_attempt_at": now,
                }
            )
        self.store.after_commit(self.wake)  # a mail queued inside a larger transaction: once it commits

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop the worker waits on (set by OutboxWorker.run)."""
        self._loop = loop

    def wake(self) -> None:
        """Wake the worker. Mails are queued from thread-pool threads too, where
        asyncio objects must not be touched: hand the call to the worker's loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # no worker in this process: it polls the table when one runs
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.wakeup.set()
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.wakeup.set)

    def claim_due(self, limit: int = 20) -> list[dict]:
        """Rows due now, locked for this worker so another process skips them: SQLite lets
        one writer in at a time, PostgreSQL's SKIP LOCKED passes over rows another
        instance is claiming, and `locked_until` keeps them off until sent or failed."""
        now = self.store.now()
        with self.store.write() as db:
            rows = self.store.query(
                "select * from outbox where sent_at is null and attempts < ?"
                " and next_attempt_at <= ? and coalesce(locked_until, 0) < ?"
                " order by id limit ?" + self.store.skip_locked,
                (MAX_ATTEMPTS, now, now, limit),
            )
            for row in rows:
                db.table("outbox").update(row["id"], {"locked_until": now + LOCK_SECONDS})
        readable = []
        for row in rows:
            try:
                row["body"] = self._open(row)
            except Undecryptable as exc:  # a key no longer available: give up on this one only
                log.warning("outbox: message %s cannot be decrypted (%s)", row["id"], exc)
                self.mark_failed({**row, "attempts": MAX_ATTEMPTS - 1}, "undecryptable")
                continue
            readable.append(row)
        return readable

    def _open(self, row: dict) -> str:
        body = row["body"] or ""
        if not ENCRYPTED.match(body):  # queued before bodies were encrypted
            return body
        return decrypt(self.keys, row["to_addr"], body, purpose="outbox")

    def mark_sent(self, row_id: int) -> None:
        with self.store.write() as db:
            db.table("outbox").update(row_id, {"sent_at": self.store.now(), "locked_until": None, "body": ""})

    def mark_failed(self, row: dict, error: str) -> None:
        attempts = row["attempts"] + 1
        delay = min(30 * 2**attempts, 3600)
        with self.store.write() as db:
            db.table("outbox").update(
                row["id"],
                {
                    "attempts": attempts,
                    "last_error": error[:200],
                    "next_attempt_at": self.store.now() + delay,
                    "locked_until": None,
                },
            )

    def purge(self, keep_seconds: float = 30 * 86400) -> None:
        """Sent notices are not kept beyond a month."""
        with self.store.write() as db:
            db.execute(
                "delete from outbox where sent_at is not null and sent_at < ?",
                (self.store.now() - keep_seconds,),
            )

    def pending(self) -> int:
        row = self.store.one("select count(*) as n from outbox where sent_at is null")
        return row["n"] if row else 0


def backlog(store: Store) -> dict:
    """Mails waiting (`pending`), abandoned after every attempt (`given_up`), and the
    creation time of the oldest one waiting (`oldest`, None when none): for metrics."""
    row = store.one(
        "select count(*) filter (where attempts < ?) as pending, count(*) filter (where attempts >= ?) as given_up,"
        " min(case when attempts < ? then created_at end) as oldest"
        " from outbox where sent_at is null",
        (MAX_ATTEMPTS, MAX_ATTEMPTS, MAX_ATTEMPTS),
    )
    return dict(row) if row else {"pending": 0, "given_up": 0, "oldest": None}


def overdue(store: Store, seconds: float) -> int:
    """Mails due for more than `seconds` that no worker has taken: a stuck outbox."""
    now = store.now()
    row = store.one(
        "select count(*) as n from outbox where sent_at is null and attempts < ?"
        " and next_attempt_at < ? and coalesce(locked_until, 0) < ?",
        (MAX_ATTEMPTS, now - seconds, now),
    )
    return row["n"] if row else 0


def build_message(settings: Settings, sender: str, row: dict, *, now: float) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row["to_addr"]
    message["Subject"] = row["subject"]
    message["Date"] = format_datetime(datetime.fromtimestamp(now, UTC))
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row["body"])
    return message


class OutboxWorker:
    def __init__(self, outbox: Outbox, settings: Settings, sender: str) -> None:
        self.outbox = outbox
        self.settings = settings
        self.sender = sender

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        # Settings allow only these three; anything else fails here, never sends in clear.
        use_tls, start_tls = {"tls": (True, False), "starttls": (False, True), "none": (False, False)}[s.smtp_tls]
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user or None,
            password=s.smtp_password or None,
            use_tls=use_tls,
            start_tls=start_tls,
            timeout=s.smtp_timeout,
        )

    async def drain_once(self) -> int:
        sent = 0
        for row in await asyncio.to_thread(self.outbox.claim_due):
            try:
                await self.send(build_message(self.settings, self.sender, row, now=self.outbox.store.now()))
            except Exception as exc:  # any SMTP or network failure: retry later
                log.warning("outbox: message %s not sent (%s)", row["id"], type(exc).__name__)
                await asyncio.to_thread(self.outbox.mark_failed, row, type(exc).__name__)
                OUTBOX_FAILURES.inc()
            else:
                OUTBOX_SENT.inc()
                await asyncio.to_thread(self.outbox.mark_sent, row["id"])
                sent += 1
        return sent

    async def run(self) -> None:
        self.outbox.bind(asyncio.get_running_loop())
        while True:
            try:
                await self.drain_once()
            except Exception:
                log.exception("outbox: drain failed")
            self.outbox.wakeup.clear()
            try:
                await asyncio.wait_for(self.outbox.wakeup.wait(), timeout=self.settings.outbox_poll_seconds)
            except TimeoutError:
                pass
