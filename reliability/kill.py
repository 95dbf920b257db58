"""Kill-and-restart loop: SIGKILL the server mid-traffic, restart it, check the database.

    python reliability/kill.py [--kills 100] [--seed 1] [--clients 4] [--max-acks 8] [--jitter 0.5] [--seconds S]

Starts `sesame serve --demo` on a fresh database in a temporary folder. Each round,
while the server is stopped, the harness issues a letter code (and for some people
a help-desk code) for every demo person through the app's own Python API
(`Sesame.build(Settings.from_env())`, `sesame.codes`); then it starts the server
and several clients set passwords with those codes over HTTP, as people do
(/activation with the anti-robot proof of work, then /mot-de-passe/nouveau), each
client from its own address (the server trusts 127.0.0.1 as a proxy) and one
person's requests one after another. The server gets SIGKILL at a random moment
mid-traffic: once passwords are being sent, after a random number of answers (0 to
--max-acks) and a random fraction of a second (up to --jitter), whatever the speed
of the machine.

After each kill, with the server stopped, the invariants are checked on the file:
- `PRAGMA integrity_check` is ok;
- every used letter or help-desk code has its password change (password_changed_at
  not before the code's used_at) and its audit event (as many `password.set_letter`
  or `password.set_helpdesk` events as used codes of that kind, per person);
- every password change has its audit event and its notice queued in the outbox (as
  many notices as events, per person; the newest event not older than the change);
- no acknowledged write is lost: every code whose password change was answered
  (303 to /mot-de-passe/termine) before the kill is used, and each person's password
  is the last one acknowledged (or the one in flight at the kill).

Prints the figures and exits 1 on any violation, any 5xx answer (503 "busy" excepted)
or any error in the server log. A short run (5 kills) is part of the test suite
(tests/http/test_reliability.py).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reliability.fuzz import csrf_of, free_port, server_errors, solve  # noqa: E402
from reliability.invariants import violations  # noqa: E402

WORDS = ("Voile", "Brume", "Cigale", "Olivier", "Lavande", "Rocher", "Mistral", "Galet", "Phare", "Sardine")


@dataclass
class Task:
    """One person's password set with one code."""

    account_id: int
    identifiant: str
    code: str
    code_id: int
    purpose: str  # letter | helpdesk
    password: str
    outcome: str = "not sent"  # not sent | acknowledged | in flight | refused <status>


@dataclass
class Figures:
    kills: int = 0
    acknowledged: int = 0
    in_flight: int = 0
    in_flight_applied: int = 0
    refused: collections.Counter = field(default_factory=collections.Counter)
    server_5xx: int = 0
    violations: dict[str, None] = field(default_factory=dict)  # distinct, in the order found
    lost: dict[str, None] = field(default_factory=dict)
    log_errors: list[str] = field(default_factory=list)
    kill_after: list[float] = field(default_factory=list)
    budget_reached: bool = False


