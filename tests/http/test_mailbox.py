"""Mon compte against a real Dovecot on loopback (tests/dovecot.py): "Tester ma
connexion" logs in over IMAP with TLS verified against a throw-away CA, and the
out-of-office message is uploaded, read back and switched off over ManageSieve
(STARTTLS), always as the user, next to a script the user already had."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient
from support.dovecot import Dovecot, free_port
from support.journeys import GOOD, login, set_password_with_numen
from support.web import JEAN, STAFF_CSV, Page, fast_hashing, get, make_settings, submit

from pwa.services.absence import SCRIPT_NAME
from pwa.store import PARIS


def paris_today() -> dt.date:
    """Today in Paris by the wall clock: these tests run on the real clock."""
    return dt.datetime.now(PARIS).date()


pytestmark = pytest.mark.dovecot

WRONG = "Pas-Le-Bon-Mot-De-Passe-42"
OWN_SCRIPT = 'require "fileinto";\nif header :contains "subject" "[conseil]" {\n  fileinto "INBOX";\n}\n'
HOSTILE = 'Bonjour,\n.\nJe suis absent "jusqu\'au 3" \\ retour 😀\n\r\n.\r\nfin ; discard ;'


@dataclass
class Signed:
    client: TestClient
    app: object

    @property
    def sesame(self):
        return self.app.state.sesame


def signed_in(tmp_path, dovecot: Dovecot, **overrides) -> Iterator[Signed]:
    from pwa.app import create_app
    from pwa.importer import import_staff, parse_staff_csv

    settings = make_settings(tmp_path, **{**dovecot.store, **dovecot.settings, **overrides})
    app = create_app(settings, hashing=fast_hashing())
    s = app.state.sesame
    import_staff(parse_staff_csv(STAFF_CSV.encode()).rows, store=s.store, directory=s.directory, keys=s.keys)
    dovecot.start()
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        set_password_with_numen(client, JEAN, GOOD)
        login(client, JEAN.identifiant, GOOD)
        yield Signed(client, app)


@pytest.fixture
def jean(tmp_path, dovecot) -> Iterator[Signed]:
    yield from signed_in(tmp_path, dovecot)


def check_connection(client: TestClient, password: str) -> Page:
    return submit(client, get(client, "/compte/connexion-test"), "/compte/connexion-test", password=password)


def diagnosis(page: Page) -> str:
    node = page.soup.find(id="diagnostic")
    return node.get_text(" ", strip=True) if node else ""


def audit_rows(s, event: str) -> list[dict]:
    return s.store.query("select * from audit where event = ? order by id", (event,))


# -- Tester ma connexion ---------------------------------------------------------------------


def test_connection_test_opens_the_mailbox_and_diagnoses_a_wrong_password(jean: Signed):
    client, s = jean.client, jean.sesame
    form = get(client, "/compte/connexion-test")
    assert form.h1 == "Tester ma connexion"

    ok = submit(client, form, "/compte/connexion-test", password=GOOD)
    assert ok.status == 200
    assert "Ça marche : votre boîte aux lettres s'ouvre" in diagnosis(ok)
    assert "Elle contient 0 message" in diagnosis(ok)

    wrong = submit(client, form, "/compte/connexion-test", password=WRONG)
    assert wrong.status == 422
    assert (
        wrong.field_error("password")
        == "Ce n'est pas votre mot de passe. C'est celui que vous avez choisi dans Sésame."
    )
    assert not diagnosis(wrong)
    # Counted like any password check, for the account; nothing secret in the audit trail.
    account = s.directory.by_login(JEAN.identifiant)
    assert s.store.one("select count(*) as n from failures where subject = ?", (f"account:{account.id}",))["n"] == 1
    outcomes = [json.loads(r["details"])["outcome"] for r in audit_rows(s, "mailbox.tested")]
    assert outcomes == ["ok", "wrong_password"]
    dump = json.dumps(s.store.query("select * from audit"), ensure_ascii=False)
    assert GOOD not in dump and WRONG not in dump

    empty = submit(client, form, "/compte/connexion-test", password="")
    assert empty.status == 422 and "Tapez votre mot de passe" in empty.errors[0]


def test_connection_test_after_too_many_failures_is_paused(jean: Signed):
    client = jean.client
    form = get(client, "/compte/connexion-test")
    for _ in range(5):
        assert submit(client, form, "/compte/connexion-test", password=WRONG).status == 422
    blocked = submit(client, form, "/compte/connexion-test", password=GOOD)
    assert blocked.status == 429
    assert "Trop d'essais" in blocked.field_error("password")
    assert not diagnosis(blocked), "the mail server is not even tried"


def test_connection_test_account_refused_by_the_mail_server(jean: Signed, dovecot: Dovecot):
    dovecot.deny(JEAN.identifiant)
    page = check_connection(jean.client, GOOD)
    assert page.status == 200
    assert "Le serveur de messagerie refuse la connexion" in diagnosis(page)
    assert "Votre mot de passe est bon" in diagnosis(page)


def test_connection_test_closed_port(tmp_path, dovecot: Dovecot):
    for signed in signed_in(tmp_path, dovecot, imap_port=free_port()):
        page = check_connection(signed.client, GOOD)
        assert page.status == 200
        assert "Le serveur de messagerie est injoignable" in diagnosis(page)


def test_connection_test_untrusted_certificate(tmp_path, dovecot: Dovecot):
    for signed in signed_in(tmp_path, dovecot, mail_ca_file=""):
        page = check_connection(signed.client, GOOD)
        assert "La connexion sécurisée a échoué" in diagnosis(page)


# -- Message d'absence ---------------------------------------------------------------------


def sieve_as_jean(s):
    """The test's own ManageSieve session as Jean (the same client code, not the app)."""
    return s.mail.sieve(JEAN.identifiant, GOOD)


