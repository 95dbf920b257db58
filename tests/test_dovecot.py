"""The real mailbox: Dovecot (IMAP) on loopback with Sésame's database as its
passdb, using the snippet shipped in docs/dovecot/."""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from conftest import JEAN, make_settings
from test_journeys import GOOD, OTHER_GOOD, login, set_password_with_numen

ROOT = Path(__file__).resolve().parent.parent
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

pytestmark = pytest.mark.dovecot

if not Path(DOVECOT).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install dovecot-imapd and dovecot-sqlite")
    pytest.skip("dovecot is not installed (apt-get install dovecot-imapd dovecot-sqlite)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service auth-worker {{
  user = root
}}
passdb {{
  driver = sql
  args = {dir}/dovecot-sql.conf.ext
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={dir}/home/%u
}}
mail_location = maildir:~/Maildir
default_internal_user = nobody
default_login_user = nobody
"""


@pytest.fixture
def dovecot_dir():
    # Dovecot's unprivileged processes need to traverse this folder.
    path = Path(tempfile.mkdtemp(prefix="sesame-dovecot-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def imap(dovecot_dir: Path):
    db = dovecot_dir / "sesame.db"
    port = _free_port()
    snippet = (ROOT / "docs/dovecot/dovecot-sql.conf.ext").read_text()
    (dovecot_dir / "dovecot-sql.conf.ext").write_text(
        snippet.replace("/var/lib/sesame/sesame.db", str(db))
    )
    (dovecot_dir / "dovecot.conf").write_text(DOVECOT_CONF.format(dir=dovecot_dir, port=port))
    for sub in ("run", "state", "home"):
        (dovecot_dir / sub).mkdir()
    (dovecot_dir / "home").chmod(0o777)
    yield db, port
    pid_file = dovecot_dir / "run/master.pid"
    if pid_file.exists():
        subprocess.run(["kill", pid_file.read_text().strip()], check=False)
        time.sleep(0.3)


def start_dovecot(dovecot_dir: Path, port: int) -> None:
    subprocess.run([DOVECOT, "-c", str(dovecot_dir / "dovecot.conf")], check=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("dovecot did not start: " + (dovecot_dir / "dovecot.log").read_text())


def imap_login(port: int, user: str, password: str) -> bool:
    with imaplib.IMAP4("127.0.0.1", port, timeout=10) as conn:
        try:
            conn.login(user, password)
        except imaplib.IMAP4.error:
            return False
        conn.logout()
        return True


def test_password_chosen_in_sesame_opens_the_mailbox(imap, dovecot_dir, tmp_path):
    from starlette.testclient import TestClient

    from conftest import fast_hashing, STAFF_CSV
    from pwa.app import create_app
    from pwa.importer import import_staff, parse_staff_csv

    db, port = imap
    app = create_app(make_settings(tmp_path, db_path=db), hashing=fast_hashing())
    s = app.state.sesame
    import_staff(parse_staff_csv(STAFF_CSV.encode()).rows, store=s.store, directory=s.directory, keys=s.keys)
    for path in dovecot_dir.glob("sesame.db*"):
        path.chmod(0o644)
    start_dovecot(dovecot_dir, port)

    assert not imap_login(port, "jdupont", GOOD), "no password yet: no login"
    with TestClient(app, base_url="https://testserver") as client:
        set_password_with_numen(client, JEAN, GOOD)
        assert imap_login(port, "jdupont", GOOD)
        assert imap_login(port, JEAN.email, GOOD)
        assert imap_login(port, "JDupont", GOOD), "logins are case-insensitive"
        assert not imap_login(port, "jdupont", "Mauvais-Mot-De-Passe-42")
        assert not imap_login(port, "jdupont1", GOOD), "another account's password"
        # Change it in "Mon compte": the old one stops working at once.
        from conftest import submit, get

        login(client, "jdupont", GOOD)
        form = get(client, "/compte/mot-de-passe")
        submit(client, form, "/compte/mot-de-passe", current=GOOD, password=OTHER_GOOD, confirmation=OTHER_GOOD)
    assert imap_login(port, "jdupont", OTHER_GOOD)
    assert not imap_login(port, "jdupont", GOOD)


def test_disabled_account_no_longer_opens_the_mailbox(imap, dovecot_dir, tmp_path):
    from conftest import STAFF_CSV, fast_hashing
    from pwa.app import create_app
    from pwa.importer import import_staff, parse_staff_csv

    db, port = imap
    app = create_app(make_settings(tmp_path, db_path=db), hashing=fast_hashing())
    s = app.state.sesame
    import_staff(parse_staff_csv(STAFF_CSV.encode()).rows, store=s.store, directory=s.directory, keys=s.keys)
    jean, agent = s.directory.by_login("jdupont"), s.directory.by_login("jdupont1")
    s.directory.set_password_hash(jean.id, s.hashing.hash(GOOD))
    for path in dovecot_dir.glob("sesame.db*"):
        path.chmod(0o644)
    start_dovecot(dovecot_dir, port)
    assert imap_login(port, "jdupont", GOOD)
    s.helpdesk.disable(jean, agent, "Départ", "127.0.0.1")
    assert not imap_login(port, "jdupont", GOOD)
    s.helpdesk.enable(jean, agent, "Retour", "127.0.0.1")
    assert imap_login(port, "jdupont", GOOD)
