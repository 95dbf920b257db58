"""Printing activation letters without silently cancelling codes (issue 11, item 5).

A letter issues a new letter code, which voids the person's previous letter
code, be it an older letter or a help-desk slip (a slip carries a letter code).
Two rules keep that from hurting anyone:

- A postal request is *served* when a code was issued after it and is still
  valid (or was used since): a slip handed over by the help desk, a letter
  reprinted by name. Printing the requests skips it, marks it `served` and
  says so; the newer code keeps working.
- A print that would void a code still valid needs the agent's confirmation:
  the plan lists who, the agent confirms those codes (by id), and only then
  is anything written. A code that became valid after the agent looked is
  not covered by the confirmation: the agent is asked again.

Services only: no HTTP, no click. Every step is audited with the agent as actor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from pwa.directory import Account, SqliteDirectory
from pwa.security.audit import Audit
from pwa.services.codes import Codes
from pwa.services.letters import Letters
from pwa.services.notices import PARIS
from pwa.store import Store
from pwa.stores.letter_requests import LetterQueue

# What a code came on, in French, for the agent (followed by its date).
LABELS = {
    "letter": "lettre imprimée le",
    "slip": "fiche de l'assistance remise le",
    "helpdesk": "code envoyé par l'assistance le",
}


@dataclass(frozen=True)
class CodeInfo:
    """A person's code as the agent may see it: what it was, when, never the code."""

    account: Account
    etablissement: str
    code_id: int
    kind: str  # letter | slip | helpdesk
    issued_at: float
    used: bool = False
    reference: str = ""  # the postal request it serves, for `served`

    @property
    def name(self) -> str:
        return f"{self.account.first_name} {self.account.last_name}"

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def used_label(self) -> str:
        return ("déjà utilisé" if self.kind == "helpdesk" else "déjà utilisée") if self.used else ""


@dataclass
class PrintPlan:
    people: list[tuple[Account, str]]  # the letters to print
    served: list[CodeInfo] = field(default_factory=list)  # requests skipped: a newer code serves them
    voids: list[CodeInfo] = field(default_factory=list)  # valid codes the print would void

    def confirmed_by(self, code_ids: set[int]) -> bool:
        return {v.code_id for v in self.voids} <= code_ids

    @property
    def empty(self) -> bool:
        return not self.people and not self.served


class NeedsConfirmation(Exception):
    def __init__(self, plan: PrintPlan) -> None:
        super().__init__("printing would void valid codes")
        self.plan = plan


def fr_datetime(timestamp: float) -> str:
    """`01/12/2026 à 15:40`, Paris time (the pages' frdatetime filter)."""
    return dt.datetime.fromtimestamp(timestamp, PARIS).strftime("%d/%m/%Y à %H:%M")


def _kind(row: dict) -> str:
    if row.get("purpose") == "helpdesk":
        return "helpdesk"
    return "slip" if row["target"] == "slip" else "letter"


class Printing:
    def __init__(
        self,
        *,
        store: Store,
        directory: SqliteDirectory,
        codes: Codes,
        letters: Letters,
        queue: LetterQueue,
        audit: Audit,
    ) -> None:
        self.store = store
        self.directory = directory
        self.codes = codes
        self.letters = letters
        self.queue = queue
        self.audit = audit

    def _voids(self, people: list[tuple[Account, str]]) -> list[CodeInfo]:
        """The still-valid letter-type codes (letters, slips) these letters would void."""
        found = []
        for account, etablissement in people:
            live = self.codes.live(account.id, "letter")
            if live is not None:
                found.append(CodeInfo(account, etablissement, live["id"], _kind(live), live["created_at"]))
        return found

    def valid_codes(self, uai: str) -> dict[int, dict]:
        """Account id → its letter-type code still valid (label, issued_at), for one établissement."""
        rows = self.codes.live_letters(self.directory.ids_in(uai))
        return {r["account_id"]: {"label": LABELS[_kind(r)], "issued_at": r["created_at"]} for r in rows}

    def plan_people(self, people: list[tuple[Account, str]]) -> PrintPlan:
        """Letters for named people or a whole établissement's batch."""
        return PrintPlan(people=list(people), voids=self._voids(people))

    def plan_requests(self, uai: str | None = None) -> PrintPlan:
        """The queued postal requests (Letters.queued), minus those a newer code serves."""
        people, served = [], []
        for account, etablissement in self.letters.queued(uai):
            request = self.queue.queued_for(account.id)
            code = request and self.codes.serving(account.id, request["created_at"])
            if code and request:
                served.append(
                    CodeInfo(
                        account,
                        etablissement,
                        code["id"],
                        _kind(code),
                        code["created_at"],
                        used=code["used_at"] is not None,
                        reference=request["reference"],
                    )
                )
            else:
                people.append((account, etablissement))
        return PrintPlan(people=people, served=served, voids=self._voids(people))

    def carry_out(
        self,
        plan: PrintPlan,
        *,
        confirmed: set[int] | None = None,
        base_url: str,
        actor: str,
        actor_id: int | None = None,
        client: str = "",
        progress: Callable[[int, int], None] | None = None,
    ) -> bytes | None:
        """Mark the served requests and print the letters (None: nothing to print).
        Raises NeedsConfirmation, writing nothing, when a valid code would be
        voided without the agent having confirmed it."""
        if not plan.confirmed_by(confirmed or set()):
            raise NeedsConfirmation(plan)
        now = self.store.now()
        for info in plan.served:
            with self.store.write():
                self.queue.mark(info.account.id, "served", at=now, by=actor_id)
                self.audit.record(
                    "letter.request_served",
                    account_id=info.account.id,
                    actor=actor,
                    client=client,
                    reference=info.reference,
                    by=info.kind,
                )
        for info in plan.voids:
            self.audit.record(
                "letter.code_replaced", account_id=info.account.id, actor=actor, client=client, kind=info.kind
            )
        if not plan.people:
            return None
        return self.letters.print(
            plan.people, base_url=base_url, actor=actor, actor_id=actor_id, client=client, progress=progress
        )