def absence_fields(**changes: str) -> dict[str, str]:
    today = paris_today()
    return {
        "debut": today.isoformat(),
        "fin": (today + dt.timedelta(days=14)).isoformat(),
        "objet": 'Absent jusqu\'au retour "des" vacances',
        "message": HOSTILE,
        "message_exterieur": "",
        "frequence": "3",
        **changes,
    }


def form_text(page: Page, name: str) -> str:
    node = page.soup.find(attrs={"name": name})
    return node.get_text() if node.name == "textarea" else node.get("value", "")


def test_out_of_office_uploaded_as_the_user_next_to_their_own_script(jean: Signed):
    client, s = jean.client, jean.sesame
    with sieve_as_jean(s) as sieve:  # the user's own filters, set up elsewhere (webmail)
        sieve.put("mes-filtres", OWN_SCRIPT)
        sieve.activate("mes-filtres")

    page = get(client, "/compte/absence")
    assert page.h1 == "Message d'absence"
    assert "Sésame ne garde pas de copie" in page.text()
    # Wrong password: refused before the mail server, fields kept.
    wrong = submit(client, page, "/compte/absence", action="save", password=WRONG, **absence_fields())
    assert wrong.status == 422
    assert wrong.field_error("password").startswith("Ce n'est pas votre mot de passe")
    assert form_text(wrong, "objet") == absence_fields()["objet"]
    with sieve_as_jean(s) as sieve:
        assert sieve.scripts()[0] == "mes-filtres"

    done = submit(client, page, "/compte/absence", action="save", password=GOOD, **absence_fields())
    assert done.status == 200
    end = (paris_today() + dt.timedelta(days=14)).strftime("%d/%m/%Y")
    assert f"est enregistré sur le serveur de messagerie, du {paris_today():%d/%m/%Y} au {end}" in done.text()
    assert f"Actif : la réponse automatique part jusqu'au {end} inclus" in done.text()

    with sieve_as_jean(s) as sieve:
        active, names = sieve.scripts()
        assert active == SCRIPT_NAME
        assert "mes-filtres" in names
        script = sieve.get(SCRIPT_NAME)
        assert sieve.get("mes-filtres").strip() == OWN_SCRIPT.strip(), "the user's script is untouched"
    assert script.rstrip().endswith('include :personal "mes-filtres";')
    assert ":days 3" in script

    # Read back from the server: the form shows exactly what was typed, hostile text included.
    check = submit(
        client,
        get(client, "/compte/absence"),
        "/compte/absence/etat",
        action="check",
        status_password=GOOD,
    )
    assert check.status == 200
    assert form_text(check, "message") == HOSTILE.replace("\r\n", "\n")
    assert form_text(check, "objet") == absence_fields()["objet"]
    assert form_text(check, "frequence") == "3"

    # Saved again with an outside message: still one include of the user's script, not of itself.
    again = submit(
        client,
        check,
        "/compte/absence",
        action="save",
        password=GOOD,
        **absence_fields(
            message="Collègues : voyez Mme Roux.",
            message_exterieur="Merci, je réponds à mon retour.",
        ),
    )
    assert again.status == 200
    with sieve_as_jean(s) as sieve:
        script = sieve.get(SCRIPT_NAME)
    assert script.count("include :personal") == 1 and 'include :personal "mes-filtres";' in script
    assert 'envelope :domain :is "from" "ac-aix-marseille.fr"' in script

    # Switched off: the user's own script is active again, Sésame's is gone.
    stop = submit(
        client,
        get(client, "/compte/absence"),
        "/compte/absence/etat",
        action="stop",
        status_password=GOOD,
    )
    assert stop.status == 200
    assert "Votre message d'absence est arrêté" in stop.text()
    assert "« mes-filtres »" in stop.text()
    assert "Aucun message d'absence" in stop.text()
    with sieve_as_jean(s) as sieve:
        active, names = sieve.scripts()
    assert active == "mes-filtres" and SCRIPT_NAME not in names
    events = [r["event"] for r in s.store.query("select event from audit where event like 'absence.%' order by id")]
    assert events == ["absence.enabled", "absence.enabled", "absence.disabled"]


