"""Proving who someone is with what HR gave them: NUMEN and birth date.

Only keyed hashes are stored (DESIGN §5); the clear values live in memory for
the duration of one request.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from pwa.security.keys import Keys

NUMEN_FORMAT = re.compile(r"^[0-9]{2}[A-Z][0-9]{2}[0-9A-Z]{8}$")
_NUMEN_NOISE = re.compile(r"[\s\-‐‑‒–—_.]+")


def normalise_numen(raw: str) -> str:
    """NFKC, spaces and hyphens removed, upper case."""
    return _NUMEN_NOISE.sub("", unicodedata.normalize("NFKC", raw)).upper()


def valid_numen(numen: str) -> bool:
    return bool(NUMEN_FORMAT.match(numen))


def numen_index(keys: Keys, numen: str) -> str:
    """Unbound keyed hash: recognises the same person across imports."""
    return keys.mac("index", f"numen\x1f{numen}")


def numen_digest(keys: Keys, account_id: int, numen: str) -> str:
    return keys.bound("lookup", account_id, "numen", numen)


def birth_digest(keys: Keys, account_id: int, birth_date: dt.date) -> str:
    return keys.bound("lookup", account_id, "birth", birth_date.isoformat())


def personal_digest(keys: Keys, account_id: int, token: str) -> str:
    return keys.bound("lookup", account_id, "personal", token)


def check_identity(
    keys: Keys,
    *,
    account_id: int,
    numen_stored: str | None,
    birth_stored: str | None,
    numen: str,
    birth_date: dt.date,
) -> bool:
    """Both checks always run (constant time), whatever the first one says."""
    numen_ok = keys.verify_bound(numen_stored, "lookup", account_id, "numen", numen)
    birth_ok = keys.verify_bound(birth_stored, "lookup", account_id, "birth", birth_date.isoformat())
    return numen_ok and birth_ok and numen_stored is not None


def check_birth(keys: Keys, *, account_id: int, birth_stored: str | None, birth_date: dt.date) -> bool:
    """The birth date alone (the backup-address reset), in constant time."""
    birth_ok = keys.verify_bound(birth_stored, "lookup", account_id, "birth", birth_date.isoformat())
    return birth_ok and birth_stored is not None


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def parse_birth_date(raw: str, *, today: dt.date | None = None) -> dt.date:
    """JJ/MM/AAAA or AAAA-MM-JJ (imports). Raises ValueError with a French reason."""
    raw = raw.strip()
    for fmt in _DATE_FORMATS:
        try:
            value = dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        return check_plausible_birth_date(value, today=today)
    raise ValueError("date de naissance illisible (attendu JJ/MM/AAAA ou AAAA-MM-JJ)")


def check_plausible_birth_date(value: dt.date, *, today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    if value.year < 1900 or value > today.replace(year=today.year - 14):
        raise ValueError("date de naissance impossible")
    return value
