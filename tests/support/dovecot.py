"""A real Dovecot on loopback for the tests: IMAP (plain and implicit TLS) and
ManageSieve (STARTTLS), with Sésame's database as its passdb through the snippets
shipped in docs/dovecot/ (the SQLite file, or with PostgreSQL the test's database read
as the read-only role over verified TLS), and a throw-away CA (support/certs.py)
so the TLS is real and verified (Sésame trusts it through SESAME_MAIL_CA_FILE).

tests/conftest.py registers the fixture for the whole suite (pytest_plugins); test modules mark
themselves ``pytest.mark.dovecot``. Without Dovecot the tests are skipped, except
when ``CI`` is set: then they fail.
"""

from __future__ import annotations

import functools
import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.certs import make_ca

ROOT = Path(__file__).resolve().parents[2]
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
MANAGESIEVE = Path("/usr/lib/dovecot/managesieve")
SUBMISSION = Path("/usr/lib/dovecot/submission")
PGSQL_DRIVERS = [
    Path("/usr/lib/dovecot/modules/auth/libdriver_pgsql.so"),
    Path("/usr/lib/dovecot/modules/libdriver_pgsql.so"),
]
SIEVEC = shutil.which("sievec") or "/usr/bin/sievec"
HOST = "127.0.0.1"


def missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"Dovecot tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


CONF = """\
protocols = imap {sieve} {submission}
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
ssl = yes
ssl_cert = <{dir}/server.pem
ssl_key = <{dir}/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
{sieve_service}
{submission_service}
service auth-worker {{
  user = root
}}
# No per-address penalty (2, 4, 8, 15 s after failures from 127.0.0.1): the tests fail
# logins on purpose, one after another.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
# Accounts listed in `denied` are refused whatever their password (an account
# disabled on the mail server side); Dovecot re-reads the file when it changes.
passdb {{
  driver = passwd-file
  deny = yes
  args = {dir}/denied
}}
{sesame}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={dir}/home/%u
}}
mail_location = maildir:~/Maildir
default_internal_user = nobody
default_login_user = nobody
plugin {{
  sieve = file:~/sieve;active=~/.dovecot.sieve
}}
"""

SIEVE_SERVICE = """\
service managesieve-login {{
  inet_listener sieve {{
    address = 127.0.0.1
    port = {port}
  }}
}}
"""


SUBMISSION_SERVICE = """\
service submission-login {{
  inet_listener submission {{
    address = 127.0.0.1
    port = {port}
  }}
}}
hostname = mail.test
# SMTP AUTH only: nothing is relayed in these tests.
submission_relay_host = 127.0.0.1
submission_relay_port = {relay}
"""


SQL_SNIPPETS = ("dovecot-sql.conf.ext", "dovecot-sql-app-passwords.conf.ext")
PGSQL_SNIPPETS = ("dovecot-pgsql.conf.ext", "dovecot-pgsql-app-passwords.conf.ext")


def sesame_part(folder: Path, policy_url: str | None, policy_token: str, pgsql: bool = False) -> str:
    """docs/dovecot/dovecot-sesame.conf as shipped: its two passdbs (the pgsql snippets
    with PostgreSQL, as its comment says), and the auth policy hook when a Sésame listens
    at `policy_url`."""
    text = (ROOT / "docs/dovecot/dovecot-sesame.conf").read_text().replace("/etc/dovecot/", f"{folder}/")
    if pgsql:
        for sqlite_name, pgsql_name in zip(SQL_SNIPPETS, PGSQL_SNIPPETS, strict=True):
            text = text.replace(f"args = {folder}/{sqlite_name}", f"args = {folder}/{pgsql_name}")
    if policy_url is None:
        return "\n".join(line for line in text.splitlines() if not line.startswith("auth_policy_"))
    text = text.replace("http://127.0.0.1:8000/dovecot/politique", policy_url)
    return text.replace("SESAME_MAIL_POLICY_TOKEN", policy_token).replace("CHANGE-ME", "test-nonce")


