"""Sésame benchmark (not a test): throughput of a few endpoints, as ratios
against baselines measured in the same run. See bench/README.md.

    python bench/run.py                 # about 2½ minutes
    python bench/run.py --profile       # + where policy.check spends its time

1. req/s of `/`, of the live password check and of a bare Starlette
   PlainTextResponse served by the same uvicorn process (one worker, access log
   off, as `sesame serve` runs it; server pinned to CPU 0, wrk to CPU 1).
2. logins/s (POST /connexion, correct password) with 1 and 2 workers, against
   the argon2id bound: verifies/s of one core (measured now) x the cores.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
CSRF_COOKIE = "__Host-sesame-csrf"
SESSION_COOKIE = "__Host-sesame"
LIVE_PASSWORD = "Calanque-Bleue-Soleil-42"  # what the live check is sent (24 characters)

ARGON2_PROBE = textwrap.dedent(
    """
    import sys, time
    from pwa.security.passwords import PasswordHashing
    h = PasswordHashing(slots=1).hasher   # the app's parameters
    stored = h.hash("Calanque-Bleue-Soleil-42")
    h.verify(stored, "Calanque-Bleue-Soleil-42")
    wall = cpu = 0.0
    for _ in range(int(sys.argv[2])):     # best of a few short trials: others share the machine
        n, t0, c0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - t0 < float(sys.argv[1]):
            h.verify(stored, "Calanque-Bleue-Soleil-42")
            n += 1
        wall = max(wall, n / (time.perf_counter() - t0))
        cpu = max(cpu, n / (time.process_time() - c0))
    print(wall, cpu)                      # verifies per wall second, per CPU second
    """
)


# --------------------------------------------------------------------------- helpers


def cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_tree_cpu(pid: int) -> float:
    """utime+stime (seconds) of pid and its living descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += times.get(p, 0.0)
        todo += [c for c, parent in parents.items() if parent == p]
    return total


