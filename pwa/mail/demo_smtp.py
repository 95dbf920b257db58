"""Demo mode's real SMTP server (aiosmtpd) on loopback: the outbox worker sends
to it over SMTP, and it files what it receives for the demo's mailbox page."""

from __future__ import annotations

import socket

from aiosmtpd.controller import Controller

from pwa.store import Store


class _Handler:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        content = envelope.content
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        with self.store.write() as db:
            db.table("demo_mailbox").insert(
                {
                    "received_at": self.store.now(),
                    "mail_from": envelope.mail_from,
                    "rcpt_to": ", ".join(envelope.rcpt_tos),
                    "message": text,
                }
            )
        return "250 Message accepted for delivery"


def received(store: Store, *, limit: int) -> list[dict]:
    """The newest messages the demo's server received (the demo's mailbox page)."""
    return store.query("select * from demo_mailbox order by id desc limit ?", (limit,))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo_smtp(store: Store, port: int = 0) -> Controller:
    controller = Controller(_Handler(store), hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller
