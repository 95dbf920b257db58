"""Load run: simulated people doing full journeys against 2 uvicorn workers.

    python3 reliability/load.py [--users 200] [--seconds 60] [--workers 2] [--think 0]

Starts `uvicorn bench.app:create --factory` (Sésame as `sesame serve` builds it,
the proof of work skipped as in bench/run.py) on a fresh demo database over plain
HTTP (SESAME_SECURE_COOKIES=0) with one more fictitious account per simulated
person, every account without a second factor given one password. Each simulated
person loops over a journey: home, a guide page, the sign-in page, a correct sign-in
(POST /connexion with its CSRF token), Mon compte, sign out; `--think` seconds between
steps (0: as fast as answers come).

A probe process of its own opens the home page and a guide page every 0.1 s with a
new connection, for page latency as a newcomer gets it while sign-ins queue.

Prints p50/p95/p99 per step, unexpected statuses (503 "busy" counted apart),
logins/s against the argon2id bound measured in the same run (verifies per CPU
second of one pinned core × cores, bench/argon2_bound.py), the peak RSS of each
worker (VmRSS sampled from /proc, and the kernel's VmHWM) and the load average.
Exits 1 on any error other than a 503. A short run is in tests/http/test_reliability.py.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.run import Server  # noqa: E402  (uvicorn bench.app:create --factory, waits for /sante)

PASSWORD = "Garrigue-Ocre-Sous-Le-Mistral-7"
STEPS = ("home", "guide", "sign-in page", "sign-in", "Mon compte", "sign out")
EXPECTED = {"home": 200, "guide": 200, "sign-in page": 200, "sign-in": 303, "Mon compte": 200, "sign out": 200}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else ""


def seed(env: dict[str, str], people: int) -> list[str]:
    """The demo database plus `people` fictitious staff (one account per simulated
    person, as in real life: concurrent sign-ins to one account from one address are
    throttled like guesses); every account without a second factor gets PASSWORD."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from pwa.context import Sesame
        from pwa.demo import seed_demo
        from pwa.importer import import_staff, parse_staff_csv
        from pwa.settings import Settings

        s = Sesame.build(Settings.from_env())
        seed_demo(s)
        rows = ["nom;prenom;date_naissance;numen;categorie;uai;etablissement"]
        names = ("Arnaud", "Blanc", "Chevalier", "Durand", "Faure", "Gauthier", "Henry", "Joly")
        rows += [
            f"{names[i % 8]};Charge{chr(65 + i // 26 % 26)}{chr(65 + i % 26)};01/01/1990;"
            f"13E50DEMO{i:04d};aesh;0130999A;Collège des Calanques (fictif)"
            for i in range(people)
        ]
        parsed = parse_staff_csv("\n".join(rows).encode())
        assert not parsed.errors, parsed.errors[:3]
        with s.store.write() as db:
            import_staff(parsed.rows, store=s.store, directory=s.directory, keys=s.keys)
            db.execute("update accounts set demo = 1")  # fictitious people: still a demo database
        stored = s.hashing.hash(PASSWORD)
        logins = []
        for row in s.store.query("select id, identifiant from accounts order by id desc"):
            if not s.authenticators.has_factor(row["id"]):
                s.directory.set_password_hash(row["id"], stored)
                logins.append(row["identifiant"])
        s.store.close()
        return logins
    finally:
        os.environ.clear()
        os.environ.update(saved)


