"""Activation over time, for Gestion's dashboard (issue 15 item 4): how many people were
imported, had activated their account and held a second factor at the end of each day,
for a scope (the agent's établissements, or the whole académie) or one établissement;
what waits (letter requests, staff leaving); and the CSV of who has not activated yet,
for an établissement's secretariat. No HTTP here.

"Over time" is read from what the database already records, nothing new is stored:
- imported: the account row's `created_at` (its first import, or its link to a directory entry);
- activated: the first password event of the audit trail (`password.set`, `.set_letter`,
  `.set_helpdesk`, `.reset_backup`, `.changed`), or the row's `password_changed_at` when the
  trail holds an earlier one no more (kept 12 months), or else `created_at` (a directory entry
  that had a password before it was linked); only accounts with a password today count;
- with a second factor: the creation date of the oldest passkey or OTP app the account still
  holds (a factor removed leaves no date, so the curve shows today's holders)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from bisect import bisect_right
from dataclasses import dataclass

from pwa.directory import SqliteDirectory
from pwa.mfa.store import Authenticators
from pwa.security.audit import Audit
from pwa.store import PARIS, Store
from pwa.stores.etablissements import Etablissements
from pwa.stores.letter_requests import LetterQueue

ACTIVATION_EVENTS = ("password.set", "password.set_letter", "password.set_helpdesk", "password.reset_backup")
PASSWORD_EVENTS = (*ACTIVATION_EVENTS, "password.changed")
MAX_POINTS = 15  # a readable chart and table, whatever the span

CATEGORY_LABELS = {
    "aesh": "AESH",
    "premier_degre": "Premier degré",
    "second_degre": "Second degré",
    "administratif": "Administratif",
    "prive": "Privé",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell
CSV_HEADER = ("Nom", "Prénom", "Identifiant", "Adresse académique", "Catégorie", "UAI", "Établissement", "Importé le")


@dataclass(frozen=True)
class Point:
    """The counts at the end of `day` (Paris time)."""

    day: dt.date
    imported: int
    activated: int
    with_factor: int


def day_of(timestamp: float) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp, PARIS).date()


def sample_days(first: dt.date, last: dt.date, most: int = MAX_POINTS) -> list[dt.date]:
    """Days from `first` to `last`, every day when they fit in `most` points, else evenly
    spaced steps counted back from `last` (today is always the last point)."""
    span = (last - first).days
    step = max(1, -(-span // (most - 1))) if span else 1
    days = [last - dt.timedelta(days=step * k) for k in range(span // step + 1)]
    return sorted(days)


def cell(value: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class ActivationService:
    def __init__(
        self,
        *,
        store: Store,
        directory: SqliteDirectory,
        etablissements: Etablissements,
        authenticators: Authenticators,
        audit: Audit,
        queue: LetterQueue,
    ) -> None:
        self.store = store
        self.directory = directory
        self.etablissements = etablissements
        self.authenticators = authenticators
        self.audit = audit
        self.queue = queue

    def timeline(self, uais: list[str] | None) -> list[Point]:
        """Counts at the end of each sampled day, from the first import to today (empty: nobody)."""
        people = self.directory.activation_dates(uais)
        if not people:
            return []
        first_password = self.audit.first_at(PASSWORD_EVENTS)
        first_factor = self.authenticators.first_factor_at()
        imported, activated, with_factor = [], [], []
        for person in people:
            created = person["created_at"]
            imported.append(day_of(created))
            if person["activated"]:
                known = [t for t in (first_password.get(person["id"]), person["password_changed_at"]) if t]
                activated.append(day_of(max(created, min(known, default=created))))
                if person["id"] in first_factor:
                    with_factor.append(day_of(max(created, first_factor[person["id"]])))
        for days in (imported, activated, with_factor):
            days.sort()
        today = self.store.today()
        return [
            Point(
                day=day,
                imported=bisect_right(imported, day),
                activated=bisect_right(activated, day),
                with_factor=bisect_right(with_factor, day),
            )
            for day in sample_days(min(imported[0], today), today)
        ]

    def pending(self, uais: list[str] | None) -> dict[str, dict[str, int]]:
        """UAI → letter requests waiting: {queued: to print, review: to check}."""
        return self.queue.pending_by_uai(uais)

    def leaving(self, uais: list[str] | None) -> dict[str, int] | None:
        """UAI → people marked leaving by a complete import and not yet disabled (their
        grace period runs), within `uais` (the agent's scope; None: the académie)."""
        return self.directory.leaving_by_uai(uais)

    def not_activated_csv(self, uai: str) -> tuple[bytes, int]:
        """The open accounts of `uai` without a password yet, for its secretariat: French
        headers, `;` separated, UTF-8 with a BOM (Excel opens it with its accents), and
        how many people it lists."""
        school = self.etablissements.name(uai, uai)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        created = {r["id"]: r["created_at"] for r in self.directory.activation_dates([uai])}
        people = self.directory.people(uai=uai, not_activated=True)
        for person in people:
            writer.writerow(
                cell(value)
                for value in (
                    person.last_name,
                    person.first_name,
                    person.identifiant,
                    person.email,
                    CATEGORY_LABELS.get(person.category or "", person.category or ""),
                    uai,
                    school,
                    day_of(created[person.id]).strftime("%d/%m/%Y") if person.id in created else "",
                )
            )
        return ("\ufeff" + out.getvalue()).encode("utf-8"), len(people)
