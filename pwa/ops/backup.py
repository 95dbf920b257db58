"""`sesame backup FILE` and `sesame restore FILE`.

The copy uses SQLite's online backup API in one step: one read transaction, so
the copy is the database as it was at one instant, while the app goes on writing
(WAL: readers never block writers). The copy is written next to FILE, checked
(PRAGMA integrity_check), made private (0600: it holds hashes and encrypted data)
and only then renamed to FILE.

The copy does not hold SESAME_SECRET_KEY. It records a keyed check value
(an HMAC of a constant: it reveals nothing about the key), so `restore` can say
when the key in use is not the one the data was written under."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

KEY_CHECK = "backup_key_check"
REQUIRED_TABLES = ("accounts", "audit", "outbox", "meta", "_sqlite_migrations")


class BackupError(RuntimeError):
    """A French sentence for the operator."""


@dataclass(frozen=True)
class Copy:
    path: Path
    size: int
    seconds: float
    accounts: int


def key_check(secret_key: str) -> str | None:
    if not secret_key:
        return None
    from pwa.security.keys import Keys

    return Keys.from_secret(secret_key).mac("lookup", "sesame/backup-key-check")


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    target = f"file:{path}?mode=ro" if readonly else str(path)
    conn = sqlite3.connect(target, uri=readonly, timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def _integrity(conn: sqlite3.Connection) -> str:
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        return "; ".join(problems[:3])
    if list(conn.execute("PRAGMA foreign_key_check")):
        return "des références entre tables sont rompues (foreign_key_check)"
    return "ok"


def backup(db_path: Path, out: Path, *, secret_key: str = "") -> Copy:
    if not db_path.is_file():
        raise BackupError(f"la base {db_path} n'existe pas (SESAME_DB).")
    if out.resolve() == db_path.resolve():
        raise BackupError("la copie doit être un autre fichier que la base.")
    if not out.parent.is_dir():
        raise BackupError(f"le dossier {out.parent} n'existe pas.")
    partial = out.with_name(out.name + ".partielle")
    partial.unlink(missing_ok=True)
    start = time.perf_counter()
    source = _connect(db_path, readonly=True)
    try:
        target = _connect(partial)
        os.chmod(partial, 0o600)
        try:
            source.backup(target)  # pages=-1: one step, one snapshot
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            check = key_check(secret_key)
            if check:
                target.execute(
                    "insert into meta (key, value) values (?, ?)"
                    " on conflict (key) do update set value = excluded.value",
                    (KEY_CHECK, check),
                )
            status = _integrity(target)
            accounts = target.execute("select count(*) from accounts").fetchone()[0]
        finally:
            target.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"la copie a échoué : {exc}.") from exc
    finally:
        source.close()
    if status != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"la copie est abîmée ({status}) ; rien n'a été écrit dans {out}.")
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, out)
    return Copy(out, out.stat().st_size, time.perf_counter() - start, accounts)


def verify(path: Path) -> int:
    """Checks a copy before it replaces anything; returns its account count."""
    with open(path, "rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path} n'est pas une base SQLite : la base n'a pas été touchée.")
    try:
        conn = _connect(path, readonly=True)
        try:
            tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
            missing = [t for t in REQUIRED_TABLES if t not in tables]
            if missing:
                raise BackupError(
                    f"{path} n'est pas une sauvegarde de Sésame (tables absentes : {', '.join(missing)})."
                )
            status = _integrity(conn)
            accounts = conn.execute("select count(*) from accounts").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        status = str(exc)
    if status != "ok":
        raise BackupError(f"{path} est abîmé ({status}) : la base n'a pas été touchée.")
    return accounts


def key_matches(path: Path, secret_key: str) -> bool | None:
    """True/False when the copy recorded a key check, None when it did not."""
    conn = _connect(path, readonly=True)
    try:
        row = conn.execute("select value from meta where key = ?", (KEY_CHECK,)).fetchone()
    finally:
        conn.close()
    if row is None or not secret_key:
        return None
    return row[0] == key_check(secret_key)


def restore(source: Path, db_path: Path) -> tuple[int, Path | None]:
    """Replaces the database with a checked copy; the database it replaces is
    first copied aside (returned). Run it with Sésame stopped."""
    accounts = verify(source)
    kept = None
    if db_path.exists():
        kept = db_path.with_name(f"{db_path.name}.avant-restauration-{time.strftime('%Y%m%d-%H%M%S')}")
        backup(db_path, kept)
    src = _connect(source, readonly=True)
    dst = _connect(db_path)
    try:
        src.backup(dst)
        dst.execute("delete from meta where key = ?", (KEY_CHECK,))
        dst.execute("PRAGMA journal_mode = WAL")
        status = _integrity(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"la restauration a échoué : {exc}. L'ancienne base est dans {kept}.") from exc
    finally:
        src.close()
        dst.close()
    if status != "ok":
        raise BackupError(f"la base restaurée est abîmée ({status}). L'ancienne base est dans {kept}.")
    return accounts, kept  # the file keeps its owner and mode (Dovecot may read it)