def pgsql_snippet(name: str, values: dict[str, str]) -> str:
    """docs/dovecot/<name> with the test server's values in its connect line; the rest of
    the line (user=dovecot_ro sslmode=verify-full) as shipped."""
    snippet = (ROOT / "docs/dovecot" / name).read_text()
    line = next(line for line in snippet.splitlines() if line.startswith("connect = "))
    params = dict(part.split("=", 1) for part in line.removeprefix("connect = ").split())
    assert set(values) <= set(params), name
    connect = "connect = " + " ".join(f"{key}={values.get(key, value)}" for key, value in params.items())
    return snippet.replace(line, connect)


@dataclass
class Dovecot:
    """A configured (not yet started) Dovecot. Create the database at `db`, then start()."""

    folder: Path
    db: Path
    imap_port: int
    imaps_port: int
    sieve_port: int | None
    ca_file: Path
    submission_port: int | None = None
    database_url: str = ""  # PostgreSQL: Sésame's database, which Dovecot reads instead of `db`
    grant_reader: Callable[[], None] | None = None

    @property
    def store(self) -> dict:
        """Settings overrides that give Sésame the database this Dovecot reads."""
        return {"db_path": self.db, "database_url": self.database_url}

    @property
    def settings(self) -> dict:
        """Settings overrides that point Sésame at this server (see pwa/settings.py)."""
        return {
            "imap_host": HOST,
            "imap_port": self.imaps_port,
            "managesieve_host": HOST,
            "managesieve_port": self.sieve_port,
            "mail_ca_file": str(self.ca_file),
            "mail_timeout": 5.0,
        }

    @property
    def environ(self) -> dict[str, str]:
        return {
            "SESAME_IMAP_HOST": HOST,
            "SESAME_IMAP_PORT": str(self.imaps_port),
            "SESAME_MANAGESIEVE_HOST": HOST,
            "SESAME_MANAGESIEVE_PORT": str(self.sieve_port or ""),
            "SESAME_MAIL_CA_FILE": str(self.ca_file),
            "SESAME_MAIL_TIMEOUT": "5",
        }

    def start(self) -> None:
        """Start Dovecot, once Sésame has made its tables (the reader's grants need them)."""
        if self.grant_reader is not None:
            self.grant_reader()
        # Dovecot's auth worker reads the database: world-readable in this throw-away folder.
        for path in self.db.parent.glob(self.db.name + "*"):
            path.chmod(0o666)
        subprocess.run([DOVECOT, "-c", str(self.folder / "dovecot.conf")], check=True)
        ports = [self.imap_port, self.imaps_port] + [p for p in (self.sieve_port, self.submission_port) if p]
        deadline = time.monotonic() + 10
        while ports and time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, ports[0]), timeout=0.5).close()
                ports.pop(0)
            except OSError:
                time.sleep(0.1)
        if ports:
            raise RuntimeError("dovecot did not start: " + self.log())

    def stop(self) -> None:
        pid_file = self.folder / "run/master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            subprocess.run(["kill", str(pid)], check=False)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and pid_file.exists():
                time.sleep(0.05)

    def deny(self, user: str) -> None:
        """Refuse `user` on the mail server side, whatever the password."""
        (self.folder / "denied").write_text(f"{user}\n")

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


LDAP_SNIPPET_VALUES = {  # the shipped snippet's example values, replaced by the test's
    "uris": "ldaps://annuaire.ac-exemple.fr",
    "tls_ca_cert_file": "/etc/dovecot/annuaire-ca.pem",
    "dn": "cn=svc-dovecot,ou=services,dc=ac-exemple,dc=fr",
    "dnpass": "CHANGE-ME",
    "base": "ou=people,dc=ac-exemple,dc=fr",
}


