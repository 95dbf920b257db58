"""The gestionnaire's views of the data (DESIGN §3.10): activation counts per
établissement and who has not activated yet. No HTTP here."""

from __future__ import annotations

from dataclasses import dataclass

from pwa.store import Store


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


def activation_counts(store: Store, uais: list[str] | None) -> list[Activation]:
    """One line per établissement within `uais` (None: all of them)."""
    params: tuple = ()
    where = ""
    if uais is not None:
        where = f"where e.uai in ({', '.join('?' * len(uais)) or 'null'})"
        params = tuple(uais)
    rows = store.query(
        "select e.uai, e.name, count(a.id) as imported,"
        " coalesce(sum(a.password_hash is not null), 0) as activated,"
        " coalesce(sum(exists(select 1 from authenticators f where f.account_id = a.id"
        "   and f.type in ('passkey', 'totp'))), 0) as with_factor"
        f" from etablissements e left join accounts a on a.uai = e.uai {where}"
        " group by e.uai order by e.name",
        params,
    )
    return [Activation(**row) for row in rows]


def not_activated(store: Store, uai: str) -> list[dict]:
    return store.query(
        "select id, identifiant, first_name, last_name, category, status from accounts"
        " where uai = ? and password_hash is null order by last_name, first_name, id",
        (uai,),
    )
