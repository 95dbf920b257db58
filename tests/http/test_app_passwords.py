"""App passwords over HTTP (issue 16): create (value shown once), list, revoke one or
all, the recent sign-in rule, the caps, the owner's mails and audit, bad input, and the
auth policy report that records last use."""

from __future__ import annotations

import re
import shutil

import pytest
from support.app_passwords import PAGE, create, required_profile, shown_value
from support.journeys import GOOD, login, set_password_with_numen
from support.web import JEAN, JEANNE, get, make_settings, submit

from pwa.services.app_passwords import MAX_ACTIVE

VALUE = re.compile(r"^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){4}$")


@pytest.fixture
def jean(client, people, clock):
    set_password_with_numen(client, JEAN, GOOD)
    client.cookies.clear()
    return login(client, "jdupont", GOOD)


def subjects(sesame) -> list[str]:
    return [r["subject"] for r in sesame.store.query("select subject from outbox order by id")]


def test_create_shows_the_value_once_then_lists_and_revokes(client, sesame, jean, clock):
    assert get(client, "/compte").soup.find("a", href=PAGE), "Mon compte links to the page"
    done = create(client, expiry="30")
    assert done.status == 200 and done.h1 == "Votre mot de passe d'application"
    value = shown_value(done)
    assert VALUE.match(value), value
    assert done.soup.find("button", attrs={"data-copy": "app-password-value"})
    assert done.soup.find("a", href="/telephone"), "the phone set-up page one tap away"
    # Stored only as an argon2id hash of the whole value, which verifies.
    row = sesame.store.one("select * from app_passwords")
    assert value not in str(row) and row["password_hash"].startswith("$argon2id$")
    assert sesame.hashing.verify(row["password_hash"], value)
    assert row["public_id"] == value[:4] and row["expires_at"] == pytest.approx(clock.now + 30 * 86400)
    # The list: name, scope, dates; never the value again.
    listing = get(client, PAGE)
    assert value not in listing.response.text
    item = listing.soup.select_one(".app-password-list li")
    text = item.get_text(" ", strip=True)
    assert "Téléphone de Nadia" in text and "Recevoir et envoyer des courriels" in text and "jamais" in text
    assert "[Sésame" not in "".join(subjects(sesame))
    assert any("mot de passe d'application a été créé" in s for s in subjects(sesame))
    events = [r["event"] for r in sesame.audit.for_account(sesame.directory.by_login("jdupont").id)]
    assert "app_password.created" in events
    # Revoke it.
    revoked = submit(client, listing, item.find("form")["action"])
    assert "révoqué" in revoked.text() and not revoked.soup.select(".app-password-list li")
    assert sesame.store.one("select revoked_at from app_passwords")["revoked_at"] == clock.now
    assert any("révoqué" in s for s in subjects(sesame))
    assert "app_password.revoked" in [
        r["event"] for r in sesame.audit.for_account(sesame.directory.by_login("jdupont").id)
    ]