def ldap_passdb(folder: Path, values: dict[str, str]) -> None:
    """docs/dovecot/dovecot-ldap.conf.ext with the test directory's values, and Dovecot's
    passdb pointed at it instead of Sésame's database."""
    snippet = (ROOT / "docs/dovecot/dovecot-ldap.conf.ext").read_text()
    for key, example in LDAP_SNIPPET_VALUES.items():
        line = f"{key} = {example}\n"
        assert line in snippet, key
        snippet = snippet.replace(line, f"{key} = {values[key]}\n")
    (folder / "dovecot-ldap.conf.ext").write_text(snippet)
    conf = (folder / "dovecot.conf").read_text()
    sql = next(
        text
        for name in ("dovecot-sql.conf.ext", "dovecot-pgsql.conf.ext")
        if (text := f"driver = sql\n  args = {folder}/{name}") in conf
    )
    (folder / "dovecot.conf").write_text(
        conf.replace(sql, f"driver = ldap\n  args = {folder}/dovecot-ldap.conf.ext")
        + "auth_cache_size = 0\nservice anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}\n"
    )


def configure(
    folder: Path,
    *,
    sieve: bool = True,
    submission: bool = False,
    policy_url: str | None = None,
    policy_token: str = "",
    database_url: str = "",
    postgres: Any = None,
) -> Dovecot:
    """`submission`: SMTP AUTH on a port of its own (dovecot-submissiond); `policy_url`:
    the Sésame that receives the auth policy reports (last use of app passwords);
    `database_url`: Sésame's PostgreSQL database on the session's `postgres` server, read
    with the pgsql snippets (else the SQLite file `db`)."""
    if not Path(DOVECOT).exists():
        missing("dovecot is not installed (apt-get install dovecot-imapd dovecot-sqlite)")
    if sieve and not MANAGESIEVE.exists():
        missing("ManageSieve is not installed (apt-get install dovecot-managesieved dovecot-sieve)")
    if submission and not SUBMISSION.exists():
        missing("the submission service is not installed (apt-get install dovecot-submissiond)")
    folder.chmod(0o755)  # Dovecot's unprivileged processes traverse it
    db = folder / "sesame.db"
    for name in SQL_SNIPPETS:
        snippet = (ROOT / "docs/dovecot" / name).read_text()
        (folder / name).write_text(snippet.replace("/var/lib/sesame/sesame.db", str(db)))
    grant_reader: Callable[[], None] | None = None
    if database_url:
        if not any(path.exists() for path in PGSQL_DRIVERS):
            missing("Dovecot's PostgreSQL driver is not installed (apt-get install dovecot-pgsql)")
        for name in PGSQL_SNIPPETS:
            (folder / name).write_text(pgsql_snippet(name, postgres.reader(database_url)))
        grant_reader = functools.partial(postgres.grant_reader, database_url.rsplit("/", 1)[1])

    for sub in ("run", "state", "home"):
        (folder / sub).mkdir()
    (folder / "home").chmod(0o777)
    (folder / "denied").write_text("")
    ca_file = make_ca(folder)
    server = Dovecot(
        folder,
        db,
        free_port(),
        free_port(),
        free_port() if sieve else None,
        ca_file,
        free_port() if submission else None,
        database_url,
        grant_reader,
    )
    (folder / "dovecot.conf").write_text(
        CONF.format(
            dir=folder,
            imap=server.imap_port,
            imaps=server.imaps_port,
            sieve="sieve" if sieve else "",
            sieve_service=SIEVE_SERVICE.format(port=server.sieve_port) if sieve else "",
            submission="submission" if submission else "",
            submission_service=SUBMISSION_SERVICE.format(port=server.submission_port, relay=free_port())
            if submission
            else "",
            sesame=sesame_part(folder, policy_url, policy_token, pgsql=bool(database_url)),
        )
    )
    return server


@pytest.fixture
def dovecot(database_url: str, request) -> Iterator[Dovecot]:
    """A configured Dovecot in a fresh world-readable folder, reading the test's engine
    (`dovecot.store` gives Sésame the same database); stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="sesame-dovecot-", dir="/tmp"))
    server = None
    try:
        postgres = request.getfixturevalue("postgres") if database_url else None
        server = configure(folder, database_url=database_url, postgres=postgres)
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def imap_login(port: int, user: str, password: str) -> bool:
    with imaplib.IMAP4("127.0.0.1", port, timeout=10) as conn:
        try:
            conn.login(user, password)
        except imaplib.IMAP4.error:
            return False
        conn.logout()
        return True
