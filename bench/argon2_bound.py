"""argon2id cost of a password check, per core, for a few parameter sets.

    python3 bench/argon2_bound.py                 # the candidates below, about 15 s
    python3 bench/argon2_bound.py --app --json    # the app's parameters only (reliability/load.py)

One process, pinned to one CPU with taskset when it is available, verifies a
correct password in a loop and counts verifies per CPU second (process time):
what one core does when nothing else runs, hardly moved by other processes
sharing the machine. Memory per hash is the memory_cost (KiB) argon2 fills.
The login bound of a server is this rate × its cores; the hashing gate in
pwa/security/passwords.py holds at most `slots` (= cores) hashes at once per
worker, so a worker's hashing memory is slots × memory per hash.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Calanque-Bleue-Soleil-42"


@dataclass(frozen=True)
class Candidate:
    name: str
    time_cost: int
    memory_kib: int
    parallelism: int


CANDIDATES = (
    Candidate("argon2-cffi default (RFC 9106 low-memory)", 3, 65536, 4),
    Candidate("same memory, one lane", 3, 65536, 1),
    Candidate("OWASP m=46 MiB t=1 p=1", 1, 47104, 1),
    Candidate("OWASP m=19 MiB t=2 p=1 (minimum)", 2, 19456, 1),
    Candidate("OWASP m=12 MiB t=3 p=1", 3, 12288, 1),
    Candidate("m=32 MiB t=2 p=1", 2, 32768, 1),
)


def app_candidate() -> Candidate:
    sys.path.insert(0, str(ROOT))
    from pwa.security.passwords import PasswordHashing

    h = PasswordHashing(slots=1).hasher
    return Candidate("the app's parameters", h.time_cost, h.memory_cost, h.parallelism)


def rate(c: Candidate, seconds: float, trials: int) -> float:
    """Best verifies per CPU second over a few trials of `seconds` CPU time each."""
    from argon2 import PasswordHasher

    h = PasswordHasher(time_cost=c.time_cost, memory_cost=c.memory_kib, parallelism=c.parallelism)
    stored = h.hash(PASSWORD)
    h.verify(stored, PASSWORD)
    best = 0.0
    for _ in range(trials):
        n, c0 = 0, time.process_time()
        while time.process_time() - c0 < seconds:
            h.verify(stored, PASSWORD)
            n += 1
        best = max(best, n / (time.process_time() - c0))
    return best


def pin_self() -> None:
    """Run again under `taskset -c <first allowed CPU>` unless already pinned to one CPU."""
    if len(os.sched_getaffinity(0)) > 1 and shutil.which("taskset"):
        cpu = min(os.sched_getaffinity(0))
        os.execvp("taskset", ["taskset", "-c", str(cpu), sys.executable, *sys.argv])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", action="store_true", help="only the app's own parameters")
    parser.add_argument("--seconds", type=float, default=1.0, help="CPU seconds per trial (default 1)")
    parser.add_argument("--trials", type=int, default=2, help="trials per set, best kept (default 2)")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    args = parser.parse_args()
    pin_self()
    cores = os.cpu_count() or 1
    candidates = [app_candidate()] if args.app else [*CANDIDATES, app_candidate()]
    load = Path("/proc/loadavg").read_text().split()[0]
    if not args.json:
        print(
            f"argon2id verify, one process pinned to CPU {sorted(os.sched_getaffinity(0))},"
            f" CPU time; {cores} cores, load average {load}"
        )
        header = (
            f"{'parameters':44} {'t':>2} {'MiB':>4} {'p':>2} {'verify/s/core':>13} {'ms CPU':>7}"
            f" {'bound/s':>7} {'MiB/worker':>10}"
        )
        print(header + "\n" + "-" * len(header))
    for c in candidates:
        r = rate(c, args.seconds, args.trials)
        mib = c.memory_kib / 1024
        if args.json:
            print(
                json.dumps(
                    {
                        "name": c.name,
                        "time_cost": c.time_cost,
                        "memory_kib": c.memory_kib,
                        "parallelism": c.parallelism,
                        "per_core": r,
                        "cores": cores,
                        "load": load,
                    }
                )
            )
        else:
            print(
                f"{c.name:44} {c.time_cost:2} {mib:4.0f} {c.parallelism:2} {r:13.1f} {1000 / r:7.1f}"
                f" {r * cores:7.1f} {mib * cores:10.0f}"
            )
    if not args.json:
        print(
            "bound/s: verify/s/core x cores; MiB/worker: hashing memory of one worker at most"
            " (slots = cores hashes at once)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
