"""The académie's LDAP directory as Sésame's directory (issue 15), against a real slapd
(tests/slapd.py): passwords live in the directory, its password policy speaks French on
the page, locked entries are refused, the entry's entryUUID (not its DN) holds Sésame's
data, and a directory that is down or hangs gives the French 503 page with nothing
written."""

from __future__ import annotations

import time

import ldap3
import pytest
from support.journeys import GOOD, OTHER_GOOD, login, reset_to_choose, set_password_with_numen
from support.slapd import MIN_LENGTH
from support.web import JEAN, Person, get, submit

from pwa.ldap_directory import PASSWORD_SET

SHORT_FOR_THE_DIRECTORY = "k8#Vq2!rTz9@L"  # Sésame's policy accepts it; the directory wants 14


@pytest.fixture
def backend() -> str:
    return "ldap"


def dn(ldap_base: str, uid: str = "jdupont") -> str:
    return f"uid={uid},{ldap_base}"


def events(sesame, account_id: int) -> list[str]:
    return [e["event"] for e in sesame.audit.for_account(account_id, limit=50)]


def test_the_password_goes_to_the_directory_not_to_sesame(client, sesame, people, slapd, ldap_base):
    assert len(SHORT_FOR_THE_DIRECTORY) < MIN_LENGTH <= len(OTHER_GOOD)
    page = set_password_with_numen(client, JEAN, GOOD)
    assert page.status == 200, page.errors
    entry = slapd.entry(dn(ldap_base), "userPassword", "pwdChangedTime")
    assert entry["userPassword"][0].startswith(b"{ARGON2}"), "the directory hashed it with its own scheme"
    assert entry["pwdChangedTime"], "a Password Modify, which the password policy saw"
    assert slapd.binds(dn(ldap_base), GOOD)
    account = sesame.directory.by_login("jdupont")
    assert account.password_hash == PASSWORD_SET and account.activated  # a marker, never a hash
    client.cookies.clear()
    assert login(client, "jdupont", GOOD).h1 == "Mon compte"
    client.cookies.clear()
    assert login(client, JEAN.email, "Pas-Le-Bon-Mot-De-Passe-1").status == 422


def test_the_directory_policy_refusal_is_french_on_the_same_page(client, sesame, people, slapd, ldap_base):
    page = reset_to_choose(client, JEAN.identifiant, JEAN.birth, JEAN.numen)
    refused = submit(
        client, page, "/mot-de-passe/nouveau", password=SHORT_FOR_THE_DIRECTORY, confirmation=SHORT_FOR_THE_DIRECTORY
    )
    assert refused.status == 422
    assert refused.errors == ["L'annuaire de l'académie demande un mot de passe plus long. Ajoutez des caractères."]
    assert refused.soup.find("form", attrs={"action": "/mot-de-passe/nouveau"}), "the same page, to try again"
    assert not slapd.entry(dn(ldap_base), "userPassword").get("userPassword")
    account = sesame.directory.by_login("jdupont")
    assert not account.activated and "password.set" not in " ".join(events(sesame, account.id))
    # The same page takes a longer one.
    done = submit(client, refused, "/mot-de-passe/nouveau", password=GOOD, confirmation=GOOD)
    assert done.status == 200 and slapd.binds(dn(ldap_base), GOOD)


def test_a_password_in_the_directory_history_is_refused(client, people, slapd, ldap_base):
    set_password_with_numen(client, JEAN, GOOD)
    set_password_with_numen(client, JEAN, OTHER_GOOD)
    again = set_password_with_numen(client, JEAN, GOOD)
    assert again.status == 422
    assert again.errors == ["Vous avez déjà utilisé ce mot de passe. Choisissez-en un que vous n'avez jamais utilisé."]
    assert slapd.binds(dn(ldap_base), OTHER_GOOD) and not slapd.binds(dn(ldap_base), GOOD)


def test_change_password_in_my_account_goes_through_the_directory(client, people, slapd, ldap_base):
    set_password_with_numen(client, JEAN, GOOD)
    login(client, "jdupont", GOOD)
    page = get(client, "/compte/mot-de-passe")
    short = submit(
        client,
        page,
        "/compte/mot-de-passe",
        current=GOOD,
        password=SHORT_FOR_THE_DIRECTORY,
        confirmation=SHORT_FOR_THE_DIRECTORY,
    )
    assert short.status == 422 and "plus long" in short.errors[0]
    done = submit(client, short, "/compte/mot-de-passe", current=GOOD, password=OTHER_GOOD, confirmation=OTHER_GOOD)
    assert done.status == 200, done.errors
    assert slapd.binds(dn(ldap_base), OTHER_GOOD) and not slapd.binds(dn(ldap_base), GOOD)