def argon2_bound(env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "argon2_bound.py"), "--app", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def worker_pids(master: int) -> list[int]:
    """uvicorn's worker processes: the master's children started by multiprocessing."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == master and "spawn_main" in cmdline:
            pids.append(int(entry.name))
    return sorted(pids) or [master]


def status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds used so far by a worker: (all its threads, its argon2id hashing threads),
    read from /proc/<pid>/task/*/stat (utime + stime)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = hashing = 0.0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        total += used
        if name == "argon2id":
            hashing += used
    return total, hashing


class Figures:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = {step: [] for step in STEPS}
        self.unexpected: collections.Counter = collections.Counter()  # (step, status) -> n
        self.busy: collections.Counter = collections.Counter()  # step -> 503s
        self.logins = 0
        self.journeys = 0


async def journey(client: httpx.AsyncClient, login: str, guide: str, fig: Figures, think: float, deadline: float):
    async def step(name: str, method: str, url: str, **kw) -> httpx.Response | None:
        while True:
            t0 = time.perf_counter()
            try:
                response = await client.request(method, url, **kw)
            except httpx.HTTPError as error:
                fig.unexpected[(name, type(error).__name__)] += 1
                return None
            if response.status_code == 503:
                fig.busy[name] += 1  # "réessayez dans un instant": the person taps again
                if time.monotonic() >= deadline:
                    return None
                await asyncio.sleep(float(response.headers.get("retry-after", "1")) * random.uniform(0.2, 1))
                continue
            fig.latency[name].append(time.perf_counter() - t0)
            if response.status_code != EXPECTED[name]:
                fig.unexpected[(name, response.status_code)] += 1
                return None
            if think:
                await asyncio.sleep(random.uniform(0.5, 1.5) * think)
            return response

    client.cookies.clear()
    if not await step("home", "GET", "/") or not await step("guide", "GET", guide):
        return
    page = await step("sign-in page", "GET", "/connexion")
    if not page:
        return
    data = {"login": login, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    if not await step("sign-in", "POST", "/connexion", data=data):
        return
    fig.logins += 1
    account = await step("Mon compte", "GET", "/compte")
    if account and await step("sign out", "POST", "/deconnexion", data={"csrf_token": csrf_of(account.text)}):
        fig.journeys += 1


async def person(
    client: httpx.AsyncClient, login: str, guide: str, fig: Figures, think: float, deadline: float
) -> None:
    await asyncio.sleep(random.uniform(0, 1))  # not all at the same instant
    while time.monotonic() < deadline:
        await journey(client, login, guide, fig, think, deadline)


async def sample_rss(pids: list[int], peak: dict[int, int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for pid in pids:
            peak[pid] = max(peak.get(pid, 0), status_kib(pid, "VmRSS"))
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            pass


async def run(url: str, logins: list[str], guide: str, args, pids: list[int]) -> tuple[Figures, dict, float]:
    fig, peak, stop = Figures(), {}, asyncio.Event()
    # One transport (one TLS context, one pool) for every person, each with a cookie jar
    # of its own: building 200 clients with their own transport takes longer than a run.
    transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=args.users + 8))
    clients = [httpx.AsyncClient(base_url=url, timeout=60, transport=transport) for _ in range(args.users)]
    sampler = asyncio.create_task(sample_rss(pids, peak, stop))
    t0 = time.monotonic()
    deadline = t0 + args.seconds
    await asyncio.gather(
        *(person(client, logins[i % len(logins)], guide, fig, args.think, deadline) for i, client in enumerate(clients))
    )
    elapsed = time.monotonic() - t0
    await transport.aclose()
    stop.set()
    await sampler
    return fig, peak, elapsed


PROBE = """
import http.client, json, sys, time, urllib.parse
url, seconds, paths = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
parts = urllib.parse.urlsplit(url)
latency = {path: [] for path in paths}
end = time.monotonic() + seconds
while time.monotonic() < end:
    for path in paths:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        t0 = time.perf_counter()
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        response.read()
        latency[path].append((time.perf_counter() - t0, response.status))
        connection.close()
        time.sleep(0.1)
