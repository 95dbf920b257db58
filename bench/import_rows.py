"""The staff import at académie scale (issue 15): 60,000 rows against Sésame's SQLite directory
and against a real slapd, in rows/s, with the ratios, in one run.

    python3 bench/import_rows.py               # 60,000 rows; about 15 min on 2 shared cores
    python3 bench/import_rows.py --rows 5000   # a quick look

For each backend, one thread, in the same process, as `sesame import --oui` runs it:
- the first import (every row new; with LDAP each row is linked to its existing entry by
  identifiant: one search per row, the entries having been added beforehand, not timed);
- the preview of the same file as a complete list (`plan_import`: what `--dry-run` and
  Gestion show; one indexed read per 500 rows, no directory search);
- the same file again as a complete list minus 1 % of the people (every row an update, 1 %
  marked leaving).
Files are made by bench/ldap.py's `staff_csv`. Figures are this machine's; quote ratios.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import importlib.util  # noqa: E402

import support.slapd as fixture  # noqa: E402  (tests/support/slapd.py)

_spec = importlib.util.spec_from_file_location("bench_ldap", ROOT / "bench/ldap.py")
assert _spec is not None and _spec.loader is not None
bench_ldap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ldap)  # bench/ldap.py: the same files and entries
SECRET, add_entries, staff_csv = bench_ldap.SECRET, bench_ldap.add_entries, bench_ldap.staff_csv

from pwa.context import Sesame  # noqa: E402
from pwa.importer import import_staff, parse_staff_csv  # noqa: E402
from pwa.services.leavers import plan_import  # noqa: E402
from pwa.settings import Settings  # noqa: E402

UAI = "0130999A"


def rate(rows: int, action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return rows / (time.perf_counter() - started), result


def run(kind: str, folder: Path, server, rows: int) -> dict[str, float]:
    settings = Settings(db_path=folder / f"{kind}.db", secret_key=SECRET, run_outbox_worker=False, smtp_tls="none")
    if kind == "ldap":
        base = server.subtree()
        settings = Settings(**{**settings.__dict__, **server.settings(base, ldap_timeout=30.0)})
        print(f"  adding {rows} entries to slapd…", file=sys.stderr, flush=True)
        add_entries(server, base, rows)
    sesame = Sesame.build(settings)
    parsed = parse_staff_csv(staff_csv(rows, with_identifiant=kind == "ldap").encode())
    assert not parsed.errors, parsed.errors[:3]
    every = dict(store=sesame.store, directory=sesame.directory, keys=sesame.keys)
    print(f"  {kind}: first import…", file=sys.stderr, flush=True)
    first, report = rate(rows, lambda: import_staff(parsed.rows, **every))
    assert report.created == rows and not report.no_entry, (report.created, report.no_entry[:3])
    kept = parsed.rows[: rows - rows // 100]
    preview, plan = rate(rows, lambda: plan_import(kept, directory=sesame.directory, keys=sesame.keys, complete=[UAI]))
    assert len(plan.leaving) == rows // 100 and len(plan.new) == 0, (len(plan.leaving), len(plan.new))
    print(f"  {kind}: complete re-import…", file=sys.stderr, flush=True)
    again, report = rate(len(kept), lambda: import_staff(kept, **every, complete=[UAI]))
    assert report.updated == len(kept) and len(report.plan.leaving) == rows // 100
    return {"first": first, "preview": preview, "again": again}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=60_000, help="people in the file (default 60,000)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sesame-bench-import-"))
    (folder / "slapd").mkdir()
    server = fixture.build(folder / "slapd")
    server.start()
    try:
        results = {kind: run(kind, folder, server, args.rows) for kind in ("sqlite", "ldap")}
    finally:
        server.stop()
    print(f"Staff import, {args.rows:,} rows, one thread (rows/s)")
    print(f"{'':44}{'SQLite':>10}{'LDAP':>10}{'ratio':>8}")
    for key, label in (
        ("first", "first import (all new; LDAP: linked)"),
        ("preview", "preview as a complete list (--dry-run)"),
        ("again", "complete re-import, 1 % leaving"),
    ):
        a, b = results["sqlite"][key], results["ldap"][key]
        print(f"{label:44}{a:>10.0f}{b:>10.0f}{b / a:>8.2f}")


if __name__ == "__main__":
    main()
