"""One French message per kind of answer a secret check gives (pwa.services.guard):
wrong (the journey's own sentence), paused until a moment, right but the account
is disabled; and the states of a mailed code."""

from __future__ import annotations

import math

from pwa.profile import Profile
from pwa.security.throttle import Verdict
from pwa.services.backup import RESEND_AFTER
from pwa.services.codes import Check
from pwa.services.guard import Attempt


def throttled_message(verdict: Verdict) -> str:
    if verdict.reason == "paused":
        return (
            "Trop d'essais ont échoué pour ce compte aujourd'hui. Par sécurité, les vérifications "
            f"sont suspendues pendant environ {_hours(verdict.retry_after)}. "
            "Si vous êtes pressé, appelez l'assistance."
        )
    return f"Trop d'essais. Attendez {verdict.minutes} minute{'s' if verdict.minutes > 1 else ''} avant de réessayer."


def disabled_message(profile: Profile) -> str:
    """A disabled account's journeys point to the académie's contacts."""
    return (
        "Ce compte a été désactivé. Pour en savoir plus ou le faire réactiver, contactez l'assistance "
        f"au {profile.helpdesk_phone} ({profile.helpdesk_hours}) ou par courriel à {profile.helpdesk_email}."
    )


def _hours(seconds: float) -> str:
    hours = max(1, round(seconds / 3600))
    return f"{hours} heure{'s' if hours > 1 else ''}"


def refusal(attempt: Attempt, profile: Profile, wrong: str) -> tuple[str, int]:
    """The message and HTTP status of an attempt that was not right: paused (429),
    right but disabled (403), or wrong (422, the journey's own `wrong` sentence)."""
    if attempt.throttled:
        return throttled_message(attempt.verdict), 429
    if attempt.disabled:
        return disabled_message(profile), 403
    return wrong, 422


def cap_message(verdict: Verdict) -> str:
    """A mailed code refused by its caps (per account per day, per connection per hour)."""
    if verdict.reason == "codes":
        return "Trop de codes ont été demandés aujourd'hui pour ce compte. Réessayez demain, ou appelez l'assistance."
    if verdict.reason == "client":
        return (
            f"Trop de demandes depuis cette connexion. Réessayez dans {verdict.minutes} "
            f"minute{'s' if verdict.minutes > 1 else ''}."
        )
    return throttled_message(verdict)


# A mailed code's states (backup address: verification and reset).
CODE_MESSAGES = {
    Check.WRONG: "Ce code ne convient pas. Vérifiez le dernier courriel reçu et réessayez.",
    Check.VOID: (
        "Ce code n'est plus valable : trop d'essais, ou un code plus récent a été envoyé. Demandez un nouveau code."
    ),
    Check.EXPIRED: "Ce code a expiré : il n'est valable que 10 minutes. Demandez un nouveau code.",
    Check.NONE: "Aucun code n'est en attente. Indiquez d'abord votre adresse personnelle.",
}


def countdown(now: float, sent_at: float, until: float) -> dict:
    """Seconds left for the code, and before "Renvoyer le code" may be used."""
    return {
        "seconds_left": max(0, math.ceil(until - now)),
        "resend_in": max(0, math.ceil(sent_at + RESEND_AFTER - now)),
        "until": until,
    }