def busy_cores_seconds() -> float:
    """CPU seconds spent busy by the whole machine so far (every core, /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def others_now(seconds: float = 1.0) -> float:
    """Cores kept busy by the whole machine over the next `seconds` (we are idle)."""
    busy0, t0 = busy_cores_seconds(), time.monotonic()
    time.sleep(seconds)
    return (busy_cores_seconds() - busy0) / (time.monotonic() - t0)


def wait_idle(limit: float, threshold: float = 0.3) -> None:
    """Wait (at most `limit` seconds) until other processes use under `threshold` cores."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if others_now() < threshold:
            return
    if limit:
        print(f"  (machine still busy after waiting {limit:g} s: going on)")


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def set_cookie_value(response: httpx.Response, name: str) -> str | None:
    """The value of a Set-Cookie (read by hand: httpx keeps no Secure cookie over http)."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header.split(";", 1)[0].split("=", 1)[1]
    return None


def csrf_field(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no csrf_token field in the page")
    return match.group(1)


# --------------------------------------------------------------------------- server


class Server:
    """`uvicorn bench.app:create --factory`, configured as `sesame serve` runs it."""

    def __init__(self, env: dict[str, str], workdir: Path, *, workers: int, pin: int | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"server-{self.port}.log"
        cmd = [
            sys.executable, "-m", "uvicorn", "bench.app:create", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers),
            "--no-access-log", "--no-proxy-headers", "--no-server-header", "--log-level", "warning",
        ]  # fmt: skip
        if pin is not None:
            cmd = ["taskset", "-c", str(pin), *cmd]
        self.workers, self.pin = workers, pin
        self._log_file = self.log.open("w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT)
        self._wait_ready(workers)

    def _wait_ready(self, workers: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/sante", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError(f"no 200 on /sante after 60 s:\n{self.log.read_text()[-3000:]}")
        if workers > 1:  # the first worker answered; give the others time to build their app
            time.sleep(2)

    def cpu(self) -> float:
        return process_tree_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()


# --------------------------------------------------------------------------- wrk


@dataclass
class Request:
    method: str = "GET"
    path: str = "/"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    expect_status: int = 200
    expect_text: str = ""
    # A different X-Forwarded-For on every request (the server trusts 127.0.0.1 as its
    # proxy): each login comes from its own client, as people do. One address sending
    # the same account's password 8 times at once is throttled like guesses (each check
    # in flight counts for its address until it resolves), which is not what is measured.
    vary_client: bool = False


@dataclass
class WrkResult:
    rps: float
    requests: int
    p50_ms: float
    p99_ms: float
    bad_status: int
    socket_errors: int
    server_cpu: float  # cores used by the server during the run (1.0 = one core busy)
    per_cpu: float  # requests per second of server CPU time: hardly moved by other processes
    others: float  # cores kept busy meanwhile by everything but the server and wrk


def combine(runs: list[WrkResult]) -> WrkResult:
    """Several rounds of one case: the best round for req/s, latencies and CPU use, and
    the best requests per CPU second (other load only ever inflates a request's CPU time,
    through caches and wake-ups: the best round is the least disturbed)."""
    best = max(runs, key=lambda r: r.rps)
    return WrkResult(
        rps=best.rps,
        requests=sum(r.requests for r in runs),
        p50_ms=best.p50_ms,
        p99_ms=best.p99_ms,
        bad_status=sum(r.bad_status for r in runs),
        socket_errors=sum(r.socket_errors for r in runs),
        server_cpu=best.server_cpu,
        per_cpu=max(r.per_cpu for r in runs),
        others=best.others,
    )


def lua_script(req: Request) -> str:
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"wrk.method = {q(req.method)}"]
    if req.body:
        lines.append(f"wrk.body = {q(req.body)}")
    lines += [f"wrk.headers[{q(k)}] = {q(v)}" for k, v in req.headers.items()]
    if req.vary_client:
        lines += [
            "local n = 0",
            "request = function()",
            "  n = n + 1",
            '  wrk.headers["X-Forwarded-For"] = "10." .. (math.floor(n / 65536) % 256) .. "."'
            ' .. (math.floor(n / 256) % 256) .. "." .. (n % 256)',
            "  return wrk.format()",
            "end",
        ]
    return "\n".join(lines) + "\n"


def _duration_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}[unit]


def preflight(server: Server, req: Request) -> None:
    """One request with httpx: right status, right content, before wrk hammers it."""
    response = httpx.request(
        req.method, server.url + req.path, headers=req.headers, content=req.body or None, timeout=30
    )
    if response.status_code != req.expect_status or req.expect_text not in response.text:
        raise RuntimeError(
            f"{req.method} {req.path}: {response.status_code} (expected {req.expect_status}"
            f" containing {req.expect_text!r}):\n{response.text[:1500]}"
        )


def wrk(
    server: Server, req: Request, workdir: Path, *, duration: float, connections: int,
    warmup: float, pin: int | None,
) -> WrkResult:  # fmt: skip
    preflight(server, req)
    script = workdir / "request.lua"
    script.write_text(lua_script(req))
    base = ["wrk", "-t1", f"-c{connections}", "--latency", "--timeout", "10s", "-s", str(script)]
    if pin is not None:
        base = ["taskset", "-c", str(pin), *base]
    url = server.url + req.path
    if warmup > 0:
        subprocess.run([*base, f"-d{max(1, round(warmup))}s", url], check=True, capture_output=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0, busy0, t0 = server.cpu(), busy_cores_seconds(), time.monotonic()
    out = subprocess.run(
        [*base, f"-d{max(1, round(duration))}s", url], check=True, capture_output=True, text=True
    ).stdout
    elapsed = time.monotonic() - t0
    server_cpu = (server.cpu() - cpu0) / elapsed
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime) / elapsed
    others = max(0.0, (busy_cores_seconds() - busy0) / elapsed - server_cpu - wrk_cpu)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return WrkResult(
        rps=rps,
        requests=total,
        p50_ms=_duration_ms(latency["50"]) if "50" in latency else float("nan"),
        p99_ms=_duration_ms(latency["99"]) if "99" in latency else float("nan"),
        bad_status=int(bad.group(1)) if bad else 0,
        socket_errors=sum(map(int, errors.groups())) if errors else 0,
        server_cpu=server_cpu,
        per_cpu=rps / server_cpu if server_cpu > 0 else float("nan"),
        others=others,
    )


# --------------------------------------------------------------------------- setup


def seed(env: dict[str, str]) -> tuple[str, str]:
    """The demo database (through the real import), and a demo login with a password."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from pwa.context import Sesame
        from pwa.demo import DEMO_STAFF, demo_account, seed_demo
        from pwa.settings import Settings

        sesame = Sesame.build(Settings.from_env())
        seed_demo(sesame)
        person = next(p for p in DEMO_STAFF if p.password)
        account = demo_account(sesame, person)
        sesame.store.close()
        return account.identifiant, person.password
    finally:
        os.environ.clear()
        os.environ.update(saved)


