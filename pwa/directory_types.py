"""What every directory backend shares: its interface (Directory, and ExternalPasswords for
one that checks and changes passwords itself) and the errors a caller handles. The backends:
pwa/directory.py (SQLite, the `accounts` table's owner) and pwa/ldap_directory.py."""

from __future__ import annotations

from typing import Protocol

from pwa.account import Account


class DirectoryUnavailable(Exception):
    """The directory did not answer (down, slow, refused Sésame's own bind): nothing
    was changed; the person is asked to come back later (a French 503 page)."""


class PasswordRefused(Exception):
    """The directory's own password policy refused a new password; `message` says why,
    in French, for the page's error summary."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NoEntry(LookupError):
    """An import row matches no entry of the directory (and entries are not created)."""


class Directory(Protocol):
    external_passwords: bool  # True: the directory checks and stores passwords itself

    def get(self, account_id: int) -> Account | None: ...
    def by_login(self, login: str) -> Account | None: ...
    def by_numen_index(self, index: str) -> Account | None: ...
    def set_password_hash(self, account_id: int, password_hash: str) -> None: ...


class ExternalPasswords(Protocol):
    """A directory with `external_passwords` (LDAP): it checks and changes passwords itself."""

    def verify_password(self, account: Account, password: str) -> bool: ...
    def change_password(self, account: Account, password: str) -> None: ...
