"""Notices go through the outbox to a real SMTP server on loopback; a stalled
SMTP server delays no page."""

from __future__ import annotations

import socket
import threading
import time

from support.journeys import GOOD, set_password_with_numen
from support.mail import run
from support.web import JEAN, make_settings


def test_password_change_notice_reaches_the_smtp_server(tmp_path, smtp, people, client, sesame):
    sink, port = smtp
    set_password_with_numen(client, JEAN, GOOD)
    assert sesame.outbox.pending() == 1
    worker = sesame.outbox_worker()
    worker.settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")
    assert run(worker.drain_once) == 1
    assert sesame.outbox.pending() == 0
    rcpt, message = sink.messages[0]
    assert rcpt == [JEAN.email]
    assert message["Subject"] == "[Aix-Marseille] Votre compte est activé"
    body = message.get_content()
    assert "jdupont" in body and GOOD not in body and JEAN.numen not in body
    # A later reset is announced as a change, with the warning.
    set_password_with_numen(client, JEAN, "Sept-Pommes-Vertes-Au-Grenier")
    assert run(worker.drain_once) == 1
    _, changed = sink.messages[1]
    assert changed["Subject"] == "[Aix-Marseille] Votre mot de passe a été modifié"
    assert "Si ce n'est pas vous" in changed.get_content()


def test_failed_delivery_is_retried_later(tmp_path, people, client, sesame):
    set_password_with_numen(client, JEAN, GOOD)
    worker = sesame.outbox_worker()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    worker.settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", smtp_timeout=2)
    assert run(worker.drain_once) == 0
    row = sesame.store.one("select attempts, next_attempt_at, sent_at from outbox")
    assert row["attempts"] == 1 and row["sent_at"] is None and row["next_attempt_at"] > time.time()


def test_stalled_smtp_server_does_not_delay_pages(tmp_path):
    """An SMTP server that accepts connections and never answers."""
    from starlette.testclient import TestClient
    from support.web import STAFF_CSV, fast_hashing

    from pwa.app import create_app
    from pwa.importer import import_staff, parse_staff_csv

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held = []
    stop = threading.Event()

    def accept_and_hold():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                pass

    threading.Thread(target=accept_and_hold, daemon=True).start()
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=listener.getsockname()[1],
        smtp_timeout=30,
        run_outbox_worker=True,
        outbox_poll_seconds=0.1,
    )
    app = create_app(settings, hashing=fast_hashing())
    s = app.state.sesame
    import_staff(parse_staff_csv(STAFF_CSV.encode()).rows, store=s.store, directory=s.directory, keys=s.keys)
    try:
        with TestClient(app, base_url="https://testserver") as client:
            set_password_with_numen(client, JEAN, GOOD)  # enqueues a notice; the worker is stuck on it
            deadline = time.monotonic() + 5
            while not held and time.monotonic() < deadline:
                time.sleep(0.05)
            assert held, "the worker should be talking to the stalled server"
            started = time.monotonic()
            response = client.get("/connexion")
            page_time = time.monotonic() - started
            assert response.status_code == 200
            assert page_time < 2, f"a page waited {page_time:.1f}s for SMTP"
    finally:
        stop.set()
        for conn in held:
            conn.close()
        listener.close()


def test_one_unreadable_queued_mail_does_not_stop_the_others(sesame):
    sesame.outbox.enqueue("a@exemple.fr", "Sujet", "Corps A")
    sesame.outbox.enqueue("b@exemple.fr", "Sujet", "Corps B")
    with sesame.store.write() as db:  # a mail queued under a key no longer available
        db.execute("update outbox set body = 'v9$AAAA' where to_addr = 'a@exemple.fr'")
        db["outbox"].insert(
            {
                "created_at": 0,
                "to_addr": "c@exemple.fr",
                "subject": "Ancien",
                "body": "Corps en clair d'avant le chiffrement",
                "attempts": 0,
                "next_attempt_at": 0,
            }
        )
    claimed = {row["to_addr"]: row["body"] for row in sesame.outbox.claim_due()}
    assert claimed == {"b@exemple.fr": "Corps B", "c@exemple.fr": "Corps en clair d'avant le chiffrement"}
    assert sesame.outbox.claim_due() == []  # the unreadable one is given up, not retried for ever