def form(**fields: str) -> str:
    return urlencode(fields)


FORM = "application/x-www-form-urlencoded"


def anonymous_csrf(server: Server) -> tuple[str, str]:
    """(Cookie header, csrf_token) of a visitor without a session."""
    page = httpx.get(f"{server.url}/connexion", timeout=10)
    seed_value = set_cookie_value(page, CSRF_COOKIE)
    if not seed_value:
        raise RuntimeError(f"no {CSRF_COOKIE} cookie on GET /connexion")
    return f"{CSRF_COOKIE}={seed_value}", csrf_field(page.text)


def signed_in_csrf(server: Server, login: str, password: str) -> tuple[str, str]:
    """(Cookie header, csrf_token) of a signed-in session (the token is bound to it)."""
    cookie, token = anonymous_csrf(server)
    response = httpx.post(
        f"{server.url}/connexion",
        headers={"Cookie": cookie, "Content-Type": FORM},
        content=form(login=login, password=password, csrf_token=token),
        timeout=30,
    )
    session = set_cookie_value(response, SESSION_COOKIE)
    if response.status_code != 303 or not session:
        raise RuntimeError(f"login failed: {response.status_code}\n{response.text[:1500]}")
    cookie = f"{cookie}; {SESSION_COOKIE}={session}"
    page = httpx.get(f"{server.url}/compte/mot-de-passe", headers={"Cookie": cookie}, timeout=10)
    if page.status_code != 200:
        raise RuntimeError(f"GET /compte/mot-de-passe: {page.status_code}")
    return cookie, csrf_field(page.text)


