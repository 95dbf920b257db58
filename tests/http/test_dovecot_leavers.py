"""Staff who leave, seen from the real mailbox (issue 15), on both directories: Dovecot on
Sésame's database (SQLite) or on the académie's slapd (LDAP passdb). The grace period passing
closes IMAP to the leavers; listed again, they open it with the same password. The SQL passdb
runs on both engines (SQLite file, PostgreSQL through the read-only role)."""

from __future__ import annotations

import shutil

import pytest
from support.dovecot import Dovecot, imap_login, ldap_passdb
from support.journeys import GOOD, set_password_with_numen
from support.leavers import ANA, complete_import, school_csv, seed_school
from support.slapd import SERVICE_DN, SERVICE_PW
from support.web import JEAN, JEANNE, make_settings

from pwa.services.leavers import DAY

pytestmark = pytest.mark.dovecot


@pytest.fixture(params=["sqlite", "ldap"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def settings(tmp_path, backend, ldap_base, dovecot: Dovecot, request):
    if backend == "ldap":
        return make_settings(tmp_path, **request.getfixturevalue("slapd").settings(ldap_base))
    return make_settings(tmp_path, **dovecot.store)  # Dovecot's SQL passdb reads this database


@pytest.fixture
def imap(sesame, backend, ldap_base, dovecot: Dovecot, request) -> int:
    """Dovecot started on the backend's passdb; its IMAP port."""
    if backend == "ldap":
        slapd = request.getfixturevalue("slapd")
        ca = dovecot.folder / "annuaire-ca.pem"
        shutil.copy(slapd.ca_file, ca)
        values = {"uris": slapd.ldaps_url, "tls_ca_cert_file": str(ca), "dn": SERVICE_DN, "dnpass": SERVICE_PW}
        ldap_passdb(dovecot.folder, {**values, "base": ldap_base})
    dovecot.start()
    return dovecot.imap_port


def test_the_grace_period_closes_imap_to_leavers_and_a_return_opens_it_again(
    sesame, backend, ldap_base, request, client, clock, imap
):
    seed_school(sesame, backend, request, ldap_base)
    assert set_password_with_numen(client, ANA, GOOD).status == 200
    assert set_password_with_numen(client, JEAN, GOOD).status == 200
    assert imap_login(imap, "amartin", GOOD)

    complete_import(sesame, school_csv(JEAN.identifiant, JEANNE.identifiant))
    assert imap_login(imap, "amartin", GOOD), "leaving: the mailbox stays open during the grace period"
    clock.now += (sesame.profile.leavers_grace_days + 1) * DAY
    assert len(sesame.leavers().disable_due()) == 3
    assert not imap_login(imap, "amartin", GOOD), "left: the mail server refuses the account"
    assert imap_login(imap, "jdupont", GOOD), "listed people keep their mailbox"

    complete_import(sesame, school_csv(JEAN.identifiant, JEANNE.identifiant, ANA.identifiant))
    assert imap_login(imap, "amartin", GOOD), "listed again: restored, same password"
