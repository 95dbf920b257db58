"""The académie's LDAP directory as Sésame's directory (`SESAME_DIRECTORY=ldap`).

The entry is the truth for who the person is (identifiant, address, names, UAI),
whether their account is open (a ppolicy lock, `pwdAccountLockedTime`, or the
configured `SESAME_LDAP_DISABLED` value closes it) and their password: Sésame checks
it with the person's own bind and changes it with Password Modify (RFC 3062), so the
directory hashes it with its own scheme and applies its own password policy.

What the directory does not hold (NUMEN and birth-date keyed hashes, backup address,
factors, codes, sessions, audit) stays in Sésame's `accounts` rows, linked to the
entry by its entryUUID, never its DN. Each person looked up is read from the
directory and the row mirrors it (identity, status, "a password is set" as the
marker `{LDAP}`, never a hash), so Gestion's lists and counts read the rows.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import ldap3

from pwa.account import Account, StaffRecord
from pwa.directory import NoEntry, SqliteDirectory
from pwa.ldap_client import LOCKED_FOREVER, LdapClient, LdapConfig, equals
from pwa.store import Store
from pwa.stores.etablissements import Etablissements

log = logging.getLogger("sesame.ldap")

ATTRIBUTES = {
    "identifiant": "uid",
    "email": "mail",
    "first_name": "givenName",
    "last_name": "sn",
    "uai": "departmentNumber",
}
LOCK = "pwdAccountLockedTime"
PASSWORD_SET = "{LDAP}"  # the row's password_hash when the entry has a password


def first(entry: dict, attribute: str) -> str | None:
    values = entry.get(attribute)
    if isinstance(values, list):
        values = values[0] if values else None
    if isinstance(values, bytes):
        values = values.decode("utf-8", "replace")
    return str(values) if values not in (None, "") else None


class LdapDirectory(SqliteDirectory):
    external_passwords = True

    def __init__(
        self,
        store: Store,
        mail_domain: str,
        etablissements: Etablissements | None = None,
        *,
        client: LdapClient,
        attributes: dict[str, str] | None = None,
        hr_id: str = "",
        disabled: tuple = (),
        create_entries: bool = False,
    ) -> None:
        super().__init__(store, mail_domain, etablissements)
        self.client = client
        self.attributes = {**ATTRIBUTES, **(attributes or {})}
        self.hr_id = hr_id
        self.disabled = disabled
        self.create_entries = create_entries

    @classmethod
    def from_settings(cls, settings, store: Store, mail_domain: str, etablissements: Etablissements) -> LdapDirectory:
        config = LdapConfig(
            url=settings.ldap_url,
            bind_dn=settings.ldap_bind_dn,
            bind_password=settings.ldap_bind_password,
            base_dn=settings.ldap_base_dn,
            starttls=settings.ldap_starttls,
            ca_file=settings.ldap_ca_file,
            filter=settings.ldap_filter,
            timeout=settings.ldap_timeout,
        )
        return cls(
            store,
            mail_domain,
            etablissements,
            client=LdapClient(config),
            attributes=dict(settings.ldap_attributes),
            hr_id=settings.ldap_hr_id,
            disabled=settings.ldap_disabled,
            create_entries=settings.ldap_create,
        )

    # -- reading entries -----------------------------------------------------------------
    def _wanted(self) -> list[str]:
        extra = [self.hr_id] if self.hr_id else []
        extra += [self.disabled[0]] if self.disabled else []
        return [*self.attributes.values(), *extra, "entryUUID", LOCK, "userPassword"]

    def _find(self, filter_: str) -> dict | None:
        found = self.client.search(filter_, self._wanted())
        return found[0] if len(found) == 1 else None  # two entries for one login: none

    def _fields(self, entry: dict) -> dict[str, Any]:
        """What the row mirrors from the entry. The password's value is reduced at once
        to "set or not"; it is never kept."""
        fields = {key: first(entry, attribute) for key, attribute in self.attributes.items()}
        fields = {k: v.lower() if k in ("identifiant", "email") and v else v for k, v in fields.items()}
        closed = first(entry, LOCK) is not None or (
            bool(self.disabled) and self.disabled[1] in (str(v) for v in entry.get(self.disabled[0]) or [])
        )
        fields["status"] = "disabled" if closed else "active"
        fields["password_hash"] = PASSWORD_SET if entry.get("userPassword") else None
        return {k: v for k, v in fields.items() if v is not None or k in ("password_hash", "uai")}

    def _entry_of(self, account_id: int) -> dict | None:
        entry_uuid = self.entry_uuid_of(account_id)
        return self._find(equals("entryUUID", entry_uuid)) if entry_uuid else None

    def _dn_of(self, account: Account) -> str | None:
        entry = self._entry_of(account.id)
        return entry["dn"] if entry else None

    def _refreshed(self, account: Account | None) -> Account | None:
        """The row, with what its entry says now (mirrored when it changed); an entry
        gone from the directory closes the account."""
        if account is None:
            return None
        entry = self._entry_of(account.id)
        fields: dict[str, Any] = self._fields(entry) if entry else {"status": "disabled"}
        if fields.get("uai") is None or (fields.get("uai") and not self.etablissements.name(fields["uai"])):
            fields.pop("uai", None)  # an établissement Sésame does not know yet: keep the row's
        changed = {k: v for k, v in fields.items() if getattr(account, k) != v}
        if changed:
            self.mirror(account.id, changed)
            if "status" in changed:
                changed["disabled_at"] = self.store.now() if changed["status"] == "disabled" else None
            account = dataclasses.replace(account, **changed)
        return account

    def get(self, account_id: int) -> Account | None:
        return self._refreshed(super().get(account_id))

    def by_numen_index(self, index: str) -> Account | None:
        return self._refreshed(super().by_numen_index(index))

    def by_login(self, login: str) -> Account | None:
        """Identifiant or address, as the directory knows them; a person the directory
        knows and Sésame does not yet gets a row (linked by entryUUID)."""
        login = login.strip().lower()
        if not login:
            return None
        attribute = self.attributes["email" if "@" in login else "identifiant"]
        entry = self._find(equals(attribute, login))
        if entry is None:
            return None
        entry_uuid = first(entry, "entryUUID") or ""
        account = self.by_entry_uuid(entry_uuid)
        if account is None:
            fields = self._fields(entry)
            if not (fields.get("identifiant") and fields.get("email")):
                return None
            fields.update(first_name=fields.get("first_name") or "", last_name=fields.get("last_name") or "")
            if fields.get("uai") and not self.etablissements.name(fields["uai"]):
                fields.pop("uai")
            return super().get(self.link_entry(entry_uuid, fields))
        return self._refreshed(account)

    # -- passwords: the directory's --------------------------------------------------------
    def verify_password(self, account: Account, password: str) -> bool:
        dn = self._dn_of(account)
        return dn is not None and self.client.bind_as(dn, password)

    def change_password(self, account: Account, password: str) -> None:
        """Password Modify; raises PasswordRefused (the directory's policy) or
        DirectoryUnavailable, and then nothing changed. The row's marker follows."""
        dn = self._dn_of(account)
        if dn is None:
            raise NoEntry(account.identifiant)
        self.client.set_password(dn, password)
        self.mirror(account.id, {"password_hash": PASSWORD_SET, "password_changed_at": self.store.now()})

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        # Never called: AccountService sees `external_passwords` and calls change_password.
        raise TypeError("with SESAME_DIRECTORY=ldap the directory stores passwords (change_password)")

    def set_status(self, account_id: int, status: str) -> None:
        """Disabling locks the entry for good (ppolicy's administrator lock), so the mail
        server refuses it too; enabling lifts any lock (also one ppolicy set after
        failed binds)."""
        self._lock_entry(account_id, locked=status == "disabled")
        super().set_status(account_id, status)

    def _lock_entry(self, account_id: int, *, locked: bool = True) -> None:
        account = super().get(account_id)
        dn = self._dn_of(account) if account else None
        if dn is not None:
            change = (ldap3.MODIFY_REPLACE, [LOCKED_FOREVER]) if locked else (ldap3.MODIFY_DELETE, [])
            if not self.client.modify(dn, {LOCK: [change]}) and locked:
                log.error("the directory refused to lock %s", dn)

    def mark_left(self, account_id: int, before: float) -> bool:
        """As Sésame's own directory, and the entry locked for good like set_status."""
        if not super().mark_left(account_id, before):
            return False
        self._lock_entry(account_id)
        return True

    # -- import: link rows to entries --------------------------------------------------------
    def _match(self, person: StaffRecord) -> dict | None:
        for attribute, value in (
            (self.hr_id, person.hr_id),
            (self.attributes["identifiant"], person.identifiant),
            (self.attributes["email"], person.email),
        ):
            if attribute and value:
                entry = self._find(equals(attribute, value))
                if entry is not None:
                    return entry
        return None

    def _create(self, person: StaffRecord) -> dict:
        """A new entry for a person the directory lacks (SESAME_LDAP_CREATE=1): the
        identifiant and address Sésame makes, no password."""
        identifiant, email = self.new_logins(person)
        names = self.attributes
        dn = f"{names['identifiant']}={identifiant},{self.client.config.base_dn}"
        values = {
            names["identifiant"]: identifiant,
            names["email"]: email,
            names["first_name"]: person.first_name,
            names["last_name"]: person.last_name,
            names["uai"]: person.uai,
            "cn": f"{person.first_name} {person.last_name}",
        }
        if self.hr_id and person.hr_id:
            values[self.hr_id] = person.hr_id
        if not self.client.add(dn, ["inetOrgPerson"], values):
            raise NoEntry(identifiant)
        entry = self._find(equals(names["identifiant"], identifiant))
        if entry is None:
            raise NoEntry(identifiant)
        return entry

    def save_staff(self, person: StaffRecord) -> tuple[int, bool]:
        """Link the row to the person's entry (by HR id, identifiant or address), or
        create the entry when allowed; raises NoEntry, writing nothing, otherwise."""
        entry = self._match(person)
        if entry is None:
            if not self.create_entries:
                raise NoEntry(person.identifiant or person.email or person.last_name)
            entry = self._create(person)
        entry_uuid, fields = first(entry, "entryUUID") or "", self._fields(entry)
        linked = self.by_entry_uuid(entry_uuid)
        if linked is not None:
            self.set_numen_index(linked.id, person.numen_index)
        person = dataclasses.replace(person, identifiant=fields["identifiant"], email=fields["email"])
        account_id, created = super().save_staff(person)
        self.link_entry(
            entry_uuid, {"status": fields["status"], "password_hash": fields["password_hash"]}, account_id=account_id
        )
        return account_id, created
