"""Known browsers ("device cookies", OWASP): a browser that has signed in to an
account keeps a budget of its own for that account's checks, so a stranger's
failures, which pause the account for every unknown browser, never lock out the
owner's phone (DESIGN §5; GOV.UK One Login locks the step, not the account).

The cookie holds one random browser id and, for each account signed in from it
(at most MAX_ACCOUNTS, newest first), an HMAC binding the id to the account
under the `devices` purpose key:

    <device id>.<account id>-v1-<mac>.<account id>-v1-<mac>

Nothing is stored on the server: a forged, altered or copied-to-another-account
entry fails the HMAC and the browser is an unknown one. The cookie proves no
identity by itself; it only chooses which throttle budget a password (or second
step) check uses, and that check still needs the right secret.
"""

from __future__ import annotations

import hmac
import re

from pwa.security.keys import Keys, new_token

COOKIE_SECONDS = 180 * 24 * 3600
MAX_ACCOUNTS = 5
MAX_LENGTH = 1024  # anything longer is not ours: ignored
MAC_HEX = 32  # 128 bits of HMAC-SHA-256 are plenty for a tag nobody can query
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{22,64}")


def subject(account_id: int, device_id: str) -> str:
    """The throttle subject of one known browser for one account."""
    return f"account:{account_id}:device:{device_id}"


class Devices:
    def __init__(self, keys: Keys) -> None:
        self.keys = keys

    def _entry(self, device_id: str, account_id: int) -> str:
        version, digest = self.keys.bound("devices", account_id, "device", device_id).split("$", 1)
        return f"{account_id}-{version}-{digest[:MAC_HEX]}"

    def _parse(self, raw: str | None) -> tuple[str | None, list[str]]:
        if not raw or len(raw) > MAX_LENGTH:
            return None, []
        device_id, *entries = raw.split(".")
        if not _DEVICE_ID.fullmatch(device_id):
            return None, []
        return device_id, entries[:MAX_ACCOUNTS]

    def known(self, raw: str | None, account_id: int) -> str | None:
        """The browser id when the cookie holds a valid entry for this account."""
        device_id, entries = self._parse(raw)
        if device_id is None:
            return None
        expected = self._entry(device_id, account_id).encode()
        # Every entry is compared in constant time, so the time taken says nothing.
        found = False
        for entry in entries:
            found |= hmac.compare_digest(expected, entry.encode("utf-8", "replace"))
        return device_id if found else None

    def remember(self, raw: str | None, account_id: int) -> str:
        """The cookie value after a sign-in to `account_id` from this browser: the
        same browser id (a new one when there is none, or it is not ours), this
        account first, then the others whose entries are still valid."""
        device_id, entries = self._parse(raw)
        if device_id is None:
            device_id, entries = new_token(16), []
        kept = []
        for entry in entries:
            owner = _owner(entry)
            if owner is None or owner == account_id:
                continue
            if self.known(f"{device_id}.{entry}", owner):
                kept.append(entry)
        return ".".join([device_id, self._entry(device_id, account_id), *kept[: MAX_ACCOUNTS - 1]])


def _owner(entry: str) -> int | None:
    head = entry.split("-", 1)[0]
    return int(head) if head.isascii() and head.isdigit() and len(head) < 19 else None
