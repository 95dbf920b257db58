"""Gestion's staff import in two steps (issue 15): the file is checked and previewed (new,
updated, leaving, restored, unchanged, with names) and kept encrypted for the agent; only
their confirmation applies it, in one transaction with its audit event. No HTTP here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pwa.directory import SqliteDirectory
from pwa.importer import ImportRefused, ImportReport, decode, import_staff, parse_staff_text
from pwa.importer_checks import check_rows, check_scope
from pwa.importer_csv import RowError, StaffRow
from pwa.security.audit import Audit
from pwa.security.crypto import Undecryptable, decrypt, encrypt
from pwa.security.keys import Keys, new_token
from pwa.services.leavers import ImportPlan, plan_import
from pwa.store import Store
from pwa.stores.pending_imports import PendingImports

KEPT_FOR = 30 * 60.0  # seconds a preview waits for its confirmation
STALE = (
    "Cet aperçu n'est plus valable : plus de 30 minutes ont passé, ou un autre fichier a été envoyé depuis. "
    "Envoyez le fichier à nouveau."
)
ROWS_WRONG = (
    "Le fichier contient des erreurs : aucune ligne n'a été importée. "
    "Corrigez les lignes ci-dessous, puis envoyez-le à nouveau."
)


@dataclass
class Outcome:
    """One of: a French error for the file field (with the lines to correct), a preview
    waiting for confirmation (`plan`, `token`), or the applied import (`report`)."""

    file_error: str | None = None
    row_errors: list[str] = field(default_factory=list)
    plan: ImportPlan | None = None
    token: str = ""
    report: ImportReport | None = None


class StaffImport:
    def __init__(
        self, *, store: Store, directory: SqliteDirectory, keys: Keys, audit: Audit, pending: PendingImports
    ) -> None:
        self.store = store
        self.directory = directory
        self.keys = keys
        self.audit = audit
        self.pending = pending

    def _checked(self, text: str, uais: Sequence[str] | None) -> tuple[list[StaffRow], list[str]]:
        parsed = parse_staff_text(text)
        errors: list[RowError] = list(parsed.errors)
        if uais is not None:
            errors += check_scope(parsed.rows, list(uais), directory=self.directory, keys=self.keys)
        if not errors:
            errors = check_rows(parsed.rows, directory=self.directory, keys=self.keys)
        return list(parsed.rows), [str(e) for e in sorted(errors, key=lambda e: e.line or 0)]

    def preview(self, agent_id: int, data: bytes, *, uais: Sequence[str] | None, complete: bool) -> Outcome:
        """Checks the file and plans it, writing nothing but the encrypted file kept for the
        confirmation. `complete`: the file is the complete list of the agent's établissements
        (académie-wide agents: of the établissements the file names)."""
        try:
            text = decode(data)
        except ValueError as error:  # UnreadableFile
            return Outcome(file_error=f"Ce fichier est illisible : {error}")
        rows, errors = self._checked(text, uais)
        if errors:
            return Outcome(file_error=ROWS_WRONG, row_errors=errors)
        scope = (sorted(uais) if uais is not None else sorted({r.uai for r in rows})) if complete else None
        plan = plan_import(rows, directory=self.directory, keys=self.keys, complete=scope)
        token = new_token(16)
        sealed = encrypt(self.keys, agent_id, text, purpose="imports")
        self.pending.keep(agent_id, digest=token, complete=scope, data=sealed)
        return Outcome(plan=plan, token=token)

    def confirm(
        self, agent_id: int, token: str, *, uais: Sequence[str] | None, actor: str, client: str | None
    ) -> Outcome:
        """Applies the previewed file (checked again: accounts may have changed since), drops
        it, and audits the import, all in one transaction."""
        since = self.store.now() - KEPT_FOR
        kept = self.pending.get(agent_id, since=since)
        if kept is None or not token or kept["digest"] != token:
            return Outcome(file_error=STALE)
        try:
            text = decrypt(self.keys, agent_id, kept["data"], purpose="imports")
        except Undecryptable:
            return Outcome(file_error=STALE)
        rows, errors = self._checked(text, uais)
        if errors:
            return Outcome(file_error=ROWS_WRONG, row_errors=errors)
        try:
            with self.store.write():
                # Taken first: of two confirmations at once, one applies the file, the other is told it is stale.
                if not self.pending.take(agent_id, digest=token, since=since):
                    return Outcome(file_error=STALE)
                report = import_staff(
                    rows,
                    store=self.store,
                    directory=self.directory,
                    keys=self.keys,
                    complete=kept["complete"],
                    audit=self.audit,
                    actor=actor,
                    client=client,
                )
        except ImportRefused as refused:
            return Outcome(file_error=ROWS_WRONG, row_errors=[str(e) for e in refused.errors])
        return Outcome(report=report)

    def purge(self) -> None:
        self.pending.purge(self.store.now() - KEPT_FOR)
