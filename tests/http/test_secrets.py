"""Secrets (password, NUMEN, birth date) never reach logs, URLs or the database
in clear; the audit trail is kept 12 months."""

from __future__ import annotations

import logging
import re

from support.database import dump, stored_bytes
from support.journeys import GOOD, login, retrieve, set_password_with_numen
from support.web import JEAN, date_fields, get


def test_no_secret_in_database_logs_or_urls(client, sesame, people, caplog, settings):
    caplog.set_level(logging.DEBUG)
    retrieve(client, JEAN.email, numen=JEAN.numen, **date_fields(JEAN.birth))
    set_password_with_numen(client, JEAN, GOOD)
    login(client, "jdupont", GOOD)
    client.cookies.clear()
    login(client, "jdupont", "Mauvais-Mot-De-Passe-42")
    secrets = [
        JEAN.numen,
        JEAN.numen.lower(),
        GOOD,
        "14/07/1985",
        "1985-07-14",
        "14071985",
    ]
    raw = stored_bytes(sesame.store, settings)
    logs = caplog.text
    assert "POST https://testserver/identifiant/verification" in logs
    for secret in secrets:
        assert secret.encode() not in raw, f"{secret} stored in clear"
        assert secret not in logs, f"{secret} logged or in a URL (every request URL is logged)"
    stored = sesame.store.one("select password_hash from accounts where identifiant = 'jdupont'")
    assert stored["password_hash"].startswith("$argon2id$")


def test_audit_trail_kept_twelve_months(client, sesame, people):
    set_password_with_numen(client, JEAN, GOOD)
    account = sesame.directory.by_login("jdupont")
    assert [e["event"] for e in sesame.audit.for_account(account.id)] == ["password.set"]
    now = sesame.store.now()
    sesame.store.clock = lambda: now + 364 * 86400
    sesame.maintain()
    assert len(sesame.audit.for_account(account.id)) == 1
    sesame.store.clock = lambda: now + 366 * 86400
    sesame.maintain()
    assert sesame.audit.for_account(account.id) == []


def test_account_page_shows_recent_activity(client, people):
    set_password_with_numen(client, JEAN, GOOD)
    page = login(client, "jdupont", GOOD)
    activity = [li.get_text(" ", strip=True) for li in page.soup.select(".activity li")]
    assert any("Connexion" in a for a in activity)
    assert any("Mot de passe choisi avec le NUMEN" in a for a in activity)
    assert get(client, "/compte").status == 200


def test_a_mailed_code_is_never_in_the_database_in_clear(sesame, people):
    """Queued mails are encrypted at rest (they may carry a one-time code) and
    their body is blanked once sent."""
    account = sesame.directory.by_login("jdupont")
    sesame.directory.set_backup_email(account.id, "jean.perso@exemple.fr")
    agent = sesame.directory.by_login("jdupont1")
    assert sesame.helpdesk.send_code_to_backup(sesame.directory.get(account.id), agent, "127.0.0.1")
    row = sesame.store.one("select id, to_addr, body from outbox order by id desc limit 1")
    rows = dump(sesame.store)
    (claimed,) = [r for r in sesame.outbox.claim_due() if r["id"] == row["id"]]
    code = re.search(r"\b[A-Z2-9]{8}\b", claimed["body"]).group(0)
    assert sesame.codes.check(account.id, "helpdesk", code, consume=False).value == "ok"
    assert code not in rows and "assistance" not in row["body"]
    sesame.outbox.mark_sent(row["id"])
    assert sesame.store.one("select body from outbox where id = ?", (row["id"],))["body"] == ""
