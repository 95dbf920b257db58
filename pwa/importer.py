"""Staff import (`sesame import FILE.csv`): HR's file → accounts, all or nothing.

This module decodes the file, has `pwa.importer_csv` check every row, writes the
rows in one transaction and reports in French. Clear NUMENs and birth dates are
reduced to keyed hashes here and never printed, logged or stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from pwa.directory import NoEntry, SqliteDirectory, StaffRecord
from pwa.import_preview import preview_lines
from pwa.importer_checks import check_rows, folded_names, logins
from pwa.importer_csv import ParseResult, RowError, StaffRow, parse_staff_text
from pwa.progress import Progress as ProgressBar
from pwa.security.audit import Audit
from pwa.security.keys import Keys
from pwa.services.identity import birth_digest, numen_digest, numen_index, personal_digest
from pwa.services.leavers import ImportPlan, apply_leaving, plan_import
from pwa.store import Store

__all__ = [
    "ImportReport",
    "ImportRefused",
    "ParseResult",
    "RowError",
    "StaffRow",
    "UnreadableFile",
    "import_command",
    "import_staff",
    "leaving_note",
    "check_rows",
    "parse_staff_csv",
    "no_entry_note",
    "pending_note",
    "summary",
]

PROGRESS_EVERY = 500
Progress = Callable[[int, int], None]  # (rows done, rows in all)


class UnreadableFile(ValueError):
    """The bytes are not a CSV text at all; the message is French, for HR."""


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Excel's "CSV (séparateur : ;)")."""
    save_as = "enregistrez-le au format « CSV UTF-8 »."
    if data.startswith(b"PK\x03\x04"):
        raise UnreadableFile(f"c'est un classeur Excel ou LibreOffice, pas un CSV : {save_as}")
    if b"\x00" in data:
        raise UnreadableFile(f"ce n'est pas un texte CSV (UTF-16 ou binaire) : {save_as}")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not text.strip():
            raise UnreadableFile("le fichier est vide.")
        return text
    raise UnreadableFile(f"encodage non reconnu (UTF-8 ou Windows-1252 attendu) : {save_as}")


def parse_staff_csv(data: bytes) -> ParseResult:
    """Pure: the file's bytes → checked rows and every error. Raises UnreadableFile
    when the bytes are not a CSV text."""
    return parse_staff_text(decode(data))