def test_a_locked_entry_is_refused_like_a_disabled_account(client, sesame, people, slapd, ldap_base):
    set_password_with_numen(client, JEAN, GOOD)
    slapd.modify(dn(ldap_base), {"pwdAccountLockedTime": [(ldap3.MODIFY_REPLACE, ["000001010000Z"])]})
    client.cookies.clear()
    page = login(client, "jdupont", GOOD)
    assert page.status == 422, "the directory refuses the bind"
    numen = reset_to_choose(client, JEAN.identifiant, JEAN.birth, JEAN.numen)
    assert numen.status != 200 and "désactivé" in numen.text()
    assert sesame.directory.by_login("jdupont").status == "disabled"
    # The help desk's "réactiver" lifts the lock in the directory.
    sesame.directory.set_status(sesame.directory.by_login("jdupont").id, "active")
    assert (
        "pwdAccountLockedTime" not in slapd.entry(dn(ldap_base), "pwdAccountLockedTime")
        or not slapd.entry(dn(ldap_base), "pwdAccountLockedTime")["pwdAccountLockedTime"]
    )
    assert login(client, "jdupont", GOOD).h1 == "Mon compte"


def test_disabling_in_sesame_locks_the_entry(sesame, people, slapd, ldap_base):
    account = sesame.directory.by_login("jdupont")
    sesame.directory.set_status(account.id, "disabled")
    assert slapd.entry(dn(ldap_base), "pwdAccountLockedTime")["pwdAccountLockedTime"]
    assert sesame.directory.get(account.id).status == "disabled"


def test_sesame_data_follows_the_entry_uuid_through_a_rename(client, sesame, people, slapd, ldap_base):
    before = sesame.directory.by_login("jdupont")
    conn = slapd.admin()
    assert conn.modify_dn(dn(ldap_base), "uid=jean.dupont"), conn.result
    conn.unbind()
    assert sesame.directory.by_login("jdupont") is None
    after = sesame.directory.by_login("jean.dupont")
    assert after.id == before.id and after.numen_digest == before.numen_digest
    page = set_password_with_numen(client, Person("jean.dupont", JEAN.email, JEAN.birth, JEAN.numen), GOOD)
    assert page.status == 200 and slapd.binds(dn(ldap_base, "jean.dupont"), GOOD)


def test_directory_stopped_mid_journey_gives_the_503_page_and_writes_nothing(client, sesame, people, slapd):
    page = reset_to_choose(client, JEAN.identifiant, JEAN.birth, JEAN.numen)
    assert page.status == 200
    before = events(sesame, sesame.directory.by_login("jdupont").id)
    slapd.stop()
    try:
        down = submit(client, page, "/mot-de-passe/nouveau", password=GOOD, confirmation=GOOD)
        assert down.status == 503
        assert "l'annuaire de l'académie ne répond pas" in down.text()
        assert "Rien n'a été modifié" in down.text()
        assert down.response.headers["Retry-After"]
        signin = login(client, "jdupont", GOOD)
        assert signin.status == 503, "a sign-in is not counted as a wrong password"
    finally:
        slapd.start()
    account = sesame.directory.by_login("jdupont")
    assert events(sesame, account.id) == before and not account.activated, "nothing half-written"
    # Once it is back, the same page finishes the journey.
    again = submit(client, page, "/mot-de-passe/nouveau", password=GOOD, confirmation=GOOD)
    assert again.status == 200, again.errors


def test_a_directory_that_hangs_gives_the_503_page_in_time(client, people, slapd):
    page = submit(client, get(client, "/connexion"), "/connexion", login="jdupont", password=GOOD)
    form = get(client, "/connexion")
    slapd.freeze()
    try:
        started = time.monotonic()
        hung = submit(client, form, "/connexion", login="jdupont", password=GOOD)
        waited = time.monotonic() - started
    finally:
        slapd.thaw()
    assert hung.status == 503 and "ne répond pas" in hung.text()
    assert waited < 10, "the configured timeout (2 s), not forever"
    assert page.status == 422  # no password yet: refused, as usual


def test_a_person_the_directory_knows_but_sesame_never_imported_can_sign_in(client, sesame, slapd, ldap_base):
    slapd.add_person(
        ldap_base,
        "pmoreau",
        "paul.moreau@ac-aix-marseille.fr",
        "Paul",
        "Moreau",
        password="Un-Mot-De-Passe-Deja-Dans-L-Annuaire",
    )
    page = login(client, "paul.moreau@ac-aix-marseille.fr", "Un-Mot-De-Passe-Deja-Dans-L-Annuaire")
    assert page.h1 == "Mon compte"
    account = sesame.directory.by_login("pmoreau")
    assert account.numen_digest is None and account.activated  # no NUMEN: a letter or the help desk
