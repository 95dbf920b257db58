"""Helpers of the backup tests, shared with other test modules."""

from __future__ import annotations

import re

from support.mail import run
from support.web import make_settings


class Mailer:
    """Delivers the outbox to the loopback SMTP server and reads what arrived."""

    def __init__(self, sesame, smtp, tmp_path) -> None:
        self.sink, port = smtp
        self.outbox = sesame.outbox
        self.worker = sesame.outbox_worker()
        self.worker.settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")
        self.read = 0

    def deliver(self) -> list[tuple[list[str], str, str]]:
        """(recipients, subject, body) of the mails sent since the last call."""
        run(self.worker.drain_once)
        fresh = self.sink.messages[self.read :]
        self.read = len(self.sink.messages)
        return [(rcpt, str(m["Subject"]), m.get_content()) for rcpt, m in fresh]

    def code(self, to: str) -> str:
        mails = [m for m in self.deliver() if m[0] == [to]]
        assert mails, f"no mail reached {to}"
        return code_of(mails[-1][2])


def code_of(body: str) -> str:
    found = re.search(r"^Votre code[^:\n]*: ([A-Z0-9]{6})\s*$", body, re.M)
    assert found, body
    return found.group(1)
