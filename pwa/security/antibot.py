"""Anti-automation on anonymous forms, without an image CAPTCHA (DESIGN §5):
an ALTCHA proof-of-work that the browser solves on its own, on top of the
database throttling.

- A challenge is signed with a key derived from the master secret, expires
  after a few minutes, and each solution is accepted once (its signature is
  remembered in `altcha_spent` until the challenge expires).
- A form sent without a solution (JavaScript off, or a browser the widget does
  not run in) still works, under a stricter per-client budget: at most
  `NO_JS_BUDGET` unsolved submissions per hour from one address, recorded in the
  failures table under their own subject.

Difficulty: the browser tries counters from 0 up to a random one below
`MAX_NUMBER` (one SHA-256 each), half of it on average; measured in
bench/README.md (about a second on an old Android phone).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import altcha

from pwa.security.keys import Keys
from pwa.security.throttle import Throttle
from pwa.store import Store

ALGORITHM = "SHA-256"
COST = 1
MAX_NUMBER = 30_000
LIFETIME = 5 * 60  # seconds a challenge may wait before it is solved and sent
NO_JS_BUDGET = 30  # unsolved submissions per client per hour
NO_JS_WINDOW = 3600.0
NO_JS_KIND = "altcha_unsolved"


@dataclass(frozen=True)
class Refusal:
    """Why a submission is refused: a French sentence for the error summary,
    and the HTTP status of the page that says it."""

    message: str
    status: int
    reason: str  # invalid | expired | replayed | budget


INVALID = (
    "La vérification automatique de votre navigateur n'a pas abouti. "
    "Attendez quelques secondes, puis appuyez de nouveau sur le bouton."
)
EXPIRED = (
    "La vérification automatique a expiré, car la page était ouverte depuis longtemps. "
    "Attendez quelques secondes, puis appuyez de nouveau sur le bouton."
)
REPLAYED = (
    "Cette vérification automatique a déjà servi. Attendez quelques secondes, puis appuyez de nouveau sur le bouton."
)


def budget_message(minutes: int) -> str:
    return (
        "JavaScript est désactivé dans votre navigateur : Sésame n'accepte alors qu'un nombre "
        "limité d'envois par heure depuis votre connexion, et cette limite est atteinte. "
        f"Réessayez dans {minutes} minute{'s' if minutes > 1 else ''}, "
        "ou activez JavaScript et rechargez la page."
    )


class AntiBot:
    def __init__(self, store: Store, keys: Keys, throttle: Throttle) -> None:
        self.store = store
        self.throttle = throttle
        self._key = keys.key("altcha")

    def challenge(self, *, lifetime: float = LIFETIME) -> dict[str, Any]:
        """A new signed challenge, as the widget fetches it (JSON)."""
        made = altcha.create_challenge(
            ALGORITHM,
            COST,
            counter=secrets.randbelow(MAX_NUMBER),
            expires_at=int(self.store.now() + lifetime),  # the library reads it on the wall clock
            hmac_secret=self._key,
        )
        return made.to_dict()

    def check(self, payload: str, client: str) -> Refusal | None:
        """None when the submission may go on; otherwise why not."""
        payload = (payload or "").strip()
        if not payload:
            return self._unsolved(client)
        result = altcha.verify_solution(payload, self._key)
        if result.expired:
            return Refusal(EXPIRED, 400, "expired")
        if not result.verified:
            return Refusal(INVALID, 400, "invalid")
        parsed = altcha.Payload.from_base64(payload)
        expires_at = float(parsed.challenge.parameters.expires_at or self.store.now() + LIFETIME)
        try:
            with self.store.write() as db:
                db.table("altcha_spent").insert({"signature": parsed.challenge.signature, "expires_at": expires_at})
        except self.store.integrity_errors:
            return Refusal(REPLAYED, 400, "replayed")
        return None

    def _unsolved(self, client: str) -> Refusal | None:
        now = self.store.now()
        subject = f"altcha:{client}"
        with self.store.write():
            self.store.lock(subject)  # instances sharing PostgreSQL count one client's forms one after the other
            sent, first = self.throttle.noted(NO_JS_KIND, since=now - NO_JS_WINDOW, subject=subject)
            if sent >= NO_JS_BUDGET:
                wait = first + NO_JS_WINDOW - now
                return Refusal(budget_message(max(1, int(-(-wait // 60)))), 429, "budget")
            self.throttle.note(subject, client, NO_JS_KIND)
        return None

    def purge(self) -> None:
        """Forget spent solutions once their challenge has expired (it is refused anyway)."""
        with self.store.write() as db:
            db.execute("delete from altcha_spent where expires_at < ?", (self.store.now(),))
