"""The real mailbox with the académie's directory (issue 15): Dovecot's LDAP passdb from
docs/dovecot/dovecot-ldap.conf.ext binds as the person to the session's slapd, where
Sésame (SESAME_DIRECTORY=ldap) sets the passwords."""

from __future__ import annotations

import shutil

import pytest
from support.dovecot import Dovecot, imap_login, ldap_passdb
from support.journeys import GOOD, OTHER_GOOD, login, set_password_with_numen
from support.slapd import SERVICE_DN, SERVICE_PW, Slapd
from support.web import JEAN, get, submit

# Sésame's own rows are the same on either engine with the LDAP backend (tests/conftest.py).
pytestmark = [pytest.mark.dovecot, pytest.mark.sqlite_only]


@pytest.fixture
def backend() -> str:
    return "ldap"


@pytest.fixture
def imap(dovecot: Dovecot, slapd: Slapd, ldap_base: str) -> int:
    """Dovecot on the directory (ldaps://, the directory's CA checked); its IMAP port."""
    ca = dovecot.folder / "annuaire-ca.pem"
    shutil.copy(slapd.ca_file, ca)
    ldap_passdb(
        dovecot.folder,
        {
            "uris": slapd.ldaps_url,
            "tls_ca_cert_file": str(ca),
            "dn": SERVICE_DN,
            "dnpass": SERVICE_PW,
            "base": ldap_base,
        },
    )
    dovecot.start()
    return dovecot.imap_port


def test_the_password_chosen_in_sesame_opens_imap_and_the_old_one_does_not(imap, client, sesame, people):
    assert not imap_login(imap, "jdupont", GOOD), "no password yet: no login"
    assert set_password_with_numen(client, JEAN, GOOD).status == 200
    assert imap_login(imap, "jdupont", GOOD)
    assert imap_login(imap, JEAN.email, GOOD), "the academic address works too"
    assert not imap_login(imap, "jdupont1", GOOD), "another person's entry"
    # Changed in "Mon compte": the old one stops at once, the new one opens.
    client.cookies.clear()
    login(client, "jdupont", GOOD)
    form = get(client, "/compte/mot-de-passe")
    done = submit(client, form, "/compte/mot-de-passe", current=GOOD, password=OTHER_GOOD, confirmation=OTHER_GOOD)
    assert done.status == 200, done.errors
    assert not imap_login(imap, "jdupont", GOOD)
    assert imap_login(imap, "jdupont", OTHER_GOOD)


def test_an_account_the_help_desk_disables_no_longer_opens_imap(imap, client, sesame, people):
    set_password_with_numen(client, JEAN, GOOD)
    jean, agent = sesame.directory.by_login("jdupont"), sesame.directory.by_login("jdupont1")
    assert imap_login(imap, "jdupont", GOOD)
    sesame.helpdesk.disable(jean, agent, "Départ", "127.0.0.1")
    assert not imap_login(imap, "jdupont", GOOD), "the directory's lock refuses the bind"
    sesame.helpdesk.enable(jean, agent, "Retour", "127.0.0.1")
    assert imap_login(imap, "jdupont", GOOD)