class ImportRefused(ValueError):
    """Rows clash with each other or with existing accounts (check_rows)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    # File lines whose e-mail is a personal address, now offered to the person
    # as a backup address to confirm with a code (it counts only once confirmed).
    pending_backup: tuple[int, ...] = ()
    # LDAP directory: file lines that match no entry (left out; SESAME_LDAP_CREATE creates them).
    no_entry: tuple[int, ...] = ()
    # What the import did besides the rows: leaving marks and restorations (pwa/services/leavers.py).
    plan: ImportPlan = field(default=ImportPlan(), compare=False)

    @property
    def total(self) -> int:
        return self.created + self.updated


def _personal_tokens_function() -> Callable[[dt.date, str], set[str]] | None:
    try:
        from pwa.policy import personal_tokens
    except ImportError:  # pwa.policy not there yet: store no personal digests
        return None
    return personal_tokens


def import_staff(
    rows: Sequence[StaffRow],
    *,
    store: Store,
    directory: SqliteDirectory,
    keys: Keys,
    progress: Progress | None = None,
    every: int | None = None,
    complete: Sequence[str] | None = None,
    audit: Audit | None = None,
    actor: str = "cli",
    client: str | None = None,
) -> ImportReport:
    """Create or update every row in ONE transaction: an exception on any row
    leaves the database as it was. A known NUMEN updates its account and keeps
    its identifiant and address, unless the file gives its own (they win).
    Raises ImportRefused, writing nothing, when given logins clash. `complete`: the UAIs
    the file is the complete list of (their people missing from it are marked leaving);
    anyone listed who was leaving or left is restored. With `audit`, the import's event
    is recorded in the same transaction."""
    if directory.store is not store:
        raise ValueError("the directory must write through the same store")
    personal_tokens = _personal_tokens_function()
    every = every or PROGRESS_EVERY
    created = updated = 0
    pending: list[int] = []
    missing: list[int] = []
    given = [logins(row, directory.mail_domain) for row in rows]
    reserved = frozenset([g.identifiant for g in given if g.identifiant] + [g.email for g in given if g.email])
    with store.write():
        store.lock("staff-import")  # two imports at once (instances sharing PostgreSQL): one after the other
        clashes = check_rows(rows, directory=directory, keys=keys)
        if clashes:
            raise ImportRefused(clashes)
        plan = plan_import(rows, directory=directory, keys=keys, complete=complete)
        for done, (row, row_logins) in enumerate(zip(rows, given, strict=True), start=1):
            first_names, birth_name = folded_names(row)
            try:
                account_id, is_new = directory.save_staff(
                    StaffRecord(
                        first_name=row.first_name,
                        last_name=row.last_name,
                        category=row.category,
                        uai=row.uai,
                        etablissement=row.etablissement,
                        numen_index=numen_index(keys, row.numen),
                        personal_email=row_logins.personal_email,
                        identifiant=row_logins.identifiant,
                        email=row_logins.email,
                        reserved=reserved,
                        first_names_folded=first_names,
                        birth_name_folded=birth_name,
                        hr_id=row.hr_id,
                    )
                )
            except NoEntry:  # the LDAP directory has no entry for this person: nothing written
                missing.append(row.line)
                account_id = None
            if account_id is not None:
                if row_logins.personal_email and directory.needs_backup(account_id):
                    pending.append(row.line)
                tokens = personal_tokens(row.birth_date, row.numen) if personal_tokens else ()
                directory.set_secret_digests(
                    account_id,
                    numen_digest=numen_digest(keys, account_id, row.numen),
                    birth_digest=birth_digest(keys, account_id, row.birth_date),
                    personal=[personal_digest(keys, account_id, t) for t in tokens],
                )
                created, updated = (created + 1, updated) if is_new else (created, updated + 1)
            if progress and (done % every == 0 or done == len(rows)):
                progress(done, len(rows))
        apply_leaving(plan, directory=directory, audit=audit, actor=actor)
        if audit is not None:
            extra: dict[str, object] = (
                {"complete": list(plan.scope), "leaving": len(plan.leaving)} if plan.scope else {}
            )
            extra |= {"restored": len(plan.restored)} if plan.restored else {}
            extra |= {"created": created, "updated": updated}
            audit.record("import", actor=actor, client=client, **extra)  # type: ignore[arg-type]
    return ImportReport(
        created=created, updated=updated, pending_backup=tuple(pending), no_entry=tuple(missing), plan=plan
    )


def _plural(n: int, singular: str, plural: str) -> str:
    # French: 0 and 1 take the singular.
    return f"{n} {singular if n < 2 else plural}"


def summary(report: ImportReport) -> str:
    """`152 personnes importées : 140 nouvelles, 12 mises à jour.`"""
    return (
        f"{_plural(report.total, 'personne importée', 'personnes importées')} : "
        f"{_plural(report.created, 'nouvelle', 'nouvelles')}, "
        f"{_plural(report.updated, 'mise à jour', 'mises à jour')}."
    )


def leaving_note(report: ImportReport) -> str | None:
    """The leaving marks and restorations the import made (complete list, returns)."""
    plan = report.plan
    parts = []
    if plan.leaving:
        parts.append(f"{_plural(len(plan.leaving), 'personne marquée', 'personnes marquées')} sur le départ")
    if plan.restored:
        parts.append(_plural(len(plan.restored), "personne rétablie", "personnes rétablies"))
    return " ; ".join(parts) + "." if parts else None


def pending_note(report: ImportReport) -> str | None:
    """The personal addresses the file gave, waiting for their owner's confirmation."""
    lines = report.pending_backup
    if not lines:
        return None
    shown = ", ".join(str(n) for n in lines[:20]) + ("…" if len(lines) > 20 else "")
    return (
        f"{_plural(len(lines), 'adresse personnelle', 'adresses personnelles')} "
        f"(ligne{'s' if len(lines) > 1 else ''} {shown}) : "
        f"{'elle deviendra' if len(lines) == 1 else 'elles deviendront'} adresse de secours "
        "quand la personne l'aura confirmée avec le code envoyé depuis « Mon compte »."
    )


