"""Hostile input gets a 4xx with the page's French message, never a 500: the
reproducers an outside harness found (issue 12), kept as regression tests."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from support.web import STAFF_CSV, Page, get, submit

from pwa.parse import ascii_int

GOOD = "Calanque-Bleue-Soleil-42"


@pytest.fixture
def jean(client, sesame, people):
    account = sesame.directory.by_login("jdupont")
    sesame.directory.set_password_hash(account.id, sesame.hashing.hash(GOOD))
    page = submit(client, get(client, "/connexion"), "/connexion", login="jdupont", password=GOOD)
    assert page.h1 == "Mon compte", page.text()[:200]
    return account


def csrf_of(client) -> str:
    return get(client, "/compte").form("/deconnexion")["csrf_token"]


@pytest.mark.parametrize("token", ["é", "\u2603" * 40, "\x00"])
def test_a_non_ascii_csrf_token_is_refused_not_a_crash(client, jean, token):
    form = client.post("/compte/deconnexion-partout", data={"csrf_token": token})
    assert form.status_code == 403
    assert "expiré" in Page(form).text()
    header = client.post(
        "/compte/securite/cle/options",
        content="{}",
        headers={"X-CSRF-Token": token.encode("utf-8"), "Content-Type": "application/json"},
    )
    assert header.status_code == 403


def test_a_path_id_beyond_sqlites_range_is_not_found(client, jean):
    token = csrf_of(client)
    for path in (
        "/compte/securite/cle/9223372036854775808/renommer",
        "/compte/securite/99999999999999999999999/supprimer",
    ):
        response = client.post(path, data={"csrf_token": token, "nom": "Tel"})
        assert response.status_code == 404, path
    # The largest id that fits is an ordinary look-up of a key that is not the user's.
    fits = client.post(
        "/compte/securite/cle/999999999999999999/renommer",
        data={"csrf_token": token, "nom": "Tel"},
        follow_redirects=False,
    )
    assert 300 <= fits.status_code < 500


def test_deeply_nested_json_is_unreadable_not_a_crash(client, jean):
    headers = {"X-CSRF-Token": csrf_of(client), "Content-Type": "application/json"}
    deep = "[" * 5000 + "]" * 5000
    for path in ("/cle/options", "/cle/verifier", "/compte/securite/cle/options", "/compte/securite/cle"):
        response = client.post(path, content=deep, headers=headers)
        assert response.status_code == 400, path
        nested = client.post(path, content=json.dumps({"credential": json.loads("[" * 40 + "]" * 40)}), headers=headers)
        assert nested.status_code == 400, path


@pytest.mark.parametrize("digits", ["²", "①", "٣", "１"])
def test_unicode_digits_are_not_numbers(digits):
    assert ascii_int(digits) is None
    assert ascii_int("12") == 12
    assert ascii_int("9" * 19) is None  # beyond SQLite's integers


@pytest.mark.parametrize("digits", ["²", "①"])
def test_unicode_digits_in_a_birth_date_get_the_french_message(client, people, digits):
    page = get(client, "/mot-de-passe")
    step = submit(client, page, "/mot-de-passe", identifiant="jdupont")
    refused = submit(
        client, step, "/mot-de-passe/verification", jour=digits, mois="7", annee="1985", numen="13E24TEST0001"
    )
    assert refused.status == 422
    assert any("en chiffres" in e for e in refused.errors)


def test_a_session_deleted_while_a_request_runs_saves_nothing_and_does_not_crash(sesame, jean):
    """Logout racing a request on the same session: the late save finds no row."""
    from pwa.security.sessions import SessionStore

    store = SessionStore(sesame.store)
    raw, session = store.create(account_id=jean.id, level="password")
    store.delete(session.id_hash)
    session.data["late"] = True
    store.save_data(session)  # no exception
    assert store.load(raw) is None


def test_mail_queued_from_a_worker_thread_wakes_the_outbox_safely(sesame):
    """Mails are queued from the thread pool (a password saved): the wake-up must go
    through the worker's loop, never touch asyncio objects from another thread."""
    outbox = sesame.outbox

    async def scenario() -> bool:
        outbox.wakeup.clear()
        outbox.bind(asyncio.get_running_loop())
        waiter = asyncio.ensure_future(outbox.wakeup.wait())
        thread = threading.Thread(target=outbox.enqueue, args=("a@example.org", "Sujet", "Corps"))
        thread.start()
        await asyncio.to_thread(thread.join)
        await asyncio.wait_for(waiter, timeout=2)
        return outbox.wakeup.is_set()

    # In a thread of its own: the browser tests' sync API keeps a loop running in this one.
    woken: list[bool] = []
    runner = threading.Thread(target=lambda: woken.append(asyncio.run(scenario())))
    runner.start()
    runner.join(10)
    assert woken == [True]
    # Queued with no worker loop at all (the CLI): no error, the row waits in the table.
    outbox.bind(None)  # type: ignore[arg-type]
    outbox.enqueue("b@example.org", "Sujet", "Corps")
    assert sesame.store.one("select count(*) as n from outbox")["n"] == 2