class Server:
    """`python -m pwa serve --demo` in its own process group, killed with SIGKILL."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = folder / "kill.db"
        self.log = folder / "server.log"
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> str:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
        env.update(
            SESAME_DB=str(self.db),
            SESAME_SECURE_COOKIES="0",
            SESAME_LOG_LEVEL="warning",
            SESAME_TRUSTED_PROXIES="127.0.0.1",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pwa", "serve", "--demo", "--port", str(port)],
                cwd=self.folder,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"the server stopped:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(self.url + "/sante", timeout=2).status_code == 200:
                    return self.url
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def app_api(db: Path):
    """The app's own Python API on the stopped server's file (the demo key next to it)."""
    from pwa.context import Sesame
    from pwa.settings import Settings

    os.environ.update(
        SESAME_DB=str(db),
        SESAME_SECRET_KEY=db.with_suffix(".key").read_text().strip(),
        SESAME_DEMO="1",
    )
    return Sesame.build(Settings.from_env())


def new_password(rng: random.Random, sesame, account) -> str:
    while True:
        words = rng.sample(WORDS, 3)
        password = "-".join(words) + f"-{rng.randint(10, 99)}{rng.choice('abcdefghjk')}"
        if sesame.policy.check(password, personal=sesame.accounts.personal_data(account)).ok:
            return password


def issue_codes(sesame, rng: random.Random) -> list[Task]:
    """A letter for everyone, a help-desk code for about half (both live at once)."""
    tasks = []
    for row in sesame.store.query("select id from accounts where demo = 1 order by id"):
        account = sesame.directory.get(row["id"])
        purposes = ["letter"] + (["helpdesk"] if rng.random() < 0.5 else [])
        for purpose in rng.sample(purposes, len(purposes)):
            code = sesame.codes.issue(account.id, purpose)
            code_id = sesame.codes.live(account.id, purpose)["id"]
            tasks.append(
                Task(account.id, account.identifiant, code, code_id, purpose, new_password(rng, sesame, account))
            )
    sesame.store.close()
    return tasks


def set_password(
    url: str, task: Task, address: str, figures: Figures, lock: threading.Lock, started: threading.Event
) -> None:
    """One person's journey with one code. Raises httpx.TransportError when the server dies."""
    headers = {"X-Forwarded-For": address}
    with httpx.Client(base_url=url, timeout=30, headers=headers, follow_redirects=False) as client:
        page = client.get("/activation", params={"identifiant": task.identifiant})
        answer = client.post(
            "/activation",
            data={
                "csrf_token": csrf_of(page.text),
                "identifiant": task.identifiant,
                "code": task.code,
                "altcha": solve(client),
            },
        )
        if answer.status_code != 303:
            _refused(task, answer.status_code, figures, lock)
            return
        page = client.get("/mot-de-passe/nouveau")
        task.outcome = "in flight"
        started.set()
        answer = client.post(
            "/mot-de-passe/nouveau",
            data={
                "csrf_token": csrf_of(page.text),
                "password": task.password,
                "confirmation": task.password,
            },
        )
        if answer.status_code == 303 and answer.headers.get("location", "").endswith("/mot-de-passe/termine"):
            task.outcome = "acknowledged"
            with lock:
                figures.acknowledged += 1
        else:
            _refused(task, answer.status_code, figures, lock)


def _refused(task: Task, status: int, figures: Figures, lock: threading.Lock) -> None:
    task.outcome = f"refused {status}"
    with lock:
        figures.refused[status] += 1
        if status >= 500 and status != 503:
            figures.server_5xx += 1


def traffic(
    url: str,
    queues: list[list[Task]],
    rng: random.Random,
    figures: Figures,
    stop: threading.Event,
    started: threading.Event,
) -> list[threading.Thread]:
    lock = threading.Lock()

    def client_loop(queue: list[Task], seed: int) -> None:
        local = random.Random(seed)
        for task in queue:
            if stop.is_set():
                return
            address = f"10.{local.randint(0, 255)}.{local.randint(0, 255)}.{local.randint(1, 254)}"
            try:
                set_password(url, task, address, figures, lock, started)
            except httpx.TransportError:
                return  # the server was killed: this task's fate is read from the database

    threads = [threading.Thread(target=client_loop, args=(q, rng.random()), daemon=True) for q in queues]
    for thread in threads:
        thread.start()
    return threads


def check(db: Path, queues: list[list[Task]], all_acknowledged: list[Task], since: float, figures: Figures) -> None:
    """The invariants, on the stopped server's file."""
    tasks = [task for queue in queues for task in queue]  # each person's in the order sent
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        found = violations(conn, since)
        figures.violations.update(dict.fromkeys(found))
        used = {r["id"]: r["used_at"] for r in conn.execute("select id, used_at from codes")}
        for task in all_acknowledged:
            if not used.get(task.code_id):
                figures.lost[f"{task.identifiant}: acknowledged {task.purpose} code {task.code_id} not used"] = None
        for task in tasks:
            if task.outcome == "in flight":
                figures.in_flight += 1
                figures.in_flight_applied += bool(used.get(task.code_id))
        hashes = {r["id"]: r["password_hash"] for r in conn.execute("select id, password_hash from accounts")}
    finally:
        conn.close()
    # Each person's password: the last acknowledged one, or the one in flight after it.
    expected: dict[int, list[Task]] = {}
    for task in tasks:
        if task.outcome == "acknowledged":
            expected[task.account_id] = [task]
        elif task.outcome == "in flight" and task.account_id in expected:
            expected[task.account_id].append(task)
    hasher = PasswordHasher()

    def holds(candidates: list[Task]) -> str | None:
        for task in candidates:
            try:
                hasher.verify(hashes[task.account_id], task.password)
                return None
            except VerificationError:
                continue
        return f"{candidates[0].identifiant}: the acknowledged password does not open the account"

    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        figures.lost.update(dict.fromkeys(m for m in pool.map(holds, expected.values()) if m))


