"""The gestionnaire's views of the data (DESIGN §3.10): activation counts per
établissement, who has not activated yet, and what the établissement page's
print buttons would do. No HTTP here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pwa.directory import SqliteDirectory
from pwa.mfa.store import Authenticators
from pwa.services.printing import Printing
from pwa.stores.etablissements import Etablissements


@dataclass(frozen=True)
class Activation:
    uai: str
    name: str
    imported: int
    activated: int
    with_factor: int

    @property
    def waiting(self) -> int:
        return self.imported - self.activated


class GestionService:
    def __init__(
        self,
        *,
        directory: SqliteDirectory,
        etablissements: Etablissements,
        authenticators: Authenticators,
        printing: Printing,
    ) -> None:
        self.directory = directory
        self.etablissements = etablissements
        self.authenticators = authenticators
        self.printing = printing

    def activation_counts(self, uais: list[str] | None) -> list[Activation]:
        """One line per établissement within `uais` (None: all of them), by name."""
        counts = self.directory.uai_counts(uais)
        with_factor = Counter(self.directory.uais_of(self.authenticators.holders()))
        return [
            Activation(
                uai=e["uai"],
                name=e["name"],
                imported=counts.get(e["uai"], {}).get("imported", 0),
                activated=counts.get(e["uai"], {}).get("activated", 0),
                with_factor=with_factor.get(e["uai"], 0),
            )
            for e in self.etablissements.listed(uais)
        ]

    def etablissement(self, uai: str) -> dict:
        """The établissement page: its counts, who waits, and its letters section (valid
        codes, what each print button would print)."""
        waiting = self.directory.not_activated(uai)
        valid = self.printing.valid_codes(uai)
        requests = self.printing.plan_requests(uai)
        return {
            "counts": self.activation_counts([uai])[0],
            "waiting": waiting,
            "printed": valid,
            "to_print": sum(1 for p in waiting if p["id"] not in valid and p["status"] == "active"),
            "queued": requests.people,
            "served": requests.served,
        }
