"""Encryption of the few secrets that must be read back: TOTP seeds (key
"seeds", bound to the account id) and queued mails, which may carry a one-time
code (key "outbox", bound to the recipient), and a staff file waiting for its
confirmation in Gestion (key "imports", bound to the agent). AES-256-GCM."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pwa.security.keys import Keys


class Undecryptable(ValueError):
    pass


def encrypt(keys: Keys, account_id: int | str, plaintext: str, *, purpose: str = "seeds") -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(keys.key(purpose)).encrypt(nonce, plaintext.encode(), str(account_id).encode())
    return f"v{keys.version}${base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(keys: Keys, account_id: int | str, token: str, *, purpose: str = "seeds") -> str:
    version, _, body = token.partition("$")
    if version != f"v{keys.version}":
        raise Undecryptable(f"key version {version} is not available")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        return AESGCM(keys.key(purpose)).decrypt(raw[:12], raw[12:], str(account_id).encode()).decode()
    except (InvalidTag, ValueError) as exc:  # binascii.Error is a ValueError
        raise Undecryptable("ciphertext does not open with this key") from exc
