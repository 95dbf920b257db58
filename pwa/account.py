"""What Sésame knows of a person (`Account`) and what HR's file says (`StaffRecord`),
whatever the directory backend (pwa/directory.py, pwa/ldap_directory.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    id: int
    identifiant: str
    email: str
    first_name: str
    last_name: str
    category: str | None
    uai: str | None
    status: str
    password_hash: str | None
    numen_digest: str | None
    birth_digest: str | None
    personal_digests: frozenset[str]
    backup_email: str | None
    demo: bool
    personal_email: str | None = None  # from the staff file, not verified
    first_names_folded: str = ""  # space-separated forms (pwa.names.first_name_forms)
    birth_name_folded: str = ""
    disabled_at: float | None = None
    leaving_since: float | None = None  # missing from a complete staff file since then
    left_at: float | None = None  # disabled after the grace period (restored if listed again)

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def activated(self) -> bool:
        return self.password_hash is not None

    @classmethod
    def from_row(cls, row: dict) -> Account:
        return cls(
            id=row["id"],
            identifiant=row["identifiant"],
            email=row["email"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            category=row["category"],
            uai=row["uai"],
            status=row["status"],
            password_hash=row["password_hash"],
            numen_digest=row["numen_digest"],
            birth_digest=row["birth_digest"],
            personal_digests=frozenset(json.loads(row["personal_digests"] or "[]")),
            backup_email=row["backup_email"],
            demo=bool(row["demo"]),
            personal_email=row.get("personal_email"),
            first_names_folded=row.get("first_names_folded") or "",
            birth_name_folded=row.get("birth_name_folded") or "",
            disabled_at=row.get("disabled_at"),
            leaving_since=row.get("leaving_since"),
            left_at=row.get("left_at"),
        )


@dataclass(frozen=True)
class StaffRecord:
    """One person as HR knows them; secrets already reduced to keyed hashes
    by the caller, except the NUMEN index used to recognise a re-import."""

    first_name: str
    last_name: str
    category: str
    uai: str
    etablissement: str
    numen_index: str
    personal_email: str | None = None
    demo: bool = False
    # Issue 11: the file's own identifiant and academic address win (kept
    # exactly); generation fills only what is missing and avoids `reserved`,
    # every value the file gives to someone.
    identifiant: str | None = None
    email: str | None = None
    reserved: frozenset[str] = frozenset()
    first_names_folded: str = ""
    birth_name_folded: str = ""
    hr_id: str | None = None  # the file's HR id: links the row to a directory entry (LDAP)
