"""Several real `sesame serve` processes sharing one store, as behind a load balancer.

`Instance` is one `python -m pwa serve` in its own process group (so SIGKILL takes it
whole), started with the environment an operator would give each host: the same
database, secret key, académie and public URL. `seed` fills a fresh store before the
first start: the staff file through the real `sesame import` (which migrates), then
passwords and an assistance agent with an OTP app through the app's Python API.

`balanced_clients` gives one httpx client per instance over a single cookie jar: a
browser behind a load balancer carries the same cookies to whichever host answers
(cookies do not tell ports apart, so 127.0.0.1's cookies reach every instance).
Used by tests/http/test_two_instances.py and bench/instances.py."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
ACADEMIE = "aix-marseille"
PASSWORD = "Girafe-Orange-Sous-La-Pluie"  # support.journeys.GOOD
TOTP_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # support.helpdesk.KEY
START_SECONDS = 30

FIRST_NAMES = ("Jean", "Claire", "Paul", "Sophie", "Marc", "Julie", "Luc", "Emma", "Hugo", "Anne", "Louis", "Marie")
LAST_NAMES = ("Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Leroy", "Moreau", "Simon")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def staff_csv(count: int, uai: str = "0130999A") -> str:
    """`count` people (at most 120) with distinct names, all at one établissement."""
    lines = ["nom;prenom;date_naissance;numen;categorie;uai;etablissement"]
    for n in range(count):
        first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[n // len(FIRST_NAMES)]
        lines.append(f"{last};{first};{1 + n % 28:02d}/03/1980;13E24INST{n:04d};aesh;{uai};Collège Test")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Seeded:
    people: list[str]  # identifiants with PASSWORD set, in the staff file's order
    agent: str  # an assistance agent (password + TOTP_KEY) of the same établissement
    ids: dict[str, int]


def command_env(environ: dict[str, str]) -> dict[str, str]:
    """The process environment of a `sesame` command given the instance's SESAME_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESAME_", "PROMETHEUS_"))}
    return env | environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))}


def seed(folder: Path, environ: dict[str, str], *, people: int = 12) -> Seeded:
    """Before the first start, as the operator does: `sesame import` of a staff file (it
    migrates the store); then, through the app's Python API, PASSWORD for everyone (argon2id
    at the app's costs) and an assistance agent with an OTP app (the last person)."""
    from pwa.context import Sesame
    from pwa.settings import Settings

    staff = folder / "agents.csv"
    staff.write_text(staff_csv(people + 1))
    done = subprocess.run(
        [sys.executable, "-m", "pwa", "import", str(staff), "--oui"],
        cwd=folder,
        env=command_env(environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sesame = Sesame.build(Settings.from_env(environ))
    try:
        rows = sesame.store.query("select id, identifiant from accounts order by id")
        assert len(rows) == people + 1, rows
        ids = {r["identifiant"]: r["id"] for r in rows}
        password_hash = sesame.hashing.hash(PASSWORD)
        for account_id in ids.values():
            sesame.directory.set_password_hash(account_id, password_hash)
        agent = rows[-1]["identifiant"]
        sesame.roles.grant(ids[agent], "assistance", "0130999A", by="test")
        sesame.authenticators.add_totp(ids[agent], TOTP_KEY, 0)
        return Seeded([r["identifiant"] for r in rows[:-1]], agent, ids)
    finally:
        sesame.store.close()


@dataclass
class Instance:
    """One `sesame serve` process."""

    name: str
    folder: Path
    environ: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / f"{self.name}.log"

    def start(self) -> Instance:
        env = command_env(self.environ)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pwa", "serve", "--host", HOST, "--port", str(self.port)],
                cwd=self.folder,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped (code {self.process.returncode}):\n{self.log_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/sante", timeout=2).status_code == 200:
                    return self
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer /sante in {START_SECONDS} s:\n{self.log_text()}")
            time.sleep(0.05)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a host losing power: no shutdown code runs."""
        if self.alive:
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def stop(self) -> None:
        if self.alive:
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def errors(self) -> list[str]:
        """Logged errors and tracebacks' last lines."""
        return [
            line
            for line in self.log_text().splitlines()
            if line.startswith(("ERROR", "CRITICAL", "Traceback")) or "Error:" in line.split(" ", 1)[0]
        ]


def environ(*, database_url: str = "", db_path: Path | None = None, smtp_port: int, public_url: str) -> dict[str, str]:
    """What each host is given: the same store, secret key, académie and public URL."""
    from support.web import SECRET

    env = {
        "SESAME_SECRET_KEY": SECRET,
        "SESAME_ACADEMIE": ACADEMIE,
        "SESAME_PUBLIC_URL": public_url,
        "SESAME_SECURE_COOKIES": "0",  # plain HTTP on loopback: no __Host- prefix, no Secure
        "SESAME_SMTP_HOST": HOST,
        "SESAME_SMTP_PORT": str(smtp_port),
        "SESAME_SMTP_TLS": "none",
        "SESAME_LOG_LEVEL": "warning",
    }
    if database_url:
        env["SESAME_DATABASE_URL"] = database_url
    if db_path is not None:
        env["SESAME_DB"] = str(db_path)
    return env


def balanced_clients(*instances: Instance, jar: http.cookiejar.CookieJar | None = None) -> list[httpx.Client]:
    """One client per instance, all over one cookie jar (one browser, any host)."""
    jar = jar if jar is not None else http.cookiejar.CookieJar()
    return [httpx.Client(base_url=i.url, cookies=jar, timeout=30) for i in instances]
