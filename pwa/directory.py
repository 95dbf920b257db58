"""The directory: accounts and their password hashes (DESIGN §2).

One small interface, two backends: this SQLite one, whose `accounts` table is also
Dovecot's passdb (docs/dovecot.md), and the académie's LDAP directory
(pwa/ldap_directory.py), which keeps its `accounts` rows here, linked to the entries
by entryUUID, for what the directory does not hold.
"""

from __future__ import annotations

import json
import re

from pwa.account import Account, StaffRecord
from pwa.directory_types import (
    Directory,
    DirectoryUnavailable,
    ExternalPasswords,
    NoEntry,
    PasswordRefused,
)
from pwa.names import ascii_fold, base_identifiant, base_local_part, with_suffix
from pwa.store import Store
from pwa.stores.etablissements import Etablissements

__all__ = [
    "Account",
    "Directory",
    "DirectoryUnavailable",
    "ExternalPasswords",
    "NoEntry",
    "PasswordRefused",
    "SqliteDirectory",
    "StaffRecord",
]

CHUNK = 500  # ids per "in (…)" query
PAGE_SIZE = 20


class SqliteDirectory:
    """The `accounts` table's owner: every query on it is here."""

    external_passwords = False  # Sésame hashes (argon2id); Dovecot reads the column

    def __init__(self, store: Store, mail_domain: str, etablissements: Etablissements | None = None) -> None:
        self.store = store
        self.mail_domain = mail_domain
        self.etablissements = etablissements or Etablissements(store)

    def get(self, account_id: int) -> Account | None:
        row = self.store.one("select * from accounts where id = ?", (account_id,))
        return Account.from_row(row) if row else None

    def by_login(self, login: str) -> Account | None:
        """Identifiant or academic address, case-insensitive."""
        login = login.strip().lower()
        column = "email" if "@" in login else "identifiant"
        row = self.store.one(f"select * from accounts where {column} = ?", (login,))
        return Account.from_row(row) if row else None

    def by_numen_index(self, index: str) -> Account | None:
        """The person whose NUMEN has this unbound keyed hash (identity.numen_index)."""
        row = self.store.one("select * from accounts where numen_index = ?", (index,))
        return Account.from_row(row) if row else None

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        now = self.store.now()
        with self.store.write() as db:
            db.table("accounts").update(
                account_id,
                {"password_hash": password_hash, "password_changed_at": now, "updated_at": now},
            )

    # -- the link to a directory entry (LDAP backend) -------------------------------------
    def by_entry_uuid(self, entry_uuid: str) -> Account | None:
        row = self.store.one("select * from accounts where entry_uuid = ?", (entry_uuid,))
        return Account.from_row(row) if row else None

    def entry_uuid_of(self, account_id: int) -> str | None:
        row = self.store.one("select entry_uuid from accounts where id = ?", (account_id,))
        return row["entry_uuid"] if row else None

    def mirror(self, account_id: int, fields: dict) -> None:
        """Copy what the directory entry says (identifiant, address, names, UAI, status,
        whether a password is set) onto the row, so lists and counts read it."""
        with self.store.write() as db:
            db.table("accounts").update(account_id, {**fields, "updated_at": self.store.now()})

    def link_entry(self, entry_uuid: str, fields: dict, *, account_id: int | None = None) -> int:
        """Link a row to an entry: `account_id`'s, or a new row (a person the directory
        knows who has not been imported). Returns the row's id."""
        now = self.store.now()
        with self.store.write() as db:
            if account_id is not None:
                db.table("accounts").update(account_id, {**fields, "entry_uuid": entry_uuid, "updated_at": now})
                return account_id
            table = db.table("accounts").insert(
                {**fields, "entry_uuid": entry_uuid, "demo": 0, "created_at": now, "updated_at": now}
            )
            assert table.last_pk is not None  # set by every insert
            return int(table.last_pk)

    def set_backup_email(self, account_id: int, email: str | None) -> None:
        """A verified backup address (the caller checked it with a code), or None to remove it."""
        now = self.store.now()
        with self.store.write() as db:
            db.table("accounts").update(
                account_id,
                {
                    "backup_email": email,
                    "backup_email_verified_at": now if email else None,
                    "updated_at": now,
                },
            )

    def needs_backup(self, account_id: int) -> bool:
        """The staff file's personal address is not (yet) the verified backup address."""
        account = self.get(account_id)
        return bool(
            account
            and account.personal_email
            and (account.backup_email or "").lower() != account.personal_email.lower()
        )

    def set_status(self, account_id: int, status: str) -> None:
        """`active` or `disabled`: a disabled account opens nothing (Dovecot's
        passdb reads the same column)."""
        if status not in ("active", "disabled"):
            raise ValueError(status)
        now = self.store.now()
        with self.store.write() as db:
            db.table("accounts").update(
                account_id,
                {
                    "status": status,
                    "disabled_at": now if status == "disabled" else None,
                    "updated_at": now,
                },
            )

    def count_by_state(self) -> dict[str, int]:
        """Accounts activated (a password set), waiting for their first password, and disabled."""
        row = self.store.one(
            "select count(*) filter (where status = 'active' and password_hash is not null) as activated,"
            " count(*) filter (where status = 'active' and password_hash is null) as waiting,"
            " count(*) filter (where status != 'active') as disabled from accounts"
        )
        return {state: (row[state] if row else 0) or 0 for state in ("activated", "waiting", "disabled")}

    def count(self, *, demo: bool | None = None) -> int:
        if demo is None:
            return self.store.db.table("accounts").count
        row = self.store.one("select count(*) as n from accounts where demo = ?", (int(demo),))
        return row["n"] if row else 0

    # -- import ------------------------------------------------------------------
    def _taken_like(self, column: str, base: str, suffix: str = "") -> set[str]:
        """Every value of `column` that is `base`, or `base` + digits (+ suffix),
        in one query: a hundred namesakes cost one look-up, not a hundred."""

        def literal(text: str) -> str:
            return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

        # LIKE, in both engines' SQL, narrows by prefix and suffix; the exact shape (SQLite's
        # LIKE ignores case) is checked here.
        rows = self.store.query(
            f"select {column} as v from accounts where {column} = ? or {column} like ? escape '\\'",
            (base + suffix, literal(base) + "%" + literal(suffix)),
        )
        shape = re.compile(re.escape(base) + "([0-9].*)?" + re.escape(suffix), re.DOTALL)
        return {row["v"] for row in rows if shape.fullmatch(row["v"])}

    def new_logins(self, person: StaffRecord) -> tuple[str, str]:
        """The file's identifiant and address, or free ones made from the names."""
        identifiant, email = person.identifiant, person.email
        if not identifiant:
            base = base_identifiant(person.first_name, person.last_name)
            taken = self._taken_like("identifiant", base) | person.reserved
            identifiant = with_suffix(base, taken.__contains__)
        if not email:
            first, surname = base_local_part(person.first_name, person.last_name)
            domain = "@" + self.mail_domain
            taken_mails = self._taken_like("email", f"{first}.{surname}", domain) | person.reserved
            email = with_suffix(f"{first}.{surname}", lambda c: c + domain in taken_mails) + domain
        return identifiant, email

    def set_numen_index(self, account_id: int, index: str) -> None:
        """The row of an entry linked before its import takes the file's NUMEN index."""
        with self.store.write() as db:
            db.table("accounts").update(account_id, {"numen_index": index})

    def save_staff(self, person: StaffRecord) -> tuple[int, bool]:
        """Create or update one person (matched by NUMEN index). Returns
        (account id, created). Identifiant and address never change once given.
        Runs inside the caller's transaction when there is one."""
        now = self.store.now()
        with self.store.write() as db:
            self.etablissements.save(person.uai, person.etablissement)
            fields = {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "category": person.category,
                "uai": person.uai,
                "personal_email": person.personal_email,
                "first_names_folded": person.first_names_folded,
                "birth_name_folded": person.birth_name_folded,
                "updated_at": now,
            }
            # The file's own values replace what Sésame generated earlier.
            given = {k: v for k, v in (("identifiant", person.identifiant), ("email", person.email)) if v}
            existing = self.store.one("select id from accounts where numen_index = ?", (person.numen_index,))
            if existing:
                db.table("accounts").update(existing["id"], {**fields, **given})
                return existing["id"], False
            identifiant, email = self.new_logins(person)
            table = db.table("accounts").insert(
                {
                    **fields,
                    "identifiant": identifiant,
                    "email": email,
                    "status": "active",
                    "numen_index": person.numen_index,
                    "demo": int(person.demo),
                    "created_at": now,
                }
            )
            assert table.last_pk is not None  # set by every insert
            return int(table.last_pk), True

    def set_secret_digests(self, account_id: int, *, numen_digest: str, birth_digest: str, personal: list[str]) -> None:
        with self.store.write() as db:
            db.table("accounts").update(
                account_id,
                {
                    "numen_digest": numen_digest,
                    "birth_digest": birth_digest,
                    "personal_digests": json.dumps(sorted(personal)),
                },
            )

    # -- lists, for Gestion, the help desk and the letters ---------------------------------
    def _accounts(self, where: str, params: tuple = (), order: str = "last_name, first_name, id") -> list[Account]:
        rows = self.store.query(f"select * from accounts where {where} order by {order}", params)
        return [Account.from_row(r) for r in rows]

    def active_in(self, uai: str) -> list[Account]:
        """The active accounts of one établissement, by name."""
        return self._accounts("uai = ? and status = 'active'", (uai,))

    def people(
        self, *, uai: str | None = None, identifiants: list[str] | None = None, not_activated: bool = True
    ) -> list[Account]:
        """Active accounts of an établissement, or named ones (then activated or not)."""
        where, params = ["status = 'active'"], []
        if uai:
            where.append("uai = ?")
            params.append(uai)
        if identifiants:
            where.append(f"identifiant in ({', '.join('?' * len(identifiants))})")
            params.extend(identifiants)
        elif not_activated:
            where.append("password_hash is null")
        return self._accounts(" and ".join(where), tuple(params), "last_name, first_name, identifiant")

    def get_many(self, account_ids: list[int]) -> list[Account]:
        found: list[Account] = []
        for i in range(0, len(account_ids), CHUNK):
            chunk = account_ids[i : i + CHUNK]
            found += self._accounts(f"id in ({', '.join('?' * len(chunk))})", tuple(chunk))
        return found

    def not_activated(self, uai: str) -> list[dict]:
        return self.store.query(
            "select id, identifiant, first_name, last_name, category, status from accounts"
            " where uai = ? and password_hash is null order by last_name, first_name, id",
            (uai,),
        )

    def uai_counts(self, uais: list[str] | None) -> dict[str, dict]:
        """UAI → {imported, activated} within `uais` (None: all)."""
        rows = self.store.query(
            "select uai, count(*) as imported, count(*) filter (where password_hash is not null) as activated"
            " from accounts group by uai"
        )
        return {r["uai"]: r for r in rows if uais is None or r["uai"] in uais}

    def activation_dates(self, uais: list[str] | None) -> list[dict]:
        """Every account within `uais` (None: all): id, uai, created_at (imported),
        password_changed_at (last change) and whether a password is set."""
        rows = self.store.query(
            "select id, uai, created_at, password_changed_at,"
            " cast(password_hash is not null as integer) as activated from accounts"
        )
        return [r for r in rows if uais is None or r["uai"] in uais]

    def uais_of(self, account_ids: set[int]) -> list[str]:
        """The établissement of each account named (one entry per account)."""
        return [a.uai or "" for a in self.get_many(sorted(account_ids))]

    def ids_in(self, uai: str) -> list[int]:
        return [r["id"] for r in self.store.query("select id from accounts where uai = ?", (uai,))]

    def search(
        self, query: str, uais: list[str] | None, name_uais: list[str], page: int
    ) -> tuple[list[dict], int, int]:
        """Accounts whose identifiant, name, addresses or UAI contain `query` (case- and
        accent-insensitive: "ecole" finds "École"), or whose établissement is in
        `name_uais`, within `uais` (None: everywhere). Returns (rows, page, total)."""
        like = "%" + ascii_fold(query).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        columns = (
            "identifiant",
            "email",
            "backup_email",
            "uai",
            "first_name || ' ' || last_name",
            "last_name || ' ' || first_name",
        )
        named = [f":n{i}" for i in range(len(name_uais))]
        where = "(" + " or ".join(f"fold({c}) like :q escape '\\'" for c in columns)
        where += f" or uai in ({', '.join(named) or 'null'}))"
        params: dict = {"q": like, **{f"n{i}": uai for i, uai in enumerate(name_uais)}}
        if uais is not None:
            names = [f":u{i}" for i in range(len(uais))]
            where += f" and uai in ({', '.join(names) or 'null'})"
            params.update({f"u{i}": uai for i, uai in enumerate(uais)})
        total = self.store.query(f"select count(*) as n from accounts where {where}", params)[0]["n"]
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = self.store.query(
            "select id, identifiant, first_name, last_name, email, uai, status,"
            f" cast(password_hash is not null as integer) as activated from accounts where {where}"
            " order by last_name, first_name, id limit :limit offset :offset",
            {**params, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
        )
        return rows, page, total

    # -- the import's checks, and the demo ------------------------------------------------
    def numen_index_of(self, column: str, value: str) -> str | None:
        """Whose account holds this identifiant or email (their NUMEN index)."""
        if column not in ("identifiant", "email"):
            raise ValueError(column)
        row = self.store.one(f"select numen_index from accounts where {column} = ?", (value,))
        return row["numen_index"] if row else None

    # -- staff who leave (pwa/services/leavers.py) ----------------------------------------
    def by_numen_indexes(self, indexes: list[str]) -> dict[str, Account]:
        """The rows as stored (no directory look-up) by NUMEN index, CHUNK a query."""
        found: dict[str, Account] = {}
        for i in range(0, len(indexes), CHUNK):
            chunk = indexes[i : i + CHUNK]
            rows = self.store.query(
                f"select * from accounts where numen_index in ({', '.join('?' * len(chunk))})", tuple(chunk)
            )
            found |= {r["numen_index"]: Account.from_row(r) for r in rows}
        return found

    def in_uais(self, uais: list[str]) -> dict[str, Account]:
        """Every imported account (one with a NUMEN index) of these établissements, by index."""
        rows = self.store.query(
            f"select * from accounts where numen_index is not null and uai in ({', '.join('?' * len(uais))})"
            " order by last_name, first_name, id",
            tuple(uais),
        )
        return {r["numen_index"]: Account.from_row(r) for r in rows}

    def leaving_by_uai(self, uais: list[str] | None) -> dict[str, int]:
        """UAI → open accounts marked leaving by a complete import (all UAIs when None)."""
        where = "leaving_since is not null and left_at is null and status = 'active'"
        args: tuple[str, ...] = ()
        if uais is not None:
            where += f" and uai in ({', '.join('?' * len(uais))})"
            args = tuple(uais)
        rows = self.store.query(f"select uai, count(*) as n from accounts where {where} group by uai", args)
        return {r["uai"]: r["n"] for r in rows}

    def leaving_due(self, before: float) -> list[Account]:
        """Open accounts marked leaving at or before `before`."""
        return self._accounts("leaving_since <= ? and left_at is null and status = 'active'", (before,))

    def mark_left(self, account_id: int, before: float) -> bool:
        """Disable one still due (leaving since `before` or earlier): False when restored or done meanwhile."""
        now = self.store.now()
        sql = "update accounts set status = 'disabled', disabled_at = ?, updated_at = ?, left_at = ?"
        sql += " where id = ? and status = 'active' and left_at is null and leaving_since <= ?"
        with self.store.write() as db:
            return db.execute(sql, (now, now, now, account_id, before)).rowcount == 1

    def set_leaving(self, account_id: int, *, leaving_since: float | None, left_at: float | None) -> None:
        with self.store.write() as db:
            db.table("accounts").update(account_id, {"leaving_since": leaving_since, "left_at": left_at})

    def mark_demo(self, numen_indexes: list[str]) -> None:
        with self.store.write() as db:
            db.execute(
                f"update accounts set demo = 1 where numen_index in ({','.join('?' * len(numen_indexes))})",
                numen_indexes,
            )