print(json.dumps(latency))
"""


def start_probe(url: str, seconds: float, paths: list[str]) -> subprocess.Popen:
    """A newcomer opening the home page and a guide page every 0.1 s, in a process of its
    own with a new connection each time, while the simulated people queue for their
    sign-ins: page latency as the server gives it, not as the busy load generator's
    event loop sees it."""
    return subprocess.Popen([sys.executable, "-c", PROBE, url, str(seconds), *paths], stdout=subprocess.PIPE, text=True)


def read_server_log(log: Path) -> tuple[dict[str, list[float]], list[str]]:
    """The access log's own durations (JSON lines, SESAME_LOG_FORMAT=json), by
    "METHOD route", and every line that tells of a server error."""
    durations: dict[str, list[float]] = collections.defaultdict(list)
    errors = []
    for line in log.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            if "Traceback" in line or "Error" in line:
                errors.append(line)
            continue
        if "exc" in record or record.get("level") in ("ERROR", "CRITICAL"):
            errors.append(line)
        if record.get("logger") == "sesame.access" and "ms" in record:
            if int(record.get("status", 0)) >= 500 and record["status"] != 503:
                errors.append(line)
            durations[f"{record['method']} {record['route']}"].append(record["ms"] / 1000)
    return durations, errors


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds between steps (default 0)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sesame-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    env.update(
        SESAME_DB=str(folder / "load.db"),
        SESAME_SECRET_KEY=secrets.token_urlsafe(48),
        SESAME_DEMO="1",
        SESAME_SECURE_COOKIES="0",
        SESAME_LOG_LEVEL="INFO",
        SESAME_LOG_FORMAT="json",
        SESAME_SMTP_HOST="127.0.0.1",
        SESAME_SMTP_TLS="none",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    cores = os.cpu_count() or 1
    load_start = Path("/proc/loadavg").read_text().split()[0]
    server = None
    try:
        logins = seed(env, args.users)
        bound = argon2_bound(env)
        server = Server(env, folder, workers=args.workers, pin=None)
        index = httpx.get(server.url + "/guide", timeout=30).text
        guide = next(iter(re.findall(r'href="(/guide/[a-z-]+/\d+)"', index)), "/guide")
        pids = worker_pids(server.proc.pid)
        cpu0 = time.process_time()
        server0 = {pid: cpu_seconds(pid) for pid in pids}
        probe = start_probe(server.url, max(1.0, args.seconds - 2), ["/", guide])
        fig, peak, elapsed = asyncio.run(run(server.url, logins, guide, args, pids))
        probed = json.loads(probe.communicate(timeout=120)[0])
        client_cpu = time.process_time() - cpu0
        server1 = {pid: cpu_seconds(pid) for pid in pids}
        server_cpu = sum(server1[p][0] - server0[p][0] for p in pids)
        hashing_cpu = sum(server1[p][1] - server0[p][1] for p in pids)
        hwm = {pid: status_kib(pid, "VmHWM") for pid in pids}
        server_ms, log_errors = read_server_log(server.log)
    finally:
        if server:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    load_end = Path("/proc/loadavg").read_text().split()[0]
    print(
        f"load run: {args.users} users for {args.seconds:g} s, {args.workers} uvicorn workers,"
        f" think {args.think:g} s; {cores} cores; load average {load_start} at start, {load_end} at end;"
        f" the load generator used {client_cpu / elapsed:.0%} of a core"
    )
    header = f"{'step':14} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'503':>5}"
    print(header + "\n" + "-" * len(header))
    for name in STEPS:
        lat = fig.latency[name]
        print(
            f"{name:14} {len(lat):6} {percentile(lat, 0.5):8.0f} {percentile(lat, 0.95):8.0f}"
            f" {percentile(lat, 0.99):8.0f} {fig.busy[name]:5}"
        )
    for path, seen in probed.items():
        lat = [seconds for seconds, _ in seen]
        bad = sum(1 for _, status in seen if status != 200)
        print(
            f"probe {path:24} {len(lat):5} requests, p50 {percentile(lat, 0.5):.0f} ms, p95"
            f" {percentile(lat, 0.95):.0f} ms, p99 {percentile(lat, 0.99):.0f} ms, max {max(lat) * 1000:.0f} ms,"
            f" not 200: {bad}"
        )
    print("as the server measured them (access log, from the app's first byte to its last):")
    for route, lat in sorted(server_ms.items(), key=lambda item: -len(item[1])):
        if len(lat) >= 100:
            print(
                f"  {route:34} {len(lat):6} p50 {percentile(lat, 0.5):6.0f} ms  p95 {percentile(lat, 0.95):6.0f} ms"
                f"  p99 {percentile(lat, 0.99):6.0f} ms"
            )
    errors = sum(fig.unexpected.values())
    five = sum(n for (_, status), n in fig.unexpected.items() if isinstance(status, int) and status >= 500)
    assert not any(status == 503 for _, status in fig.unexpected), "503s are counted apart"
    print(
        "unexpected answers: "
        + (", ".join(f"{s} {st}: {n}" for (s, st), n in sorted(fig.unexpected.items(), key=str)) or "none")
    )
    print(f"errors other than 503: {errors}")
    print(f"5xx other than 503: {five}")
    print(f"503 busy (retried): {sum(fig.busy.values())}")
    print(f"server log errors: {len(log_errors)}")
    rate, per_core = fig.logins / elapsed, bound["per_core"]
    print(
        f"journeys completed: {fig.journeys}; logins: {fig.logins} = {rate:.1f}/s; argon2id bound"
        f" (m={bound['memory_kib'] // 1024} MiB t={bound['time_cost']} p={bound['parallelism']})"
        f" {per_core:.1f} verify/s per core x {cores} = {per_core * cores:.1f}/s; logins/bound"
        f" {rate / (per_core * cores):.2f}"
    )
    left = max(0.01, cores - client_cpu / elapsed)
    print(f"logins/bound on the {left:.2f} cores the load generator left to the server: {rate / (per_core * left):.2f}")
    print(
        f"server CPU: {server_cpu / elapsed:.2f} of {cores} cores, of which argon2id {hashing_cpu / elapsed:.2f}"
        f" and pages and everything else {(server_cpu - hashing_cpu) / elapsed:.2f}; the load generator"
        f" {client_cpu / elapsed:.2f}; other processes of the machine the rest"
    )
    if hashing_cpu:
        print(
            f"logins per argon2id CPU second: {fig.logins / hashing_cpu:.1f}, against {per_core:.1f}"
            f" verifies per CPU second measured alone ({fig.logins / hashing_cpu / per_core:.2f}): the"
            f" cost of a sign-in beyond its hash is not in the hashing threads"
        )
    rss = ", ".join(f"{pid}: {peak.get(pid, 0) / 1024:.0f} MiB (VmHWM {hwm[pid] / 1024:.0f})" for pid in pids)
    print(f"RSS peak per worker: {rss}")
    print(f"RSS peak max MiB: {max([peak.get(p, 0) for p in pids] + [hwm[p] for p in pids]) / 1024:.0f}")
    return 1 if errors or log_errors else 0


if __name__ == "__main__":
    sys.exit(main())