def run(
    kills: int, seed: int, clients: int, folder: Path, max_acks: int, jitter: float, seconds: float | None = None
) -> Figures:
    rng = random.Random(seed)
    figures = Figures()
    server = Server(folder)
    server.start()  # seeds the demo database
    server.stop()
    sesame = app_api(server.db)
    since = time.time()
    acknowledged: list[Task] = []
    t0 = time.monotonic()
    try:
        for _ in range(kills):
            if seconds and time.monotonic() - t0 > seconds:
                figures.budget_reached = True
                break
            tasks = issue_codes(sesame, rng)
            queues: list[list[Task]] = [[] for _ in range(clients)]
            for task in sorted(tasks, key=lambda t: rng.random()):
                queues[task.account_id % clients].append(task)  # one person's codes one after another
            url = server.start()
            stop, started = threading.Event(), threading.Event()
            threads = traffic(url, queues, rng, figures, stop, started)
            # A random moment once passwords are being set (not while the first pages warm up):
            # after a random number of answered password sets, then a random fraction of a second.
            started.wait(60)
            target, before, deadline = (
                figures.acknowledged + rng.randint(0, max_acks),
                time.monotonic(),
                time.monotonic() + 60,
            )
            while figures.acknowledged < target and time.monotonic() < deadline and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, jitter))
            delay = time.monotonic() - before
            server.kill()
            stop.set()
            figures.kills += 1
            figures.kill_after.append(delay)
            for thread in threads:
                thread.join(60)
            acknowledged += [t for t in tasks if t.outcome == "acknowledged"]
            check(server.db, queues, acknowledged, since, figures)
            if figures.kills % 10 == 0:
                print(
                    f"… {figures.kills} kills, {figures.acknowledged} acknowledged, "
                    f"{len(figures.violations)} violations, {len(figures.lost)} lost",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        server.kill()
        sesame.store.close()
    figures.log_errors = server_errors(server.log)
    return figures


def report(figures: Figures, seconds: float) -> bool:
    budget = " (time budget reached)" if figures.budget_reached else ""
    print(f"kills (SIGKILL mid-traffic, then restart): {figures.kills} in {seconds:.0f} s{budget}")
    if figures.kill_after:
        moments = sorted(figures.kill_after)
        print(
            f"kill moments after the first password sent: {moments[0]:.2f}–{moments[-1]:.2f} s "
            f"(median {moments[len(moments) // 2]:.2f} s)"
        )
    print(f"password sets acknowledged before a kill: {figures.acknowledged}")
    print(
        f"password sets in flight at a kill: {figures.in_flight} "
        f"(applied whole: {figures.in_flight_applied}, not at all: {figures.in_flight - figures.in_flight_applied})"
    )
    print("refused answers: " + (", ".join(f"{k}: {v}" for k, v in sorted(figures.refused.items())) or "0"))
    print(f"responses >= 500 (503 'busy' excepted): {figures.server_5xx}")
    print(f"invariant violations: {len(figures.violations)}")
    for line in list(figures.violations)[:20]:
        print(f"  {line}")
    print(f"lost acknowledged writes: {len(figures.lost)}")
    for line in list(figures.lost)[:20]:
        print(f"  {line}")
    print(f"server log errors: {len(figures.log_errors)}")
    for line in figures.log_errors[:10]:
        print(f"  {line[:200]}")
    return not (figures.violations or figures.lost or figures.server_5xx or figures.log_errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--max-acks",
        type=int,
        default=8,
        help="the kill comes after a random number (0 to this) of answered password sets …",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="time budget: no new round after this many seconds (the figures say so)",
    )
    parser.add_argument("--jitter", type=float, default=0.5, help="… then up to this many seconds later")
    args = parser.parse_args(argv)
    # Stopped from outside (even when started in the background): the server is killed too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        figures = run(args.kills, args.seed, args.clients, Path(folder), args.max_acks, args.jitter, args.seconds)
    return 0 if report(figures, time.perf_counter() - start) else 1


if __name__ == "__main__":
    sys.exit(main())
