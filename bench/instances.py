"""Sésame on a shared PostgreSQL (issue 17), a benchmark, not a test: logins/s and page
requests/s with one and with two `sesame serve` instances on PostgreSQL, as ratios to one
instance on SQLite measured in the same run.

    python bench/instances.py              # about 3 minutes; --help lists the knobs

It starts a throw-away PostgreSQL (Debian's package, the recipe of tests/support/postgres.py,
with the durability of Sésame's SQLite: WAL on disk with fsync, commits not flushed one by
one: synchronous_commit=off, as SQLite's synchronous=NORMAL; --synchronous-commit on for
PostgreSQL's default), seeds the same staff into an SQLite file and into a PostgreSQL
database (migrations, import, passwords: argon2id at the app's costs), and serves them with
the real `python -m pwa serve`, one process each (uvicorn, one worker):

    (a) SQLite, one instance            the baseline
    (b) PostgreSQL, one instance
    (c) PostgreSQL, two instances       the load split evenly between them (one wrk each)

Cases, run with wrk in interleaved rounds (best round kept, as bench/run.py):
    login      POST /connexion, right password (303): throttle check, argon2id, session and
               audit writes; each request from its own address (X-Forwarded-For, the proxy
               127.0.0.1 is trusted) and for one of --people accounts in turn
    Mon compte GET /compte, signed in: the session and the account read from the store
    home       GET /: no store work (a control: its ratio should stay near 1)

On a machine with few cores, two instances share the cores with each other, wrk and
PostgreSQL: the figures show what the shared store costs, not how two hosts scale. The
CPU columns say where the cores went (instances, PostgreSQL, wrk and others)."""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.instances import PASSWORD, Instance, environ, free_port, seed  # noqa: E402
from support.postgres import READER, ROLE, ROLE_PW, Postgres, _bin_dir, build  # noqa: E402

from bench.run import busy_cores_seconds, csrf_field, loadavg, process_tree_cpu  # noqa: E402

PUBLIC_URL = "http://localhost:8000"  # the load balancer's address (plain HTTP: loopback only)
CASES = ("login", "Mon compte", "home")


