"""The adresse de secours (issue 6): verified with a code read from the mail a
real SMTP server on loopback received, notices to both addresses, the reset
journey with it, its uniform answers, and the abuse limits."""

from __future__ import annotations

import pyotp
import pytest
from support.backup import Mailer, code_of
from support.factors import enrol_totp
from support.journeys import GOOD, OTHER_GOOD, login, normalise, set_password_with_numen
from support.web import JEAN, JEANNE, Page, date_fields, get, submit

PERSO = "jean.perso@exemple.fr"
OTHER = "jd.maison@exemple.org"
WRONG_CODE = "Ce code ne convient pas"
VOID_CODE = "Demandez un nouveau code"


@pytest.fixture
def mailer(sesame, smtp, tmp_path) -> Mailer:
    return Mailer(sesame, smtp, tmp_path)


@pytest.fixture
def jean(client, people, clock, mailer):
    set_password_with_numen(client, JEAN, GOOD)
    client.cookies.clear()
    login(client, "jdupont", GOOD)
    mailer.deliver()  # the activation notice
    return JEAN


def add_address(client, address: str) -> Page:
    page = get(client, "/compte/adresse-de-secours")
    assert page.h1 == "Adresse de secours"
    return submit(client, page, "/compte/adresse-de-secours", adresse=address)


def test_backup_address_is_verified_by_the_mailed_code(client, sesame, jean, mailer, clock):
    page = add_address(client, PERSO)
    assert page.h1 == "Vérifier l'adresse de secours"
    assert "j•••@exemple.fr" in page.text() and PERSO not in page.response.text
    mails = mailer.deliver()
    assert [m[0] for m in mails] == [[PERSO]], "the code goes to the new address only"
    code = code_of(mails[0][2])
    assert sesame.directory.get(1).backup_email is None, "not used before it is verified"
    done = submit(client, page, "/compte/adresse-de-secours/code", code=code.lower())
    assert done.h1 == "Mon compte"
    assert "j•••@exemple.fr" in done.text() and PERSO not in done.response.text
    assert sesame.directory.get(1).backup_email == PERSO
    notices = mailer.deliver()
    assert sorted(m[0][0] for m in notices) == sorted([JEAN.email, PERSO])
    assert all("Adresse de secours enregistrée" in m[1] for m in notices)

    # A change: the code goes to the new address; the notice to the academic, old and new ones.
    page = add_address(client, OTHER)
    code = mailer.code(OTHER)
    submit(client, page, "/compte/adresse-de-secours/code", code=code)
    notices = mailer.deliver()
    assert sorted(m[0][0] for m in notices) == sorted([JEAN.email, PERSO, OTHER])
    assert "j•••@exemple.fr" in notices[0][2]

    # Removal is announced to the academic address and the one removed.
    page = get(client, "/compte/adresse-de-secours")
    gone = submit(client, page, "/compte/adresse-de-secours/supprimer")
    assert gone.h1 == "Mon compte" and "Aucune" in gone.text()
    assert sesame.directory.get(1).backup_email is None
    assert sorted(m[0][0] for m in mailer.deliver()) == sorted([JEAN.email, OTHER])
    events = [e["event"] for e in sesame.audit.for_account(1, limit=20)]
    assert events.count("backup.added") == 2 and "backup.removed" in events


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Indiquez votre adresse personnelle"),
        ("jean.perso@exemple", "bonne forme"),
        ("jean perso@exemple.fr", "bonne forme"),
        ("jéan@exemple.fr", "sans accent"),
        (JEAN.email.upper(), "pas votre adresse académique"),
        ("autre.personne@ac-aix-marseille.fr", "pas votre adresse académique"),
    ],
)
def test_unsuitable_addresses_are_refused(client, sesame, jean, typed, message):
    page = add_address(client, typed)
    assert page.status == 422
    assert message in page.field_error("adresse")
    assert page.value("adresse") == typed
    assert sesame.codes.latest(1, "backup_verify") is None