def test_revoke_all_and_another_accounts_id_is_left_alone(client, sesame, jean, people):
    for name in ("Téléphone", "Tablette"):
        create(client, name=name)
    jeanne = sesame.directory.by_login("jdupont1")
    sesame.app_passwords.create(jeanne, name="Autre", scope="mail", days=None, client="192.0.2.9")
    theirs = sesame.store.one("select id from app_passwords where name = 'Autre'")["id"]
    page = get(client, PAGE)
    # Posting another account's id changes nothing.
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    assert (
        client.post(f"{PAGE}/{theirs}/revoquer", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    )
    assert sesame.store.one("select revoked_at from app_passwords where id = ?", (theirs,))["revoked_at"] is None
    done = submit(client, get(client, PAGE), f"{PAGE}/revoquer-tout")
    assert "Tous vos mots de passe d'application sont révoqués" in done.text()
    left = sesame.store.query("select name from app_passwords where revoked_at is null")
    assert [r["name"] for r in left] == ["Autre"]


def test_bad_input_is_explained_and_kept(client, sesame, jean):
    page = create(client, name="", scope="sieve", expiry="90")
    assert page.status == 422 and page.errors[0].startswith("Donnez un nom")
    assert page.soup.find("input", attrs={"name": "scope", "value": "sieve"}).has_attr("checked")
    assert page.soup.find("option", attrs={"value": "90"}).has_attr("selected")
    page = create(client, name="x" * 41, scope="imap", expiry="7", page=page)
    assert page.status == 422 and len(page.errors) == 3
    assert page.value("name") == "x" * 41
    assert {a["href"] for a in page.soup.select(".error-summary a")} == {"#name", "#scope", "#expiry"}
    assert all(page.soup.find(id=target[1:]) for target in ("#name", "#scope", "#expiry"))
    assert sesame.store.one("select count(*) as n from app_passwords")["n"] == 0


def test_creating_and_revoking_need_a_recent_sign_in(client, sesame, jean, clock):
    create(client, name="Ancien")
    clock.now += 11 * 60
    page = get(client, PAGE)
    assert not page.soup.find("form", attrs={"action": PAGE}), "no form on a stale session"
    assert page.soup.find("a", href=re.compile(r"raison=confirmer"))
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(
        PAGE, data={"csrf_token": token, "name": "X", "scope": "mail", "expiry": ""}, follow_redirects=False
    )
    assert response.status_code == 303 and "raison=confirmer" in response.headers["location"]
    assert "/compte/mots-de-passe-application" in response.headers["location"], "back to this page after"
    assert sesame.store.one("select count(*) as n from app_passwords")["n"] == 1
    # Signing in again brings the form back.
    client.cookies.clear()
    login(client, "jdupont", GOOD)
    assert get(client, PAGE).soup.find("form", attrs={"action": PAGE})


def test_the_number_of_app_passwords_is_capped(client, sesame, jean):
    for i in range(MAX_ACTIVE):
        assert create(client, name=f"Appareil {i}").status == 200
    refused = create(client, name="Un de trop")
    assert refused.status == 429 and "Révoquez-en un" in refused.errors[0]
    assert refused.value("name") == "Un de trop"


def test_profile_option_is_published_for_the_mail_server(tmp_path):
    from support.web import fast_hashing

    from pwa.app import create_app
    from pwa.services.app_passwords import ONLY_WITH_FACTOR_KEY

    app = create_app(make_settings(tmp_path), hashing=fast_hashing())
    assert app.state.sesame.store.get_meta(ONLY_WITH_FACTOR_KEY) == "0"
    app.state.sesame.store.close()
    on = create_app(make_settings(tmp_path, profile_dir=str(required_profile(tmp_path))), hashing=fast_hashing())
    assert on.state.sesame.store.get_meta(ONLY_WITH_FACTOR_KEY) == "1"
    on.state.sesame.store.close()
    shutil.rmtree(tmp_path / "profils")


TOKEN = "t" * 40


@pytest.fixture
def policy_app(tmp_path):
    from support.web import fast_hashing

    from pwa.app import create_app

    return create_app(make_settings(tmp_path, mail_policy_token=TOKEN), hashing=fast_hashing())


def test_policy_report_records_last_use_of_the_right_account(policy_app, tmp_path):
    from starlette.testclient import TestClient
    from support.web import STAFF_CSV

    from pwa.importer import import_staff, parse_staff_csv

    s = policy_app.state.sesame
    import_staff(parse_staff_csv(STAFF_CSV.encode()).rows, store=s.store, directory=s.directory, keys=s.keys)
    jean, jeanne = s.directory.by_login("jdupont"), s.directory.by_login("jdupont1")
    created = s.app_passwords.create(jean, name="Téléphone", scope="mail", days=None, client="192.0.2.1")
    app_id = str(created.app_password.id)
    report = {"login": "jdupont", "remote": "198.51.100.7", "protocol": "imap", "app": app_id, "success": True}
    url = "/dovecot/politique?command=report"
    with TestClient(policy_app, base_url="https://testserver") as client:
        assert client.post(url, json=report).status_code == 401, "no token"
        assert client.post(url, json=report, headers={"Authorization": "Bearer faux"}).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        other = client.post(url, json={**report, "login": JEANNE.identifiant}, headers=auth)
        assert other.json() == {"status": 0, "msg": ""}
        failed = client.post(url, json={**report, "success": False}, headers=auth)
        assert failed.status_code == 200
        assert s.app_passwords.for_account(jean)[0].last_used_at is None, "another account, or a failure"
        assert client.post(url, content="pas du json", headers=auth).status_code == 400
        assert client.post(url, json={**report, "login": JEAN.email}, headers=auth).status_code == 200
    used = s.app_passwords.for_account(jean)[0]
    assert used.last_used_at is not None and used.last_client == "198.51.100.7"
    assert jeanne is not None and not s.app_passwords.for_account(jeanne)
    s.store.close()


def test_create_and_revoke_commit_with_their_audit_event_and_mail_or_not_at_all(sesame, people, monkeypatch):
    jean = sesame.directory.by_login("jdupont")

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    def counts() -> tuple[int, int, int]:
        one = sesame.store.one
        return (
            one("select count(*) as n from app_passwords where revoked_at is null")["n"],
            one("select count(*) as n from audit where event like 'app_password.%'")["n"],
            one("select count(*) as n from outbox")["n"],
        )

    with monkeypatch.context() as patch:
        patch.setattr(sesame.notices, "send", broken)
        with pytest.raises(RuntimeError):
            sesame.app_passwords.create(jean, name="Téléphone", scope="mail", days=None, client="192.0.2.1")
    assert counts() == (0, 0, 0)
    made = sesame.app_passwords.create(jean, name="Téléphone", scope="mail", days=None, client="192.0.2.1")
    assert counts() == (1, 1, 1)
    with monkeypatch.context() as patch:
        patch.setattr(sesame.notices, "send", broken)
        with pytest.raises(RuntimeError):
            sesame.app_passwords.revoke(jean, made.app_password.id, "192.0.2.1")
    assert counts() == (1, 1, 1), "still usable, nothing recorded"
