"""Purpose keys derived from the one master secret (DESIGN §5).

Every keyed hash records the key version it was made with ("v1$<hex>"), so the
master secret can be rotated: a new version derives new keys and old digests are
recognised by their prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_VERSION = 1
PURPOSES = (
    "sessions",
    "csrf",
    "lookup",
    "index",
    "throttle",
    "codes",
    "seeds",
    "outbox",
    "altcha",
    "devices",
    "imports",
)


class MissingSecret(RuntimeError):
    pass


def _derive(master: bytes, label: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"sesame-v1", info=label.encode()).derive(master)


@dataclass(frozen=True)
class Keys:
    """Holds the derived keys; never the master secret itself."""

    _keys: dict[str, bytes] = field(repr=False)
    version: int = KEY_VERSION

    @classmethod
    def from_secret(cls, secret: str) -> Keys:
        if len(secret) < 32:
            raise MissingSecret(
                "SESAME_SECRET_KEY must hold at least 32 characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        master = secret.encode()
        return cls({p: _derive(master, f"sesame/{p}/v{KEY_VERSION}") for p in PURPOSES})

    def key(self, purpose: str) -> bytes:
        """The raw purpose key, for the one module that encrypts (pwa.security.crypto)."""
        return self._keys[purpose]

    def mac(self, purpose: str, message: str) -> str:
        """Versioned HMAC-SHA-256 of a message under one purpose key."""
        digest = hmac.new(self._keys[purpose], message.encode(), hashlib.sha256).hexdigest()
        return f"v{self.version}${digest}"

    def bound(self, purpose: str, account_id: int, kind: str, value: str) -> str:
        """A keyed hash bound to one account: the same value gives another
        digest for another account, so digests cannot be compared across rows."""
        return self.mac(purpose, f"{account_id}\x1f{kind}\x1f{value}")

    def verify_bound(self, digest: str | None, purpose: str, account_id: int, kind: str, value: str) -> bool:
        expected = self.bound(purpose, account_id, kind, value)
        return hmac.compare_digest(expected, digest or "")


def new_token(nbytes: int = 32) -> str:
    """A random URL-safe token (256 bits by default)."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """Tokens are stored hashed, so a copy of the database opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()