@pytest.mark.parametrize("digits", ["²", "①", "7²"])
def test_out_of_office_frequency_in_unicode_digits_is_a_field_error(digits):
    import datetime as dt

    from pwa.services.absence import read_form

    today = dt.date(2026, 12, 1)
    absence, errors = read_form(
        {
            "debut": "2026-12-02",
            "fin": "2026-12-10",
            "objet": "Absente",
            "message": "Je suis absente.",
            "frequence": digits,
        },
        today,
    )
    assert absence is None and "frequence" in errors


STAFF_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def agent(client, sesame, people, clock):
    import pyotp

    agent = sesame.directory.by_login("jdupont1")
    sesame.directory.set_password_hash(agent.id, sesame.hashing.hash(GOOD))
    sesame.roles.grant(agent.id, "admin", None, by="test")
    sesame.authenticators.add_totp(agent.id, STAFF_KEY, 0)
    page = submit(client, get(client, "/connexion"), "/connexion", login="jdupont1", password=GOOD)
    clock.now += 30
    page = submit(client, page, "/connexion/verification", methode="totp", code=pyotp.TOTP(STAFF_KEY).at(clock.now))
    assert page.h1 == "Mon compte", page.text()[:200]
    return agent


@pytest.mark.parametrize("digits", ["²", "①", "9" * 30])
def test_staff_pages_read_unicode_or_huge_numbers_as_no_number(client, agent, digits):
    search = client.get(f"/gestion/recherche?q=dupont&page={digits}")
    assert search.status_code == 200
    for url in (f"/gestion/compte?compte={digits}", f"/gestion/compte/journal?compte={digits}"):
        assert client.get(url).status_code == 404, url
    token = csrf_of(client)
    letters = client.post(
        "/gestion/lettres?uai=0130999A", data={"csrf_token": token, "lettres": "personne", "compte": digits}
    )
    assert letters.status_code == 400
    # Postal requests under review (Gestion): the request and account ids too.
    assert client.get(f"/gestion/courrier?demande={digits}").status_code == 404
    attach = client.post("/gestion/courrier/rattacher", data={"csrf_token": token, "demande": digits, "compte": digits})
    assert 400 <= attach.status_code < 500
    assert "pas dans cet établissement" in Page(letters).text()


def test_password_checks_beyond_the_hashing_queue_get_a_french_503_and_count_nothing(settings, people):
    """argon2id runs behind a gate (slots + bounded queue): a burst beyond it is a
    French 503 with Retry-After, and the refused attempt is not counted as a failure."""
    from argon2 import PasswordHasher
    from starlette.testclient import TestClient

    from pwa.app import create_app
    from pwa.importer import import_staff, parse_staff_csv
    from pwa.security.passwords import PasswordHashing

    hashing = PasswordHashing(
        PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1), slots=1, queue=0, wait_seconds=0.2
    )
    app = create_app(settings, hashing=hashing)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        sesame = app.state.sesame
        import_staff(
            parse_staff_csv(STAFF_CSV.encode()).rows, store=sesame.store, directory=sesame.directory, keys=sesame.keys
        )
        page = get(client, "/connexion")
        hashing._gate.acquire()  # a hash is running and holds the only slot
        try:
            busy = submit(client, page, "/connexion", login="jdupont", password="Mauvais-mot-de-passe-1")
        finally:
            hashing._gate.release()
        assert busy.status == 503
        assert busy.response.headers["Retry-After"] == "5"
        assert "Réessayez dans un instant" in busy.h1
        assert sesame.store.one("select count(*) as n from failures")["n"] == 0
        assert hashing.memory_bound_kib == 8192


def test_an_otp_code_posted_without_the_enrolment_page_gets_a_new_key_not_a_crash(client, jean):
    """POST /compte/securite/otp with no key waiting in the session (another tab, the
    page never opened): a 422 with a fresh key to scan and a French message."""
    refused = client.post("/compte/securite/otp", data={"csrf_token": csrf_of(client), "code": "123456"})
    assert refused.status_code == 422
    page = Page(refused)
    assert "nouvelle clé" in page.field_error("code")
    assert page.soup.select_one("#totp-key").get_text(strip=True)


def test_password_hashes_run_on_threads_the_os_schedules_after_the_pages():
    """argon2id runs on hashing threads of its own, named for the OS and at the lowest
    CPU priority (SCHED_IDLE), so the threads that serve pages always go first."""
    import os
    from pathlib import Path

    from argon2 import PasswordHasher

    from pwa.security.passwords import PasswordHashing

    hashing = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1), slots=2)
    assert hashing.verify(hashing.hash("Garrigue-Ocre-42"), "Garrigue-Ocre-42")
    assert not hashing.verify(hashing.hash("Garrigue-Ocre-42"), "Garrigue-Ocre-43")
    tasks = [
        task
        for task in Path(f"/proc/{os.getpid()}/task").iterdir()
        if (task / "comm").read_text().strip() == "argon2id"
    ]
    assert tasks  # (other tests' instances have theirs too)
    for task in tasks:
        assert os.sched_getscheduler(int(task.name)) == os.SCHED_IDLE
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the caller's own thread is untouched