def test_out_of_office_without_a_previous_script_and_bad_input(jean: Signed):
    client, s = jean.client, jean.sesame
    page = get(client, "/compte/absence")
    today = paris_today()
    bad = submit(
        client,
        page,
        "/compte/absence",
        action="save",
        password=GOOD,
        **absence_fields(
            fin=(today - dt.timedelta(days=1)).isoformat(),
            debut=(today + dt.timedelta(days=2)).isoformat(),
        ),
    )
    assert bad.status == 422
    assert bad.field_error("fin") == "Le dernier jour doit être le même jour que le premier, ou après."
    assert form_text(bad, "message").replace("\r\n", "\n") == HOSTILE.replace("\r\n", "\n"), "kept as typed"
    with sieve_as_jean(s) as sieve:
        assert sieve.scripts() == (None, []), "nothing reached the server"

    done = submit(client, page, "/compte/absence", action="save", password=GOOD, **absence_fields())
    assert done.status == 200
    with sieve_as_jean(s) as sieve:
        assert sieve.scripts()[0] == SCRIPT_NAME
        assert "include" not in sieve.get(SCRIPT_NAME)
    stop = submit(
        client,
        get(client, "/compte/absence"),
        "/compte/absence/etat",
        action="stop",
        status_password=GOOD,
    )
    assert "Votre message d'absence est arrêté." in stop.text()
    with sieve_as_jean(s) as sieve:
        assert sieve.scripts() == (None, [])


def test_out_of_office_as_the_user_only(jean: Signed, dovecot: Dovecot):
    """Sésame holds no mail-server credential of its own: a refused user cannot write."""
    dovecot.deny(JEAN.identifiant)
    page = submit(
        jean.client,
        get(jean.client, "/compte/absence"),
        "/compte/absence",
        action="save",
        password=GOOD,
        **absence_fields(),
    )
    assert page.status == 422
    assert "le serveur de messagerie le refuse" in page.field_error("password")
