"""The real mailbox: Dovecot (IMAP) on loopback with Sésame's database as its
passdb, using the snippet shipped in docs/dovecot/."""

from __future__ import annotations

import pytest
from support.dovecot import Dovecot, imap_login
from support.journeys import GOOD, OTHER_GOOD, login, set_password_with_numen
from support.web import JEAN, make_settings

pytestmark = pytest.mark.dovecot


def test_password_chosen_in_sesame_opens_the_mailbox(dovecot: Dovecot, tmp_path):
    from starlette.testclient import TestClient
    from support.web import STAFF_CSV, fast_hashing

    from pwa.app import create_app
    from pwa.importer import import_staff, parse_staff_csv

    port = dovecot.imap_port
    app = create_app(make_settings(tmp_path, **dovecot.store), hashing=fast_hashing())
    s = app.state.sesame
    import_staff(parse_staff_csv(STAFF_CSV.encode()).rows, store=s.store, directory=s.directory, keys=s.keys)
    dovecot.start()

    assert not imap_login(port, "jdupont", GOOD), "no password yet: no login"
    with TestClient(app, base_url="https://testserver") as client:
        set_password_with_numen(client, JEAN, GOOD)
        assert imap_login(port, "jdupont", GOOD)
        assert imap_login(port, JEAN.email, GOOD)
        assert imap_login(port, "JDupont", GOOD), "logins are case-insensitive"
        assert not imap_login(port, "jdupont", "Mauvais-Mot-De-Passe-42")
        assert not imap_login(port, "jdupont1", GOOD), "another account's password"
        # Change it in "Mon compte": the old one stops working at once.
        from support.web import get, submit

        login(client, "jdupont", GOOD)
        form = get(client, "/compte/mot-de-passe")
        submit(client, form, "/compte/mot-de-passe", current=GOOD, password=OTHER_GOOD, confirmation=OTHER_GOOD)
    assert imap_login(port, "jdupont", OTHER_GOOD)
    assert not imap_login(port, "jdupont", GOOD)


def test_disabled_account_no_longer_opens_the_mailbox(dovecot: Dovecot, tmp_path):
    from support.web import STAFF_CSV, fast_hashing

    from pwa.app import create_app
    from pwa.importer import import_staff, parse_staff_csv

    port = dovecot.imap_port
    app = create_app(make_settings(tmp_path, **dovecot.store), hashing=fast_hashing())
    s = app.state.sesame
    import_staff(parse_staff_csv(STAFF_CSV.encode()).rows, store=s.store, directory=s.directory, keys=s.keys)
    jean, agent = s.directory.by_login("jdupont"), s.directory.by_login("jdupont1")
    s.directory.set_password_hash(jean.id, s.hashing.hash(GOOD))
    dovecot.start()
    assert imap_login(port, "jdupont", GOOD)
    s.helpdesk.disable(jean, agent, "Départ", "127.0.0.1")
    assert not imap_login(port, "jdupont", GOOD)
    s.helpdesk.enable(jean, agent, "Retour", "127.0.0.1")
    assert imap_login(port, "jdupont", GOOD)


def test_default_parameters_and_hashes_made_before_them_open_the_mailbox(dovecot: Dovecot, tmp_path):
    """The production argon2id parameters (not the tests' fast ones), and a hash made
    with the former defaults (t=3, m=64 MiB, p=4): Dovecot verifies both, and signing
    in to Sésame remakes the old hash with the current parameters, which still opens
    the mailbox."""
    from argon2 import PasswordHasher
    from starlette.testclient import TestClient
    from support.web import STAFF_CSV

    from pwa.app import create_app
    from pwa.importer import import_staff, parse_staff_csv
    from pwa.security.passwords import PasswordHashing

    port = dovecot.imap_port
    app = create_app(make_settings(tmp_path, **dovecot.store), hashing=PasswordHashing())
    s = app.state.sesame
    import_staff(parse_staff_csv(STAFF_CSV.encode()).rows, store=s.store, directory=s.directory, keys=s.keys)
    jean, jeanne = s.directory.by_login("jdupont"), s.directory.by_login("jdupont1")
    s.directory.set_password_hash(jean.id, s.hashing.hash(GOOD))
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(OTHER_GOOD)
    s.directory.set_password_hash(jeanne.id, old)
    assert s.directory.get(jean.id).password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    dovecot.start()
    assert imap_login(port, "jdupont", GOOD)
    assert imap_login(port, "jdupont1", OTHER_GOOD)
    with TestClient(app, base_url="https://testserver") as client:
        page = login(client, "jdupont1", OTHER_GOOD)
        assert "Mon compte" in page.h1 or page.response.url.path == "/compte", page.errors
        remade = s.directory.get(jeanne.id).password_hash  # before the app's shutdown closes its store
    assert remade != old and remade.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert imap_login(port, "jdupont1", OTHER_GOOD)
    assert not imap_login(port, "jdupont1", GOOD)
