"""Passkeys with py_webauthn: discoverable credentials, attestation none,
single-use short-lived challenges, user verification for username-less sign-in."""

from __future__ import annotations

import json
from dataclasses import dataclass

import webauthn
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

CHALLENGE_SECONDS = 120


class PasskeyError(ValueError):
    pass


@dataclass(frozen=True)
class RelyingParty:
    id: str  # host name, e.g. sesame.ac-exemple.fr (localhost in tests)
    name: str
    origin: str  # https://sesame.ac-exemple.fr


@dataclass(frozen=True)
class NewPasskey:
    credential_id: str
    public_key: str
    sign_count: int
    transports: list[str]


def registration_options(
    rp: RelyingParty, *, user_id: bytes, user_name: str, display_name: str, exclude: list[str]
) -> tuple[str, str]:
    """(options JSON for the browser, challenge to keep server-side)."""
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_id,
        user_name=user_name,
        user_display_name=display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in exclude],
    )
    return webauthn.options_to_json(options), bytes_to_base64url(options.challenge)


def verify_registration(rp: RelyingParty, credential_json: str, challenge: str) -> NewPasskey:
    try:
        verified = webauthn.verify_registration_response(
            credential=credential_json,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
        transports = json.loads(credential_json).get("response", {}).get("transports", [])
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise PasskeyError(str(exc)) from exc
    return NewPasskey(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        transports=[t for t in transports if isinstance(t, str)][:8],
    )


def authentication_options(rp: RelyingParty, *, allow: list[str] | None = None) -> tuple[str, str]:
    """Username-less when `allow` is empty: the authenticator offers its passkeys."""
    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in allow or []],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return webauthn.options_to_json(options), bytes_to_base64url(options.challenge)


def credential_id_of(credential_json: str) -> str:
    try:
        value = json.loads(credential_json)["id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise PasskeyError("not a credential") from exc
    if not isinstance(value, str) or not value or len(value) > 1400:
        raise PasskeyError("not a credential id")
    return value


def verify_authentication(
    rp: RelyingParty,
    credential_json: str,
    challenge: str,
    *,
    public_key: str,
    sign_count: int,
    require_user_verification: bool = True,
) -> int:
    """Returns the new sign count. A counter that does not increase is refused
    when either side is non-zero (synced passkeys report 0 forever)."""
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential_json,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=base64url_to_bytes(public_key),
            credential_current_sign_count=sign_count,
            require_user_verification=require_user_verification,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise PasskeyError(str(exc)) from exc
    return verified.new_sign_count