def start_postgres(folder: Path, *, synchronous_commit: str) -> Postgres:
    bin_dir = _bin_dir()
    if bin_dir is None:
        sys.exit("PostgreSQL is required (Debian: apt-get install postgresql)")
    server = build(folder, bin_dir)
    server.proc = subprocess.Popen(
        [
            str(bin_dir / "postgres"),
            *("-D", str(folder / "data"), "-p", str(server.port), "-c", "listen_addresses=127.0.0.1"),
            *("-c", f"unix_socket_directories={folder / 'sock'}", "-c", f"synchronous_commit={synchronous_commit}"),
            *("-c", "shared_buffers=128MB", "-c", "max_connections=100"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "server.log", "ab"),  # noqa: SIM115 (closed with the process)
        user="postgres",
        group="postgres",
        extra_groups=[],
    )
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(server.admin_url("postgres"), connect_timeout=1).close()
            break
        except psycopg.OperationalError:
            if server.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("PostgreSQL did not start: " + (folder / "server.log").read_text()[-2000:])
            time.sleep(0.1)
    server.admin(f"create role {ROLE} login password '{ROLE_PW}'")
    server.admin(f"create role {READER} login")
    return server


@dataclass
class Run:
    rps: float
    non_2xx: int
    errors: int
    cores: dict[str, float]  # sesame, postgres, wrk, others: cores busy during the run

    @property
    def per_cpu(self) -> float:
        """Requests per CPU second of the serving side (instances and PostgreSQL)."""
        spent = self.cores["sesame"] + self.cores["postgres"]
        return self.rps / spent if spent > 0 else float("nan")


def lua(method: str, headers: dict[str, str], body: str, logins: list[str]) -> str:
    """Every request from its own address; a login body names the accounts in turn."""
    q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
    lines = [f"wrk.method = {q(method)}", *(f"wrk.headers[{q(k)}] = {q(v)}" for k, v in headers.items())]
    lines += ["local logins = {" + ", ".join(map(q, logins)) + "}", "local n = 0", "request = function()"]
    lines += [
        "  n = n + 1",
        '  wrk.headers["X-Forwarded-For"] = "10." .. (math.floor(n / 65536) % 256) .. "."'
        ' .. (math.floor(n / 256) % 256) .. "." .. (n % 256)',
    ]
    if body:
        lines.append(f"  return wrk.format(nil, nil, nil, string.format({q(body)}, logins[(n % #logins) + 1]))")
    else:
        lines.append("  return wrk.format()")
    return "\n".join([*lines, "end"]) + "\n"


def prepare(instance: Instance, case: str, people: list[str], folder: Path) -> tuple[list[str], str]:
    """wrk's command line (without -c/-d) and URL for one instance: its own cookies and token,
    checked with one request first."""
    cookie_name = "sesame-csrf"
    page = httpx.get(instance.url + "/connexion", timeout=30)
    csrf = f"{cookie_name}={page.cookies[cookie_name]}"
    token = csrf_field(page.text)
    method, path, headers, body, expect = "GET", "/", {"Cookie": csrf}, "", 200
    if case == "login":
        method, path, expect = "POST", "/connexion", 303
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode({"password": PASSWORD, "csrf_token": token}).replace("%", "%%") + "&login=%s"
    elif case == "Mon compte":
        data = {"login": people[0], "password": PASSWORD, "csrf_token": token}
        signed = httpx.post(instance.url + "/connexion", data=data, headers=headers, timeout=30)
        assert signed.status_code == 303, signed.text[:500]
        headers["Cookie"] += f"; sesame={signed.cookies['sesame']}"
        path = "/compte"
    check = httpx.request(
        method,
        instance.url + path,
        headers={**headers, "X-Forwarded-For": "192.0.2.1"},
        content=(body % people[-1]).encode() if body else None,
        timeout=30,
    )
    if check.status_code != expect:
        sys.exit(f"{instance.name} {method} {path}: {check.status_code} (expected {expect}):\n{check.text[:800]}")
    script = folder / f"{instance.name}-{case.replace(' ', '-')}.lua"
    script.write_text(lua(method, headers, body, people))
    return ["wrk", "-t1", "--timeout", "10s", "-s", str(script)], instance.url + path


def measure(targets: list[tuple[Instance, list[str], str]], connections: int, seconds: float, pg: Postgres) -> Run:
    """wrk on every target at once, the connections split evenly."""
    each = max(1, connections // len(targets))
    sesame_cpu = lambda: sum(process_tree_cpu(i.process.pid) for i, _, _ in targets if i.process)  # noqa: E731
    pg_cpu = lambda: process_tree_cpu(pg.proc.pid) if pg.proc else 0.0  # noqa: E731
    children = os.times()
    s0, p0, b0, t0 = sesame_cpu(), pg_cpu(), busy_cores_seconds(), time.monotonic()
    procs = [
        subprocess.Popen([*cmd, f"-c{each}", f"-d{round(seconds)}s", url], stdout=subprocess.PIPE, text=True)
        for _, cmd, url in targets
    ]
    outs = [p.communicate()[0] for p in procs]
    elapsed = time.monotonic() - t0
    after = os.times()
    wrk = (after.children_user + after.children_system - children.children_user - children.children_system) / elapsed
    cores = {"sesame": (sesame_cpu() - s0) / elapsed, "postgres": (pg_cpu() - p0) / elapsed, "wrk": wrk}
    cores["others"] = max(0.0, (busy_cores_seconds() - b0) / elapsed - sum(cores.values()))
    rps = sum(float(re.search(r"Requests/sec:\s+([\d.]+)", o)[1]) for o in outs)
    non_2xx = sum(int(m[1]) for o in outs if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", o)))
    errors = sum(
        sum(map(int, m.groups()))
        for o in outs
        if (m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", o))
    )
    return Run(rps, non_2xx, errors, cores)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--seconds", type=float, default=8, help="seconds per wrk run (default 8)")
    add("--rounds", type=int, default=2, help="interleaved rounds of every case (default 2; best kept)")
    add("--login-connections", type=int, default=8, help="wrk connections in all, logins (default 8)")
    add("--connections", type=int, default=16, help="wrk connections in all, pages (default 16)")
    add("--people", type=int, default=40, help="accounts the logins go round (default 40)")
    add("--synchronous-commit", choices=("off", "on"), default="off", help="PostgreSQL's (default off)")
    add("--keep", action="store_true", help="keep the temporary folder (databases, logs)")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is required (Debian: apt-get install wrk)")
    pwd.getpwnam("postgres")
    folder = Path(tempfile.mkdtemp(prefix="sesame-bench-instances-"))
    os.chmod(folder, 0o755)
    cores = len(os.sched_getaffinity(0))
    print(f"Sésame on several instances: {cores} cores, load average {loadavg()}, temp dir {folder}")
    if cores < 4:
        print(
            f"NOTE: {cores} cores for every instance, PostgreSQL and wrk together: two instances here"
            " cannot scale as two hosts would; the figures show what the shared store costs."
        )
    (folder / "pg").mkdir()
    (folder / "sqlite").mkdir()
    pg = start_postgres(folder / "pg", synchronous_commit=args.synchronous_commit)
    instances: list[Instance] = []
    try:
        url = pg.database()
        print(f"seeding {args.people} accounts into SQLite and PostgreSQL (argon2id at the app's costs)…")
        common = {"smtp_port": free_port(), "public_url": PUBLIC_URL}
        extra = {"SESAME_TRUSTED_PROXIES": "127.0.0.1"}
        lite_env = environ(db_path=folder / "sqlite" / "sesame.db", **common) | extra
        pg_env = environ(database_url=url, **common) | extra
        people = seed(folder / "sqlite", lite_env, people=args.people).people
        assert seed(folder / "pg", pg_env, people=args.people).people == people
        lite = Instance("sqlite", folder / "sqlite", lite_env)
        a, b = Instance("pg-A", folder / "pg", pg_env), Instance("pg-B", folder / "pg", pg_env)
        for instance in (lite, a, b):
            instances.append(instance.start())
        configs = {"(a) SQLite, 1 instance": [lite], "(b) PostgreSQL, 1 instance": [a], "(c) PostgreSQL, 2": [a, b]}
        prepared = {
            (name, case): [(i, *prepare(i, case, people, folder)) for i in targets]
            for name, targets in configs.items()
            for case in CASES
        }
        best: dict[tuple[str, str], Run] = {}
        for round_ in range(args.rounds):
            for case in CASES:
                connections = args.login_connections if case == "login" else args.connections
                for name in configs:
                    run = measure(prepared[name, case], connections, args.seconds, pg)
                    print(f"  round {round_ + 1}, {case}, {name}: {run.rps:.1f}/s")
                    if (name, case) not in best or run.rps > best[name, case].rps:
                        best[name, case] = run
        print()
        print(report(args, configs, best, cores))
        problems = [f"{n} {c}: {r.non_2xx} unexpected answers" for (n, c), r in best.items() if r.non_2xx]
        problems += [f"{n} {c}: {r.errors} socket errors" for (n, c), r in best.items() if r.errors]
        problems += [f"{i.name} logged errors: {i.errors()[:3]}" for i in instances if i.errors()]
        for problem in problems:
            print(f"WARNING {problem}")
        return 1 if problems else 0
    finally:
        for instance in instances:
            instance.stop()
        pg.stop()
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def report(args, configs: dict, best: dict, cores: int) -> str:
    out = [
        f"wrk -t1, {args.seconds:g} s per run, {args.rounds} interleaved rounds (best kept); logins:"
        f" {args.login_connections} connections in all, pages: {args.connections} (split evenly between"
        f" instances); PostgreSQL synchronous_commit={args.synchronous_commit}; one uvicorn worker per instance.",
        f"CPU columns: cores busy during the best round (of {cores}): the Sésame instances, PostgreSQL, wrk,"
        " everything else.",
        "per CPU-s: requests per second of CPU spent serving (instances + PostgreSQL): other load moves it"
        " much less than per s.",
    ]
    header = (
        f"{'case':11} {'configuration':28} {'per s':>7} {'vs (a)':>6} {'per CPU-s':>9} {'vs (a)':>6}"
        f"  {'sesame':>6} {'postgres':>8} {'wrk':>5} {'others':>6}"
    )
    out += [header, "-" * len(header)]
    first = next(iter(configs))
    for case in CASES:
        for name, targets in configs.items():
            r, base = best[name, case], best[first, case]
            label = name if len(targets) == 1 else f"{name} instances"
            c = r.cores
            out.append(
                f"{case:11} {label:28} {r.rps:7.1f} {r.rps / base.rps:6.2f} {r.per_cpu:9.0f}"
                f" {r.per_cpu / base.per_cpu:6.2f}  {c['sesame']:6.2f} {c['postgres']:8.2f} {c['wrk']:5.2f}"
                f" {c['others']:6.2f}"
            )
    return "\n".join(out)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
