"""Sign-ins and password changes through the académie's LDAP directory against Sésame's
SQLite directory (issue 15), and the import's linking rate.

    python3 bench/ldap.py            # about 30 s; needs slapd (Debian slapd, ldap-utils)
    python3 bench/ldap.py --rows 5000

A throw-away slapd (tests/support/slapd.py's: mdb, ppolicy, argon2 as `{ARGON2}`, StartTLS with
a throw-away CA) and two Sésame apps built as `sesame serve` builds them, one per
backend, with the production argon2id parameters on the SQLite side. It times, one
thread, in the same process:

- a correct sign-in (`AccountService.authenticate`: look-up, throttle, check, audit):
  SQLite verifies argon2id (m=19 MiB, t=2); LDAP searches the entry by uid and binds
  as the person (slapd verifies its own `{ARGON2}`, argon2i m=4 MiB, t=3);
- a password change (`AccountService.set_password`, policy check included): SQLite
  hashes; LDAP sends Password Modify (slapd hashes and checks its policy);
- an import of `--rows` people whose entries exist, linked by identifiant (rows/s).
Figures are medians (ms) and rates (/s) of this machine; quote ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import support.slapd as fixture  # noqa: E402  (tests/support/slapd.py)

from pwa.context import Sesame  # noqa: E402
from pwa.importer import import_staff, parse_staff_csv  # noqa: E402
from pwa.settings import Settings  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PASSWORDS = [f"Calanque-Bleue-Soleil-{i:03d}" for i in range(400)]


def letters(i: int) -> str:
    """A name for person i, without digits (the import refuses digits in names)."""
    out = ""
    for _ in range(4):
        i, r = divmod(i, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
    return out.capitalize()


def staff_csv(n: int, *, with_identifiant: bool) -> str:
    lines = [
        ("identifiant;" if with_identifiant else "") + "nom;prenom;date_naissance;numen;categorie;uai;etablissement"
    ]
    for i in range(n):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=i % 12000)
        row = f"Nom{letters(i).lower()};Prenom;{day:%d/%m/%Y};13E{i:08d}ZZ;aesh;0130999A;Collège Bench"
        lines.append((f"p{i:06d};" if with_identifiant else "") + row)
    return "\n".join(lines) + "\n"


def add_entries(server, base: str, n: int) -> float:
    started = time.perf_counter()
    conn = server.admin()
    for i in range(n):
        conn.add(
            f"uid=p{i:06d},{base}",
            ["inetOrgPerson"],
            {
                "uid": f"p{i:06d}",
                "mail": f"p{i:06d}@ac-aix-marseille.fr",
                "sn": f"Nom{letters(i).lower()}",
                "givenName": "Prenom",
                "cn": f"Prenom Nom{letters(i).lower()}",
                "departmentNumber": "0130999A",
            },
        )
    conn.unbind()
    return time.perf_counter() - started


def timed(action, repeat: int) -> list[float]:
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(kind: str, folder: Path, server, rows: int, repeat: int) -> dict:
    settings = Settings(db_path=folder / f"{kind}.db", secret_key=SECRET, run_outbox_worker=False, smtp_tls="none")
    if kind == "ldap":
        base = server.subtree()
        overrides = server.settings(base)
        settings = Settings(**{**settings.__dict__, **overrides})
        add_entries(server, base, rows)
    sesame = Sesame.build(settings)
    parsed = parse_staff_csv(staff_csv(rows, with_identifiant=kind == "ldap").encode())
    assert not parsed.errors, parsed.errors[:3]
    started = time.perf_counter()
    import_staff(parsed.rows, store=sesame.store, directory=sesame.directory, keys=sesame.keys)
    import_rate = rows / (time.perf_counter() - started)
    account = sesame.directory.by_login("p000001" if kind == "ldap" else sesame.directory.get(2).identifiant)
    changes = timed(
        lambda i: sesame.accounts.set_password(account, PASSWORDS[i], event="password.changed", client="bench"), repeat
    )
    last = PASSWORDS[repeat - 1]
    signins = timed(
        lambda i: sesame.accounts.authenticate(account.identifiant, last, f"10.0.{i // 200}.{i % 200}"), repeat
    )
    assert sesame.accounts.authenticate(account.identifiant, last, "10.9.9.9").ok
    return {"import": import_rate, "signin": statistics.median(signins), "change": statistics.median(changes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000, help="people imported (default 2000)")
    parser.add_argument("--repeat", type=int, default=40, help="sign-ins and changes timed (default 40)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sesame-bench-ldap-"))
    (folder / "slapd").mkdir()
    server = fixture.build(folder / "slapd")
    server.start()
    try:
        results = {kind: run(kind, folder, server, args.rows, args.repeat) for kind in ("sqlite", "ldap")}
    finally:
        server.stop()
    print(f"{'':28}{'SQLite':>10}{'LDAP':>10}{'ratio':>8}")
    for key, label, unit in (
        ("signin", "sign-in, median", "ms"),
        ("change", "password change, median", "ms"),
        ("import", f"import of {args.rows} rows", "rows/s"),
    ):
        a, b = results["sqlite"][key], results["ldap"][key]
        print(f"{label + ' (' + unit + ')':28}{a:>10.1f}{b:>10.1f}{b / a:>8.2f}")
    for kind in ("sqlite", "ldap"):
        print(f"{kind}: password changes per second, one thread: {1000 / results[kind]['change']:.0f}")


if __name__ == "__main__":
    main()