def no_entry_note(report: ImportReport) -> str | None:
    """The rows the académie's directory has no entry for (LDAP backend)."""
    lines = report.no_entry
    if not lines:
        return None
    shown = ", ".join(str(n) for n in lines[:20]) + ("…" if len(lines) > 20 else "")
    return (
        f"{_plural(len(lines), 'personne absente', 'personnes absentes')} de l'annuaire de l'académie "
        f"(ligne{'s' if len(lines) > 1 else ''} {shown}) : non importée{'s' if len(lines) > 1 else ''}. "
        "Vérifiez l'identifiant, l'adresse académique ou l'identifiant RH, ou créez l'entrée dans l'annuaire."
    )


def _os_reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "fichier introuvable"
    if isinstance(error, PermissionError):
        return "accès refusé"
    if isinstance(error, IsADirectoryError):
        return "c'est un dossier, pas un fichier"
    return "erreur de lecture"


def import_command(
    path: Path,
    *,
    store: Store,
    directory: SqliteDirectory,
    keys: Keys,
    echo: Callable[..., object] = click.echo,
    audit: Audit | None = None,
    tty: bool = False,
    complete: Sequence[str] | None = None,
    dry_run: bool = False,
    confirm: Callable[[], bool] | None = None,
    grace_days: int = 30,
) -> int:
    """The body of `sesame import FILE.csv`. The preview is printed first; `dry_run` stops
    there, `confirm` (a question on the terminal) must say yes before anything is written.
    Exit code: 0 imported (or previewed), 1 bad rows (nothing imported), 2 unreadable
    file, 3 not confirmed. Errors go to stderr; progress too, as a bar on
    a terminal (`tty`). The import is audited as the web's is, with "cli" as actor."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        echo(f"Impossible de lire le fichier « {path} » : {_os_reason(error)}.", err=True)
        return 2
    try:
        parsed = parse_staff_csv(data)
    except UnreadableFile as error:
        echo(f"Fichier « {path} » illisible : {error}", err=True)
        return 2
    if parsed.errors:
        for problem in parsed.errors:
            echo(str(problem), err=True)
        bad_lines = len({e.line for e in parsed.errors if e.line and e.line > 1})
        if bad_lines:
            echo(_plural(bad_lines, "ligne en erreur.", "lignes en erreur."), err=True)
        echo("Aucune ligne n'a été importée.", err=True)
        return 1

    clashes = check_rows(parsed.rows, directory=directory, keys=keys)
    if clashes:
        for clash in clashes:
            echo(str(clash), err=True)
        bad_lines = len({e.line for e in clashes})
        echo(_plural(bad_lines, "ligne en erreur.", "lignes en erreur."), err=True)
        echo("Aucune ligne n'a été importée.", err=True)
        return 1

    if dry_run or confirm is not None:  # someone reads the preview before anything is written
        plan = plan_import(parsed.rows, directory=directory, keys=keys, complete=complete)
        for line in preview_lines(plan, grace_days):
            echo(line)
    if dry_run:
        echo("Simulation (--dry-run) : rien n'a été enregistré.")
        return 0
    if confirm is not None and not confirm():
        echo("Import annulé : rien n'a été enregistré.", err=True)
        return 3

    def show_progress(done: int, total: int) -> None:
        echo(f"{done} / {total} lignes enregistrées…", err=True)

    total = len(parsed.rows)
    progress: Progress | None
    if tty:
        bar = ProgressBar("lignes enregistrées", tty=True)
        progress, every = bar, bar.step(total)
    else:
        progress, every = (show_progress if total > PROGRESS_EVERY else None), None
    report = import_staff(
        parsed.rows,
        store=store,
        directory=directory,
        keys=keys,
        progress=progress,
        every=every,
        complete=complete,
        audit=audit,
    )
    echo(summary(report))
    for note in (leaving_note(report), pending_note(report), no_entry_note(report)):
        if note:
            echo(note)
    return 0
