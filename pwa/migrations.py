"""The schema, only ever changed through named migrations (sqlite-utils)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("sesame")


@migrations(name="0001_directory")
def directory(db: Database) -> None:
    db.table("etablissements").create({"uai": str, "name": str}, pk="uai", not_null={"name"})
    db.table("accounts").create(
        {
            "id": int,
            "identifiant": str,
            "email": str,
            "first_name": str,
            "last_name": str,
            "category": str,
            "uai": str,
            "status": str,  # active | disabled
            # argon2id hash in PHC form, read as-is by Dovecot's passdb (scheme ARGON2ID)
            "password_hash": str,
            "password_changed_at": float,
            # Keyed hashes (DESIGN §5), never the clear values
            "numen_index": str,  # unbound HMAC of the NUMEN: finds a person on re-import
            "numen_digest": str,  # HMAC bound to the account id: checks a typed NUMEN
            "birth_digest": str,  # HMAC bound to the account id: checks a typed birth date
            "personal_digests": str,  # JSON list: personal data a password must not contain
            "backup_email": str,
            "personal_email": str,  # from the import's optional email column
            "demo": int,
            "created_at": float,
            "updated_at": float,
        },
        pk="id",
        not_null={"identifiant", "email", "first_name", "last_name", "status", "created_at"},
        defaults={"status": "active", "demo": 0},
        foreign_keys=[("uai", "etablissements", "uai")],
    )
    db.table("accounts").create_index(["identifiant"], unique=True)
    db.table("accounts").create_index(["email"], unique=True)
    db.table("accounts").create_index(["numen_index"], unique=True)
    db.table("accounts").create_index(["uai"])


@migrations(name="0002_security")
def security(db: Database) -> None:
    db.table("sessions").create(
        {
            "id_hash": str,
            "account_id": int,
            "level": str,  # anonymous | password | full
            "data": str,  # JSON, never a secret
            "created_at": float,
            "authenticated_at": float,
            "last_seen_at": float,
            "client": str,
            "user_agent": str,
        },
        pk="id_hash",
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db.table("sessions").create_index(["account_id"])
    db.table("failures").create(
        {"id": int, "at": float, "subject": str, "client": str, "kind": str},
        pk="id",
    )
    db.table("failures").create_index(["subject", "at"])
    db.table("failures").create_index(["client", "at"])
    db.table("pauses").create({"subject": str, "until": float, "notified_at": float}, pk="subject")
    db.table("audit").create(
        {
            "id": int,
            "at": float,
            "event": str,
            "account_id": int,
            "actor": str,
            "client": str,
            "details": str,
        },
        pk="id",
    )
    db.table("audit").create_index(["account_id", "at"])
    db.table("audit").create_index(["at"])
    db.table("outbox").create(
        {
            "id": int,
            "created_at": float,
            "to_addr": str,
            "subject": str,
            "body": str,
            "attempts": int,
            "next_attempt_at": float,
            "locked_until": float,
            "sent_at": float,
            "last_error": str,
        },
        pk="id",
        defaults={"attempts": 0},
    )
    db.table("outbox").create_index(["sent_at", "next_attempt_at"])
    db.table("meta").create({"key": str, "value": str}, pk="key")


@migrations(name="0003_demo_mailbox")
def demo_mailbox(db: Database) -> None:
    # Filled only in demo mode, by the local SMTP server, so the demo can show
    # the notices it really sent over SMTP.
    db.table("demo_mailbox").create(
        {"id": int, "received_at": float, "mail_from": str, "rcpt_to": str, "message": str},
        pk="id",
    )


@migrations(name="0004_authenticators")
def authenticators(db: Database) -> None:
    # One table for every second factor, with a type column (as allauth's mfa).
    # data is JSON: passkeys keep their public key and counter; the OTP app its
    # seed ENCRYPTED (AES-GCM, key "seeds") and last accepted step; recovery
    # codes only keyed hashes.
    db.table("authenticators").create(
        {
            "id": int,
            "account_id": int,
            "type": str,  # passkey | totp | recovery_codes
            "name": str,
            "credential_id": str,  # passkeys: base64url credential id (unique)
            "data": str,
            "created_at": float,
            "last_used_at": float,
        },
        pk="id",
        not_null={"account_id", "type", "data", "created_at"},
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db.table("authenticators").create_index(["account_id", "type"])
    db.table("authenticators").create_index(["credential_id"], unique=True)


@migrations(name="0005_recovery")
def recovery(db: Database) -> None:
    # One-time codes (DESIGN §5 table): only a keyed hash bound to the account
    # and the code's purpose; `target` is the non-secret channel (the backup
    # address being verified, or "letter" / "slip").
    db.table("codes").create(
        {
            "id": int,
            "account_id": int,
            "purpose": str,  # backup_verify | backup_reset | helpdesk | letter
            "digest": str,
            "target": str,
            "created_at": float,
            "expires_at": float,
            "attempts": int,
            "used_at": float,
            "voided_at": float,
            "issued_by": int,  # staff account id for help-desk codes and letters
        },
        pk="id",
        not_null={"account_id", "purpose", "digest", "created_at", "expires_at"},
        defaults={"attempts": 0},
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db.table("codes").create_index(["account_id", "purpose"])
    # Staff roles (DESIGN §3.10), each scoped to one établissement or, with a
    # NULL uai, to the whole académie.
    db.table("roles").create(
        {
            "id": int,
            "account_id": int,
            "role": str,  # gestionnaire | assistance | admin
            "uai": str,
            "granted_at": float,
            "granted_by": str,
        },
        pk="id",
        not_null={"account_id", "role", "granted_at"},
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db.table("roles").create_index(["account_id", "role", "uai"], unique=True)
    # Postal letter requests (DESIGN §3.5b). `account_id` is NULL when the
    # details matched nobody: the request behaves the same for the requester.
    db.table("letter_requests").create(
        {
            "id": int,
            "reference": str,
            "account_id": int,
            "uai": str,
            "created_at": float,
            "status": str,  # queued | printed | cancelled
            "printed_at": float,
            "printed_by": int,
            "client": str,
        },
        pk="id",
        not_null={"reference", "created_at", "status"},
        defaults={"status": "queued"},
    )
    db.table("letter_requests").create_index(["reference"], unique=True)
    db.table("letter_requests").create_index(["uai", "status"])
    db.table("accounts").add_column("backup_email_verified_at", float)
    db.table("accounts").add_column("disabled_at", float)


@migrations(name="0006_altcha")
def altcha(db: Database) -> None:
    # Proof-of-work solutions already accepted (issue 6, anti-automation): each
    # challenge's signature once, kept until the challenge expires.
    db.table("altcha_spent").create(
        {"signature": str, "expires_at": float},
        pk="signature",
        not_null={"expires_at"},
    )


@migrations(name="0007_staff_file_names_and_request_review")
def staff_file_names_and_request_review(db: Database) -> None:
    # Issue 11: the staff file may give every first name and the birth name.
    # Not secrets, but only needed to match a postal request, so they are kept
    # folded (pwa.services.letter_requests.fold): a space-separated list of the
    # first-name forms a request may use, and the joined birth name.
    db.table("accounts").add_column("first_names_folded", str)
    db.table("accounts").add_column("birth_name_folded", str)
    # A postal request that matched nobody (or several people) waits for an
    # agent (status `review`), who attaches it to an account (then `queued`)
    # or rejects it (`rejected`, with a reason). The names typed are kept for
    # the agent; the birth date typed is never stored.
    db.table("letter_requests").add_column("first_name", str)
    db.table("letter_requests").add_column("last_name", str)
    db.table("letter_requests").add_column("review_reason", str)  # unmatched | ambiguous
    db.table("letter_requests").add_column("resolved_at", float)
    db.table("letter_requests").add_column("resolved_by", int)
    db.table("letter_requests").add_column("rejection", str)


@migrations(name="0008_directory_entries")
def directory_entries(db: Database) -> None:
    # Issue 15: with SESAME_DIRECTORY=ldap the person is an entry of the académie's
    # directory; the row keeps what the directory does not have (keyed hashes, backup
    # address, factors, codes, sessions and audit point at it) and is linked to the
    # entry by its stable entryUUID, never by its DN (which a rename changes).
    db.table("accounts").add_column("entry_uuid", str)
    db.table("accounts").create_index(["entry_uuid"], unique=True)


@migrations(name="0009_app_passwords")
def app_passwords(db: Database) -> None:
    # Issue 16: passwords for one mail app each, checked by the mail server. Dovecot's
    # app-password passdb (docs/dovecot/) selects the row by the account and the value's
    # first group (`public_id`, unique per account, not secret) and verifies the argon2id
    # hash; the value itself is shown once and never stored.
    db.table("app_passwords").create(
        {
            "id": int,
            "account_id": int,
            "public_id": str,
            "name": str,
            "scope": str,  # mail (IMAP, SMTP) | sieve (ManageSieve: out-of-office rules)
            "password_hash": str,
            "created_at": float,
            "expires_at": float,  # NULL: no end date
            "revoked_at": float,
            "last_used_at": float,  # reported by Dovecot's auth policy hook
            "last_client": str,
        },
        pk="id",
        not_null={"account_id", "public_id", "name", "scope", "password_hash", "created_at"},
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db.table("app_passwords").create_index(["account_id", "public_id"], unique=True)


@migrations(name="0010_leavers")
def leavers(db: Database) -> None:
    # Issue 15: an import that is the complete list for its établissements marks the people
    # it lacks as leaving (`leaving_since`); after the profile's grace period `sesame
    # leavers` disables them (`left_at`: disabled because they left, so a later file
    # that lists them again restores them). Nobody is deleted.
    db.table("accounts").add_column("leaving_since", float)
    db.table("accounts").add_column("left_at", float)
    # A staff file Gestion previewed, waiting for the agent's confirmation: one per agent,
    # encrypted (it holds NUMENs and birth dates), dropped once applied or after 30 minutes.
    db.table("pending_imports").create(
        {"account_id": int, "digest": str, "complete": str, "data": str, "created_at": float},
        pk="account_id",
        not_null={"digest", "data", "created_at"},
        foreign_keys=[("account_id", "accounts", "id")],
    )