def test_verification_codes_are_capped_and_resent_after_a_minute(client, sesame, jean, mailer, clock):
    page = add_address(client, PERSO)
    early = submit(client, page, "/compte/adresse-de-secours/renvoyer")
    assert early.status == 429 and "Attendez encore" in early.field_error("code")
    for _ in range(4):  # codes 2 to 5 of the day
        clock.now += 61
        page = submit(client, page, "/compte/adresse-de-secours/renvoyer")
        assert page.status == 200 and "vient d'être envoyé" in page.text()
    clock.now += 61
    sixth = submit(client, page, "/compte/adresse-de-secours/renvoyer")
    assert sixth.status == 429 and "5 codes" in sixth.field_error("code")
    assert len(mailer.deliver()) == 5
    other = add_address(client, OTHER)
    assert other.status == 429, "another address does not get more codes the same day"
    clock.now += 24 * 3600
    client.cookies.clear()
    login(client, "jdupont", GOOD)
    assert add_address(client, OTHER).h1 == "Vérifier l'adresse de secours"


def test_address_pages_need_a_recent_sign_in(client, sesame, jean, clock):
    clock.now += 11 * 60
    response = client.get("/compte/adresse-de-secours", follow_redirects=False)
    assert response.status_code == 303 and "raison=confirmer" in response.headers["location"]
    client.cookies.clear()
    response = client.get("/compte/adresse-de-secours", follow_redirects=False)
    assert response.headers["location"].startswith("/connexion")


# -- the reset ---------------------------------------------------------------------------
@pytest.fixture
def backup(sesame, people, clock):
    """Jean has a verified backup address (set directly: the journey above covers it)."""
    sesame.directory.set_backup_email(1, PERSO)
    return PERSO


def ask_code(client, login: str, birth) -> Page:
    page = get(client, "/mot-de-passe/secours")
    return submit(client, page, "/mot-de-passe/secours", identifiant=login, **date_fields(birth))


def test_reset_with_the_backup_address(app, client, sesame, backup, mailer, clock):
    from starlette.testclient import TestClient

    set_password_with_numen(client, JEAN, GOOD)
    with TestClient(app, base_url="https://testserver") as elsewhere:
        login(elsewhere, "jdupont", GOOD)
        assert get(elsewhere, "/compte").h1 == "Mon compte"
        mailer.deliver()
        client.cookies.clear()
        page = ask_code(client, JEAN.email, JEAN.birth)
        assert page.h1 == "Saisir le code reçu"
        code = mailer.code(PERSO)
        choose = submit(client, page, "/mot-de-passe/secours/code", code=f" {code[:3]} {code[3:].lower()} ")
        assert choose.h1 == "Choisissez votre mot de passe"
        done = submit(client, choose, "/mot-de-passe/nouveau", password=OTHER_GOOD, confirmation=OTHER_GOOD)
        assert "enregistré" in done.h1
        assert get(elsewhere, "/compte").h1 == "Se connecter", "every other session is revoked"
        client.cookies.clear()
        assert login(client, "jdupont", OTHER_GOOD).h1 == "Mon compte"
    notices = [m for m in mailer.deliver() if "modifié" in m[1]]
    assert sorted(m[0][0] for m in notices) == sorted([JEAN.email, PERSO])
    events = [e["event"] for e in sesame.audit.for_account(1, limit=30)]
    assert "password.reset_backup" in events and "backup.code_sent" in events


def test_the_mailed_code_is_used_up_with_the_new_password_not_before(client, sesame, backup, mailer, clock):
    """Typing the right code opens the password page but leaves the code valid: it is
    used in the same transaction as the new password, so a person whose phone dies (or
    a server that stops) between the two screens does not lose the code."""
    page = ask_code(client, "jdupont", JEAN.birth)
    choose = submit(client, page, "/mot-de-passe/secours/code", code=mailer.code(PERSO))
    assert choose.h1 == "Choisissez votre mot de passe"
    assert sesame.codes.live(1, "backup_reset") is not None, "not used up by typing it"
    done = submit(client, choose, "/mot-de-passe/nouveau", password=OTHER_GOOD, confirmation=OTHER_GOOD)
    assert "enregistré" in done.h1
    assert sesame.codes.live(1, "backup_reset") is None
    used = sesame.codes.latest(1, "backup_reset")
    assert used["used_at"] is not None
    assert "password.reset_backup" in [e["event"] for e in sesame.audit.for_account(1, limit=10)]


