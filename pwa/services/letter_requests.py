"""Postal letter requests (DESIGN §3.5b, issue 11 item 4): matching the
details typed on /courrier to one account, and the agent's review of the
requests that matched nobody or several people. No HTTP here.

Matching: within the établissement chosen, an active account whose first
name (usual one, any of those the staff file lists, or several written
together) and surname (usage or birth name) equal what was typed, accents,
case, spaces and punctuation ignored; the birth date is checked for EVERY
account of the établissement, so timing tells nothing about names.
One account: the request is queued for printing. None or several: it waits
for an agent (status `review`), who attaches it to an account (then it is
queued like a matched one) or rejects it with a reason. To the requester a
request under review reads exactly like a queued one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pwa.directory import Account, SqliteDirectory
from pwa.names import first_name_forms, match_key
from pwa.security.audit import Audit
from pwa.security.keys import Keys
from pwa.services.identity import check_birth
from pwa.services.letters import Letters
from pwa.store import Store
from pwa.stores.etablissements import Etablissements
from pwa.stores.letter_requests import LetterQueue

REJECTION_MAX = 300
DONE = "Cette demande a déjà été traitée, ou elle n'existe pas."
REVIEW_REASONS = {
    "unmatched": "Aucune personne ne correspond",
    "ambiguous": "Plusieurs personnes correspondent",
}


class Unresolvable(ValueError):
    """A French sentence for the agent: the request or account cannot be used."""


@dataclass(frozen=True)
class Match:
    account: Account | None
    review_reason: str | None  # None when exactly one account matched


def names_match(account: Account, first_name: str, last_name: str) -> bool:
    firsts = first_name_forms(account.first_name) | set(account.first_names_folded.split())
    lasts = {match_key(account.last_name), account.birth_name_folded} - {""}
    return match_key(first_name) in firsts and match_key(last_name) in lasts


class LetterRequests:
    def __init__(
        self,
        *,
        store: Store,
        keys: Keys,
        directory: SqliteDirectory,
        etablissements: Etablissements,
        queue: LetterQueue,
        letters: Letters,
        audit: Audit,
    ) -> None:
        self.store = store
        self.keys = keys
        self.directory = directory
        self.etablissements = etablissements
        self.queue = queue
        self.letters = letters
        self.audit = audit

    def match(self, *, first_name: str, last_name: str, uai: str, birth: dt.date) -> Match:
        found: list[Account] = []
        for account in self.directory.active_in(uai):
            born = check_birth(self.keys, account_id=account.id, birth_stored=account.birth_digest, birth_date=birth)
            if names_match(account, first_name, last_name) and born:
                found.append(account)
        if len(found) == 1:
            return Match(found[0], None)
        return Match(None, "ambiguous" if found else "unmatched")

    def submit(self, *, first_name: str, last_name: str, uai: str, birth: dt.date, client: str) -> str:
        """Match and record the request; the reference comes back in every case."""
        found = self.match(first_name=first_name, last_name=last_name, uai=uai, birth=birth)
        return self.letters.request(
            found.account,
            uai,
            client,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            review_reason=found.review_reason,
        )

    # The agent's side (Gestion) ----------------------------------------------

    def _named(self, row: dict) -> dict:
        row["etablissement"] = self.etablissements.name(row["uai"], row["uai"])
        return row

    def to_review(self, uais: list[str] | None) -> list[dict]:
        """Requests waiting for an agent, oldest first, within `uais` (None: all)."""
        return [self._named(row) for row in self.queue.to_review(uais)]

    def count_to_review(self, uais: list[str] | None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.queue.to_review(uais):
            counts[row["uai"]] = counts.get(row["uai"], 0) + 1
        return counts

    def get(self, request_id: int) -> dict | None:
        row = self.queue.get(request_id)
        return self._named(row) if row is not None else None

    def candidates(self, uai: str, typed: str) -> list[Account]:
        """Accounts of the établissement whose names contain every word typed."""
        words = [match_key(w) for w in typed.split() if match_key(w)]
        if not words:
            return []
        found = []
        for account in self.directory.active_in(uai):
            names = " ".join(
                [
                    match_key(account.first_name),
                    match_key(account.last_name),
                    account.first_names_folded,
                    account.birth_name_folded,
                ]
            )
            if all(w in names for w in words):
                found.append(account)
        return found[:50]

    def _waiting(self, request_id: int) -> dict:
        row = self.get(request_id)
        if row is None or row["status"] != "review":
            raise Unresolvable(DONE)
        return row

    def attach(self, request_id: int, account: Account, *, agent: Account, client: str) -> None:
        """The agent recognised the person: the request joins the print queue."""
        row = self._waiting(request_id)
        if account.uai != row["uai"] or not account.active:
            raise Unresolvable("Cette personne n'est pas dans l'établissement de la demande.")
        with self.store.write():
            if not self.queue.attach(request_id, account.id, at=self.store.now(), by=agent.id):
                raise Unresolvable(DONE)  # another agent resolved it meanwhile
            self.audit.record(
                "letter.request_attached",
                account_id=account.id,
                actor=agent.identifiant,
                client=client,
                reference=row["reference"],
            )

    def reject(self, request_id: int, reason: str, *, agent: Account, client: str) -> None:
        """The agent could not recognise the person: the follow-up page then
        tells the requester to call the help desk."""
        row = self._waiting(request_id)
        reason = " ".join(reason.split())
        if not reason:
            raise Unresolvable("Indiquez pourquoi la demande est refusée.")
        with self.store.write():
            if not self.queue.reject(request_id, reason[:REJECTION_MAX], at=self.store.now(), by=agent.id):
                raise Unresolvable(DONE)  # another agent resolved it meanwhile
            self.audit.record(
                "letter.request_rejected",
                actor=agent.identifiant,
                client=client,
                reference=row["reference"],
                uai=row["uai"],
            )