def argon2_rate(env: dict[str, str], cores: list[int], seconds: float, trials: int) -> list[tuple[float, float]]:
    """(verify per wall second, per CPU second) of the app's argon2id hasher,
    one process pinned to each given core, all at once."""
    procs = [
        subprocess.Popen(
            [
                "taskset",
                "-c",
                str(core),
                sys.executable,
                "-c",
                ARGON2_PROBE,
                str(seconds),
                str(trials),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for core in cores
    ]
    return [tuple(map(float, p.communicate()[0].split())) for p in procs]


def policy_timing(env: dict[str, str], login: str, profile: bool) -> dict[str, float]:
    """CPU ms per policy.check of LIVE_PASSWORD, anonymous and with an account's personal data."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from pwa.context import Sesame
        from pwa.settings import Settings

        s = Sesame.build(Settings.from_env())
        account = s.directory.by_login(login)

        def per_call(fn) -> float:  # CPU ms: what other processes do hardly matters
            fn()
            best = float("inf")
            for _ in range(3):
                n, t0 = 0, time.process_time()
                while time.process_time() - t0 < 0.5:
                    fn()
                    n += 1
                best = min(best, (time.process_time() - t0) / n * 1e3)
            return best

        anon = lambda: s.policy.check(LIVE_PASSWORD, None)  # noqa: E731
        personal = lambda: s.accounts.check_password(account, LIVE_PASSWORD)  # noqa: E731
        result = {"anonymous": per_call(anon), "personal": per_call(personal)}
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(300):
                personal()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
            text = out.getvalue()
            text = text[text.index("ncalls") :] if "ncalls" in text else text
            print("\ncProfile of 300 × accounts.check_password (policy.check with personal data):")
            print(text.replace(str(ROOT) + "/", "").rstrip())
        s.store.close()
        return result
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--duration", type=float, default=3, help="seconds per wrk run (default 3)")
    add("--rounds", type=int, default=3, help="interleaved runs of each case (default 3)")
    add("--warmup", type=float, default=2, help="warm-up seconds per case (default 2)")
    add("--connections", type=int, default=16, help="wrk connections, req/s rows (default 16)")
    add("--login-duration", type=float, default=8, help="seconds per login run (default 8)")
    add("--login-rounds", type=int, default=2, help="runs of each login case (default 2)")
    add("--login-connections", type=int, default=8, help="wrk connections, logins (default 8)")
    add("--wait-idle", type=float, default=0, metavar="S",
        help="before each phase, wait up to S seconds for other processes to go quiet")  # fmt: skip
    add("--profile", action="store_true", help="cProfile policy.check, print the top functions")
    add("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    return parser.parse_args()


def live_check(cookie: str, token: str, password: str = LIVE_PASSWORD) -> Request:
    body = form(password=password, input_id="password", csrf_token=token)
    headers = {"Content-Type": FORM, "Cookie": cookie}
    return Request("POST", "/mot-de-passe/verifier", headers, body, expect_text="<li")


def main() -> int:
    args = parse_args()
    for tool, package in (("wrk", "wrk"), ("taskset", "util-linux")):
        if not shutil.which(tool):
            sys.exit(f"{tool} is required (Debian: apt-get install {package})")
    cores = cpus()
    server_cpu, client_cpu = (cores[0], cores[1]) if len(cores) > 1 else (None, None)

    workdir = Path(tempfile.mkdtemp(prefix="sesame-bench-"))
    env = {
        **os.environ,
        "SESAME_DB": str(workdir / "bench.db"),
        "SESAME_SECRET_KEY": secrets.token_urlsafe(48),
        "SESAME_DEMO": "1",
        "SESAME_SECURE_COOKIES": "1",
        "SESAME_TRUSTED_PROXIES": "127.0.0.1",
        "SESAME_LOG_LEVEL": "WARNING",
        "SESAME_SMTP_HOST": "127.0.0.1",
        "SESAME_SMTP_TLS": "none",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    load_start = loadavg()
    print(f"Sésame benchmark: {len(cores)} cores, load average {load_start}, temp dir {workdir}")
    servers: list[Server] = []
    try:
        login, password = seed(env)
        print(f"demo database seeded; login account {login!r}")

        # ---- argon2id bound (no server running yet)
        # One core's rate is verifies per CPU second of a process pinned to it: what the
        # core does when nothing else runs, even if something else did run meanwhile.
        wait_idle(args.wait_idle)
        per_core = argon2_rate(env, [cores[0]], 1.0, 3)[0][1]
        parallel = sum(wall for wall, _ in argon2_rate(env, cores, 1.0, 3))
        bound = per_core * len(cores)
        print(f"argon2id verify: {per_core:.1f}/s per core, all cores at once {parallel:.1f}/s")

        # ---- 1. req/s, one worker pinned to one core, wrk on the other
        server = Server(env, workdir, workers=1, pin=server_cpu)
        servers.append(server)
        anon_cookie, anon_token = anonymous_csrf(server)
        user_cookie, user_token = signed_in_csrf(server, login, password)
        gzip = {"Accept-Encoding": "gzip"}
        cases = [
            ("bare text (no middleware)", Request(path="/bare", expect_text="Hello")),
            ("bare text + Sésame middleware", Request(path="/bare-mw", expect_text="Hello")),
            ("home page", Request(path="/", expect_text="<html")),
            ("home page, gzip", Request(path="/", headers=gzip, expect_text="<html")),
            ("live password check", live_check(anon_cookie, anon_token)),
            ("live check, 1 character", live_check(anon_cookie, anon_token, "C")),
            ("live check, signed in", live_check(user_cookie, user_token)),
        ]
        runs: dict[str, list[WrkResult]] = {name: [] for name, _ in cases}
        for round_ in range(args.rounds):  # interleaved: a busy spell hits every case
            wait_idle(args.wait_idle)
            for name, req in cases:
                warmup = args.warmup if round_ == 0 else 0
                runs[name].append(
                    wrk(server, req, workdir, duration=args.duration, warmup=warmup,
                        connections=args.connections, pin=client_cpu)
                )  # fmt: skip
            rates = ", ".join(f"{runs[name][-1].rps:.0f}" for name, _ in cases)
            print(f"  round {round_ + 1}: {rates} req/s")
        rows = [(name, combine(runs[name])) for name, _ in cases]
        server.stop()

        # ---- 2. logins/s, 1 then 2 workers (not pinned: argon2 is what is measured)
        logins = []
        for workers in (1, 2):
            server = Server(env, workdir, workers=workers, pin=None)
            servers.append(server)
            cookie, token = anonymous_csrf(server)
            wait_idle(args.wait_idle)
            body = form(login=login, password=password, csrf_token=token)
            headers = {"Content-Type": FORM, "Cookie": cookie}
            req = Request("POST", "/connexion", headers, body, expect_status=303, vary_client=True)
            results = [
                wrk(server, req, workdir, duration=args.login_duration,
                    warmup=args.warmup if round_ == 0 else 0,
                    connections=args.login_connections, pin=None)
                for round_ in range(args.login_rounds)
            ]  # fmt: skip
            name = f"login ({workers} worker{'s' if workers > 1 else ''})"
            logins.append((name, combine(results)))
            print(f"  {name}: " + ", ".join(f"{r.rps:.1f}" for r in results) + " logins/s")
            server.stop()

        timing = policy_timing(env, login, args.profile)
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    argon2 = (per_core, parallel, bound)
    print(report(args, rows, logins, timing, cores, server_cpu, client_cpu, argon2=argon2))
    print(f"load average: {load_start} at start, {loadavg()} at end")
    problems = [
        f"{name}: {r.bad_status} unexpected statuses, {r.socket_errors} socket errors"
        for name, r in [*rows, *logins]
        if r.bad_status or r.socket_errors
    ]
    for problem in problems:
        print(f"WARNING {problem}")
    return 1 if problems else 0


def report(args, rows, logins, timing, cores, server_cpu, client_cpu, *, argon2) -> str:
    per_core, parallel, bound = argon2
    out = []
    base = rows[0][1]
    out += [
        f"wrk -t1 -c{args.connections} -d{args.duration:g}s, {args.rounds} interleaved rounds (best"
        f" kept), {args.warmup:g}s warm-up; 1 uvicorn worker (uvloop, httptools, no access log)",
        f"on CPU {server_cpu}, wrk on CPU {client_cpu}. req/CPU-s: requests per second of server"
        " CPU time (best of the rounds),",
        "less sensitive than req/s to other load; others: cores used meanwhile by other processes.",
    ]
    header = (
        f"{'endpoint':30} {'req/s':>7} {'vs bare':>7} {'req/CPU-s':>9} {'vs bare':>7}"
        f" {'p50 ms':>7} {'p99 ms':>7} {'srv CPU':>7} {'others':>6}"
    )
    out += [header, "-" * len(header)]
    for name, r in rows:
        out.append(
            f"{name:30} {r.rps:7.0f} {r.rps / base.rps:7.2f} {r.per_cpu:9.0f}"
            f" {r.per_cpu / base.per_cpu:7.2f} {r.p50_ms:7.2f} {r.p99_ms:7.2f}"
            f" {r.server_cpu:7.0%} {r.others:6.1f}"
        )
    out += [
        "",
        f"login: POST /connexion, correct password (303); wrk -t1 -c{args.login_connections}"
        f" -d{args.login_duration:g}s, {args.login_rounds} rounds (best kept); server not pinned.",
        f"argon2id bound = {per_core:.1f} verify/s per core (per CPU second, one pinned process)"
        f" x {len(cores)} cores = {bound:.1f}/s; all cores at once, wall clock: {parallel:.1f}/s.",
        "per CPU-s: logins per second of server CPU time; of argon2: that / argon2 verify per CPU second.",
    ]
    header = (
        f"{'endpoint':30} {'login/s':>7} {'of bound':>8} {'per CPU-s':>9} {'of argon2':>9}"
        f" {'p50 ms':>7} {'p99 ms':>7} {'srv CPU':>7} {'others':>6}"
    )
    out += [header, "-" * len(header)]
    for name, r in logins:
        out.append(
            f"{name:30} {r.rps:7.1f} {r.rps / bound:8.2f} {r.per_cpu:9.2f}"
            f" {r.per_cpu / per_core:9.2f} {r.p50_ms:7.0f} {r.p99_ms:7.0f}"
            f" {r.server_cpu:7.0%} {r.others:6.1f}"
        )
    out.append("")
    by_name = dict(rows)
    for label, key, row in (
        ("anonymous", "anonymous", "live password check"),
        ("with personal data", "personal", "live check, signed in"),
    ):
        share = timing[key] * by_name[row].per_cpu / 1000
        out.append(
            f"policy.check({LIVE_PASSWORD!r}), {label}: {timing[key]:.2f} CPU ms in-process,"
            f" {share:.0%} of the server CPU of a request in {row!r}"
        )
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