def test_a_code_used_meanwhile_leaves_the_password_unchanged(client, sesame, backup, mailer, clock):
    """The code was used up in between (the same code finishing in another tab): the
    password is not changed, and the page says so and offers a new code."""
    set_password_with_numen(client, JEAN, GOOD)
    client.cookies.clear()
    page = ask_code(client, "jdupont", JEAN.birth)
    choose = submit(client, page, "/mot-de-passe/secours/code", code=mailer.code(PERSO))
    sesame.codes.use(sesame.codes.live(1, "backup_reset")["id"], 1)  # the other tab won
    refused = submit(client, choose, "/mot-de-passe/nouveau", password=OTHER_GOOD, confirmation=OTHER_GOOD)
    assert refused.status == 410
    assert "n'a pas été changé" in refused.field_error("identifiant")
    assert refused.h1 == "Recevoir un code à mon adresse de secours"
    client.cookies.clear()
    assert login(client, "jdupont", GOOD).h1 == "Mon compte"


def test_reset_asks_for_the_second_factor(client, sesame, backup, mailer, clock):
    set_password_with_numen(client, JEAN, GOOD)
    client.cookies.clear()
    login(client, "jdupont", GOOD)
    secret, _ = enrol_totp(client, clock)
    client.cookies.clear()
    page = ask_code(client, "jdupont", JEAN.birth)
    factor = submit(client, page, "/mot-de-passe/secours/code", code=mailer.code(PERSO))
    assert factor.h1 == "Confirmez avec votre deuxième protection"
    assert get(client, "/mot-de-passe/nouveau").h1 == "Confirmez avec votre deuxième protection"
    clock.now += 30
    choose = submit(
        client,
        factor,
        "/mot-de-passe/facteur",
        methode="totp",
        code=pyotp.TOTP(secret).at(clock.now),
    )
    assert choose.h1 == "Choisissez votre mot de passe"


def session_keys(sesame) -> list[set[str]]:
    import json

    return [set(json.loads(r["data"] or "{}")) for r in sesame.store.query("select data from sessions")]


def test_known_and_unknown_details_get_identical_answers(client, sesame, backup, mailer, clock):
    answers, keys = [], []
    cases = [
        ("jdupont", JEAN.birth),  # known, with a backup address: a code is sent
        ("jdupont", JEANNE.birth),  # known, wrong birth date
        ("jdupont1", JEANNE.birth),  # known, no backup address
        ("personne", JEAN.birth),  # unknown
    ]
    for login_name, birth in cases:
        client.cookies.clear()
        with sesame.store.write() as db:
            db.execute("delete from sessions")
        code_page = ask_code(client, login_name, birth)
        wrong = submit(client, code_page, "/mot-de-passe/secours/code", code="ZZZZZZ")
        answers.append(
            (
                code_page.status,
                normalise(code_page.response.text),
                wrong.status,
                normalise(wrong.response.text),
            )
        )
        keys.append(session_keys(sesame)[-1])
    assert all(a == answers[0] for a in answers), "the pages differ"
    assert answers[0][0] == 200 and answers[0][2] == 422 and WRONG_CODE in answers[0][3]
    assert all(k == keys[0] for k in keys), keys
    assert [m[0] for m in mailer.deliver()] == [[PERSO]], "only the real match gets a mail"


def test_sixth_code_is_refused_and_five_wrong_void_the_code(client, sesame, backup, mailer, clock):
    page = ask_code(client, "jdupont", JEAN.birth)
    code = mailer.code(PERSO)
    for attempt in range(1, 6):
        page = submit(client, page, "/mot-de-passe/secours/code", code="ZZZZZ" + str(attempt + 1))
        expected = VOID_CODE if attempt == 5 else WRONG_CODE
        assert page.status == 422 and expected in page.field_error("code"), attempt
    sixth = submit(client, page, "/mot-de-passe/secours/code", code=code)
    assert sixth.status == 422 and VOID_CODE in sixth.field_error("code")
    # A new code works (after the minute), the void one still does not.
    clock.now += 61
    resent = submit(client, sixth, "/mot-de-passe/secours/renvoyer")
    new_code = mailer.code(PERSO)
    assert new_code != code
    assert submit(client, resent, "/mot-de-passe/secours/code", code=new_code).h1 == "Choisissez votre mot de passe"


