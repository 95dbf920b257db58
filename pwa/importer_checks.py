"""The staff file's own identifiants and academic addresses, checked against
each other and against the accounts already there (issue 11). A clash is a
line error, like a bad row: nothing is imported until the file is clean.

The `email` column holds the academic address when it is in the académie's
mail domain, else the person's personal address (a backup address to confirm).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pwa.directory import SqliteDirectory
from pwa.importer_csv import RowError, StaffRow
from pwa.names import first_name_forms, match_key
from pwa.security.keys import Keys
from pwa.services.identity import numen_index


@dataclass(frozen=True)
class Logins:
    """What one row gives, once the `email` column is read with the domain."""

    identifiant: str | None
    email: str | None  # academic address
    personal_email: str | None


def logins(row: StaffRow, mail_domain: str) -> Logins:
    email = (row.email or "").lower() or None
    in_domain = email is not None and email.rpartition("@")[2] == mail_domain.lower()
    return Logins(
        identifiant=row.identifiant,
        email=row.academic_address or (email if in_domain else None),
        personal_email=None if in_domain else row.email,
    )


def folded_names(row: StaffRow) -> tuple[str, str]:
    """(first-name forms, birth name) as stored for postal-request matching."""
    forms = first_name_forms(row.first_name, row.first_names)
    return " ".join(sorted(forms)), match_key(row.birth_name or "")


def check_rows(rows: Sequence[StaffRow], *, directory: SqliteDirectory, keys: Keys) -> list[RowError]:
    """Every clash of a given identifiant or academic address: outside the
    mail domain, twice in the file, or already another person's account."""
    domain = directory.mail_domain.lower()
    errors: list[RowError] = []
    first_line: dict[tuple[str, str], int] = {}
    for row in rows:
        given = logins(row, domain)
        if row.academic_address and row.academic_address.rpartition("@")[2] != domain:
            errors.append(RowError(row.line, f"adresse académique hors du domaine @{domain}"))
            continue
        email = (row.email or "").lower()
        if row.academic_address and email.endswith("@" + domain) and email != row.academic_address:
            errors.append(
                RowError(row.line, "deux adresses académiques différentes (colonnes e-mail et adresse académique)")
            )
            continue
        me = numen_index(keys, row.numen)
        person = directory.by_numen_index(me)
        known = (
            {"identifiant": person.identifiant, "email": person.email, "password_hash": person.password_hash}
            if person
            else None
        )
        for column, label, value in (
            ("identifiant", "identifiant", given.identifiant),
            ("email", "adresse académique", given.email),
        ):
            if not value:
                continue
            if known and known["password_hash"] and known[column] != value:
                # The mail server knows this person by it already: it never changes (DESIGN §2).
                errors.append(
                    RowError(
                        row.line,
                        f"{label} « {value} » refusé : cette personne utilise déjà "
                        f"« {known[column]} » (compte activé). Laissez la case vide ou "
                        f"écrivez « {known[column]} ».",
                    )
                )
                continue
            if (column, value) in first_line:
                errors.append(
                    RowError(row.line, f"{label} « {value} » en double (déjà ligne {first_line[column, value]})")
                )
                continue
            first_line[column, value] = row.line
            owner = directory.numen_index_of(column, value)
            if owner is not None and owner != me:
                errors.append(RowError(row.line, f"{label} « {value} » déjà attribué à une autre personne"))
    return errors


def check_scope(rows: Sequence[StaffRow], uais: list[str], *, directory: SqliteDirectory, keys: Keys) -> list[RowError]:
    """A gestionnaire's import reaches their établissements only: a row elsewhere is an
    error, and so is a known person (same NUMEN) attached elsewhere, whom a scoped
    import would otherwise hand from another établissement to this one."""
    errors = [
        RowError(row.line, f"l'établissement {row.uai} ne fait pas partie de votre périmètre.")
        for row in rows
        if row.uai not in uais
    ]
    for row in rows:
        known = directory.by_numen_index(numen_index(keys, row.numen))
        if row.uai in uais and known is not None and known.uai not in uais:
            errors.append(
                RowError(
                    row.line,
                    "cette personne est rattachée à un autre établissement. "
                    "Seul le service académique peut changer son rattachement.",
                )
            )
    return errors
