"""The `etablissements` table: UAI code → name, filled by the staff import."""

from __future__ import annotations

from pwa.names import match_key
from pwa.store import Store

MAX_FOUND = 20


class Etablissements:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, uai: str | None) -> dict | None:
        """{uai, name}, or None when no établissement has this UAI."""
        if not uai:
            return None
        return self.store.one("select uai, name from etablissements where uai = ?", (uai,))

    def exists(self, uai: str | None) -> bool:
        return self.get(uai) is not None

    def name(self, uai: str | None, default: str = "") -> str:
        row = self.get(uai)
        return row["name"] if row else default

    def names(self) -> dict[str, str]:
        """UAI → name, for every établissement."""
        return {r["uai"]: r["name"] for r in self.store.query("select uai, name from etablissements")}

    def listed(self, uais: list[str] | None = None) -> list[dict]:
        """{uai, name} within `uais` (None: all of them), by name."""
        rows = self.store.query("select uai, name from etablissements order by name")
        return rows if uais is None else [r for r in rows if r["uai"] in uais]

    def find(self, typed: str) -> list[dict]:
        """By UAI code, or by words of the name (accents and case ignored)."""
        value = typed.strip()
        if not value:
            return []
        exact = self.get(value.upper())
        if exact:
            return [exact]
        words = [match_key(w) for w in value.split() if match_key(w)]
        if not words:
            return []
        rows = self.listed()
        return [r for r in rows if all(w in match_key(r["name"]) for w in words)][:MAX_FOUND]

    def save(self, uai: str, name: str) -> None:
        """Create or rename one (inside the caller's transaction when there is one)."""
        with self.store.write() as db:
            db.table("etablissements").upsert({"uai": uai, "name": name}, pk="uai")