def test_expired_code_is_refused(client, sesame, backup, mailer, clock):
    page = ask_code(client, "jdupont", JEAN.birth)
    code = mailer.code(PERSO)
    clock.now += 10 * 60 + 1
    late = submit(client, page, "/mot-de-passe/secours/code", code=code)
    assert late.status == 422 and "expiré" in late.field_error("code")
    assert sesame.codes.live(1, "backup_reset") is None


def test_every_code_works_once(client, sesame, backup, mailer, clock):
    page = ask_code(client, "jdupont", JEAN.birth)
    code = mailer.code(PERSO)
    assert submit(client, page, "/mot-de-passe/secours/code", code=code).h1 == "Choisissez votre mot de passe"
    client.cookies.clear()
    again = ask_code(client, "jdupont", JEAN.birth)
    mailer.deliver()
    replay = submit(client, again, "/mot-de-passe/secours/code", code=code)
    assert replay.status == 422 and WRONG_CODE in replay.field_error("code")


def test_resend_flood_is_capped(client, sesame, backup, mailer, clock):
    page = ask_code(client, "jdupont", JEAN.birth)
    early = submit(client, page, "/mot-de-passe/secours/renvoyer")
    assert early.status == 429 and "Attendez encore" in early.field_error("code")
    for _ in range(4):
        clock.now += 61
        page = submit(client, page, "/mot-de-passe/secours/renvoyer")
        assert page.status == 200 and "vient d'y être envoyé" in page.text()
    clock.now += 61
    capped = submit(client, page, "/mot-de-passe/secours/renvoyer")
    assert capped.status == 429 and "Trop de codes" in capped.field_error("code")
    assert len([m for m in mailer.deliver() if m[0] == [PERSO]]) == 5
    # Starting over does not get around the cap; an unknown login is capped the same way.
    client.cookies.clear()
    assert ask_code(client, "jdupont", JEAN.birth).status == 429
    for _ in range(5):
        client.cookies.clear()
        ask_code(client, "personne", JEAN.birth)
    client.cookies.clear()
    unknown = ask_code(client, "personne", JEAN.birth)
    assert unknown.status == 429 and "Trop de codes" in unknown.field_error("identifiant")


def test_one_client_is_throttled_across_accounts(client, sesame, people, clock):
    statuses = []
    for n in range(21):
        client.cookies.clear()
        statuses.append(ask_code(client, f"inconnu{n}", JEAN.birth).status)
    assert statuses[:20] == [200] * 20 and statuses[20] == 429


def test_wrong_birth_dates_are_throttled_like_the_numen(client, sesame, backup, mailer, clock):
    for _ in range(5):
        client.cookies.clear()
        clock.now += 1
        assert ask_code(client, "jdupont", JEANNE.birth).h1 == "Saisir le code reçu"
    client.cookies.clear()
    page = ask_code(client, "jdupont", JEAN.birth)
    assert page.status == 429
    assert mailer.deliver() == []
    # The failures count against the account, in the budget the NUMEN path shares.
    failures = sesame.store.query("select client, kind from failures where subject = 'account:1'")
    assert [f["kind"] for f in failures] == ["birth"] * 5
    assert not sesame.throttle.check("account:1", failures[0]["client"]).allowed
    numen = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant="jdupont")
    numen = submit(client, numen, "/mot-de-passe/verification", numen=JEAN.numen, **date_fields(JEAN.birth))
    assert numen.status == 429


def test_code_screen_without_a_request_goes_back_to_the_start(client):
    assert get(client, "/mot-de-passe/secours/code").h1 == "Recevoir un code à mon adresse de secours"
    page = get(client, "/mot-de-passe/secours")
    bad = submit(client, page, "/mot-de-passe/secours", identifiant="", jour="31", mois="2", annee="1985")
    assert bad.status == 422 and len(bad.errors) == 2 and bad.value("jour") == "31"


def test_journey_is_linked_where_a_forgotten_password_is_offered(client):
    for path in ("/depannage", "/connexion", "/mot-de-passe"):
        links = {a["href"] for a in get(client, path).soup.select("main a")}
        assert "/mot-de-passe/secours" in links, path
    # The home page leads to M'auto dépanner, which offers every way without the NUMEN.
    assert "/depannage" in {a["href"] for a in get(client, "/").soup.select("main a")}
    ways = {a["href"] for a in get(client, "/depannage").soup.select("main a")}
    assert {"/mot-de-passe/secours", "/activation", "/courrier"} <= ways
