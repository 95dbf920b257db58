"""One transaction per state change that matters (issue 12): a failure at any step
of a password change, a factor enrolment or removal, a backup-address change or a
help-desk action leaves nothing written. Each test breaks one step (as a crash
there would) and shows what the person still has: the letter code works, the old
password opens the account, the other devices stay signed in, the factor is still
there. The kill-and-restart harness (reliability/kill.py) checks the same
invariants after real SIGKILLs."""

from __future__ import annotations

import sqlite3

import pytest
from starlette.testclient import TestClient
from support.journeys import GOOD, login
from support.web import Page, get, submit

from pwa.services.backup import CODES_PER_DAY
from pwa.services.codes import Check

OLD = "Ancien-Mot-De-Passe-Solide-42"
NEW = "Nouvelle-Phrase-Pour-La-Rentree"
TOTP_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class Injected(RuntimeError):
    """The failure a test injects at one step."""


def break_step(monkeypatch, target, name: str, only=lambda *args, **kwargs: True) -> list:
    """Make `target.name` raise (when `only` says so) and return the calls that failed."""
    original = getattr(target, name)
    failed = []

    def failing(*args, **kwargs):
        if only(*args, **kwargs):
            failed.append((args, kwargs))
            raise Injected(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, failing)
    return failed


def events(sesame, account_id: int) -> list[str]:
    return [
        r["event"]
        for r in sesame.store.query("select event from audit where account_id = ? order by id", (account_id,))
    ]


def outbox_count(sesame) -> int:
    return sesame.store.one("select count(*) as n from outbox")["n"]


# -- the password chosen with a letter or help-desk code, over HTTP ----------------------


@pytest.fixture
def jean(app, client, sesame, people):
    """Jean has a password (OLD), is signed in on another phone, has an OTP app,
    and holds a new letter."""
    account = sesame.directory.by_login("jdupont")
    sesame.directory.set_password_hash(account.id, sesame.hashing.hash(OLD))
    with TestClient(app, base_url="https://testserver") as phone:
        assert login(phone, "jdupont", OLD).h1 == "Mon compte"
        sesame.authenticators.add_totp(account.id, TOTP_KEY, 0)
        code = sesame.codes.issue(account.id, "letter")
        yield account, phone, code


def choose_page(client, code: str) -> Page:
    page = submit(client, get(client, "/activation?identifiant=jdupont"), "/activation", code=code)
    assert page.h1 == "Choisissez votre mot de passe", page.errors
    return page


def changed_at(sesame, account_id: int) -> float:
    return sesame.store.one("select password_changed_at from accounts where id = ?", (account_id,))[
        "password_changed_at"
    ]


def is_password(sesame, account_id: int, password: str) -> bool:
    return sesame.hashing.verify(sesame.directory.get(account_id).password_hash, password)


PASSWORD_STEPS = {
    # step: (object name on sesame, method, which calls fail)
    "the code used up": ("codes", "use", None),
    "the new hash": ("directory", "set_password_hash", None),
    "the session revocation": ("sessions", "revoke_all", None),
    "the audit event": ("audit", "record", lambda event, **kw: event.startswith("password.")),
    "the notice": ("notices", "send", lambda kind, *a, **kw: kind in ("account_activated", "password_changed")),
    "the mail in the outbox": ("outbox", "enqueue", None),
    "the factors' removal": ("authenticators", "remove_all", None),
    "the factors' audit event": ("audit", "record", lambda event, **kw: event == "factors.reset"),
}


@pytest.mark.parametrize("step", PASSWORD_STEPS)
def test_a_failure_at_any_step_of_a_letter_reset_changes_nothing(monkeypatch, client, sesame, jean, step):
    account, phone, code = jean
    page = choose_page(client, code)
    before = changed_at(sesame, account.id)
    mails = outbox_count(sesame)
    name, method, only = PASSWORD_STEPS[step]
    failed = break_step(monkeypatch, getattr(sesame, name), method, only or (lambda *a, **k: True))

    broken = client.post(
        "/mot-de-passe/nouveau",
        data={**page.form("/mot-de-passe/nouveau"), "password": NEW, "confirmation": NEW, "reset_factors": "1"},
    )
    assert failed and broken.status_code == 500

    # Nothing was written: the letter still works, the old password still opens the
    # account, the other phone is still signed in, the OTP app is still there.
    assert sesame.codes.live(account.id, "letter") is not None
    assert is_password(sesame, account.id, OLD) and not is_password(sesame, account.id, NEW)
    assert changed_at(sesame, account.id) == before
    assert get(phone, "/compte").h1 == "Mon compte"
    assert sesame.authenticators.has_factor(account.id)
    assert not {"password.set_letter", "factors.reset"} & set(events(sesame, account.id))
    assert outbox_count(sesame) == mails

    # Once the fault is gone, the same letter sets the password, all steps together.
    monkeypatch.undo()
    done = submit(client, page, "/mot-de-passe/nouveau", password=NEW, confirmation=NEW, reset_factors="1")
    assert done.status == 200, done.errors
    assert sesame.codes.live(account.id, "letter") is None
    assert is_password(sesame, account.id, NEW)
    assert get(phone, "/compte").h1 != "Mon compte"
    assert not sesame.authenticators.has_factor(account.id)
    assert {"password.set_letter", "factors.reset"} <= set(events(sesame, account.id))
    subjects = [
        r["subject"] for r in sesame.store.query("select subject from outbox where to_addr = ?", (account.email,))
    ]
    assert "[Aix-Marseille] Votre mot de passe a été modifié" in subjects


def test_a_code_used_meanwhile_sets_nothing(app, client, sesame, jean):
    account, phone, code = jean
    page = choose_page(client, code)
    sesame.codes.use(sesame.codes.live(account.id, "letter")["id"], account.id)  # another session won
    late = submit(client, page, "/mot-de-passe/nouveau", password=NEW, confirmation=NEW)
    assert late.status == 410 and "déjà servi" in late.field_error("code")
    assert is_password(sesame, account.id, OLD)
    assert get(phone, "/compte").h1 == "Mon compte"
    assert "password.set_letter" not in events(sesame, account.id)


def test_the_hash_is_computed_before_the_transaction(monkeypatch, client, sesame, jean):
    """argon2id takes a tenth of a second: meanwhile other requests can still write."""
    account, _, code = jean
    page = choose_page(client, code)
    hash_password = sesame.hashing.hash
    seen = []

    def hash_and_write_elsewhere(password):
        if sesame.store.engine == "sqlite":
            other = sqlite3.connect(sesame.store.path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")  # would fail at once if the write lock were held
                other.execute("ROLLBACK")
            finally:
                other.close()
        seen.append(sesame.store.in_transaction())
        return hash_password(password)

    monkeypatch.setattr(sesame.hashing, "hash", hash_and_write_elsewhere)
    assert submit(client, page, "/mot-de-passe/nouveau", password=NEW, confirmation=NEW).status == 200
    assert seen == [False]


def test_a_failed_password_change_keeps_the_old_password_and_the_sessions(app, monkeypatch, client, sesame, people):
    account = sesame.directory.by_login("jdupont")
    sesame.directory.set_password_hash(account.id, sesame.hashing.hash(OLD))
    with TestClient(app, base_url="https://testserver") as phone:
        login(phone, "jdupont", OLD)
        login(client, "jdupont", OLD)
        page = get(client, "/compte/mot-de-passe")
        break_step(monkeypatch, sesame.notices, "send", lambda kind, *a, **k: kind == "password_changed")
        broken = client.post(
            "/compte/mot-de-passe",
            data={**page.form("/compte/mot-de-passe"), "current": OLD, "password": NEW, "confirmation": NEW},
        )
        assert broken.status_code == 500
        assert is_password(sesame, account.id, OLD)
        assert get(phone, "/compte").h1 == "Mon compte"
        assert "password.changed" not in events(sesame, account.id)


def test_logout_everywhere_ends_nothing_when_its_notice_fails(app, monkeypatch, client, sesame, people):
    account = sesame.directory.by_login("jdupont")
    sesame.directory.set_password_hash(account.id, sesame.hashing.hash(GOOD))
    with TestClient(app, base_url="https://testserver") as phone:
        login(phone, "jdupont", GOOD)
        login(client, "jdupont", GOOD)
        page = get(client, "/compte")
        break_step(monkeypatch, sesame.outbox, "enqueue")
        broken = client.post("/compte/deconnexion-partout", data=page.form("/compte/deconnexion-partout"))
        assert broken.status_code == 500
        assert get(phone, "/compte").h1 == "Mon compte"
        assert "logout.everywhere" not in events(sesame, account.id)


# -- factors, backup address, help desk: the service calls the views make ------------------


@pytest.fixture
def jeanne(sesame, people):
    account = sesame.directory.by_login("jdupont1")
    sesame.directory.set_password_hash(account.id, sesame.hashing.hash(GOOD))
    return sesame.directory.get(account.id)


def test_an_otp_app_is_not_enrolled_when_its_notice_fails(monkeypatch, sesame, jeanne, clock):
    import pyotp

    break_step(monkeypatch, sesame.notices, "send")
    with pytest.raises(Injected):
        sesame.factors.enrol_totp(jeanne, TOTP_KEY, pyotp.TOTP(TOTP_KEY).at(clock.now), "127.0.0.1")
    assert not sesame.authenticators.has_factor(jeanne.id)
    assert "factor.added" not in events(sesame, jeanne.id)
    monkeypatch.undo()
    assert sesame.factors.enrol_totp(jeanne, TOTP_KEY, pyotp.TOTP(TOTP_KEY).at(clock.now), "127.0.0.1")
    assert sesame.authenticators.has_factor(jeanne.id) and "factor.added" in events(sesame, jeanne.id)


def test_a_factor_is_not_removed_when_its_audit_event_fails(monkeypatch, sesame, jeanne):
    sesame.authenticators.add_totp(jeanne.id, TOTP_KEY, 0)
    totp = sesame.authenticators.for_account(jeanne.id, "totp")[0]
    mails = outbox_count(sesame)
    break_step(monkeypatch, sesame.audit, "record")
    with pytest.raises(Injected):
        sesame.factors.removed(jeanne, totp, "127.0.0.1")
    assert sesame.authenticators.has_factor(jeanne.id) and outbox_count(sesame) == mails


def test_a_recovery_code_stays_unused_when_its_notice_fails(monkeypatch, sesame, jeanne):
    sesame.authenticators.add_totp(jeanne.id, TOTP_KEY, 0)
    codes = sesame.factors.new_recovery_codes(jeanne, "127.0.0.1")
    break_step(monkeypatch, sesame.notices, "send")
    with pytest.raises(Injected):
        sesame.factors.use_recovery_code(jeanne, codes[0], "127.0.0.1")
    monkeypatch.undo()
    assert sesame.factors.use_recovery_code(jeanne, codes[0], "127.0.0.1") is True
    assert events(sesame, jeanne.id).count("recovery.used") == 1


def test_a_backup_address_is_not_changed_when_its_notice_fails(monkeypatch, sesame, jeanne):
    code = sesame.codes.issue(jeanne.id, "backup_verify", target="jeanne.perso@exemple.fr")
    break_step(monkeypatch, sesame.notices, "send")
    with pytest.raises(Injected):
        sesame.backup.confirm(jeanne, code, "127.0.0.1")
    assert sesame.directory.get(jeanne.id).backup_email is None
    assert "backup.added" not in events(sesame, jeanne.id)
    monkeypatch.undo()
    # The mailed code was not used up: typed again, it works.
    assert sesame.backup.confirm(jeanne, code, "127.0.0.1") is Check.OK
    assert sesame.directory.get(jeanne.id).backup_email == "jeanne.perso@exemple.fr"


def test_a_backup_address_is_kept_when_its_removal_notice_fails(monkeypatch, sesame, jeanne):
    sesame.directory.set_backup_email(jeanne.id, "jeanne.perso@exemple.fr")
    jeanne = sesame.directory.get(jeanne.id)
    break_step(monkeypatch, sesame.audit, "record")
    with pytest.raises(Injected):
        sesame.backup.remove(jeanne, "127.0.0.1")
    assert sesame.directory.get(jeanne.id).backup_email == "jeanne.perso@exemple.fr"


def test_a_verification_code_is_not_issued_without_its_mail(monkeypatch, sesame, jeanne):
    break_step(monkeypatch, sesame.outbox, "enqueue")
    with pytest.raises(Injected):
        sesame.backup.send_verify_code(jeanne, "jeanne.perso@exemple.fr", "127.0.0.1")
    assert sesame.backup.pending(jeanne) is None
    assert sesame.backup.codes_left_today(jeanne) == CODES_PER_DAY  # the failed try did not count


def test_help_desk_actions_happen_with_their_audit_event_or_not_at_all(monkeypatch, sesame, jeanne, people):
    agent = sesame.directory.by_login("jdupont")
    sesame.sessions.create(account_id=jeanne.id, level="password")
    sesame.directory.set_backup_email(jeanne.id, "jeanne.perso@exemple.fr")
    jeanne = sesame.directory.get(jeanne.id)
    mails = outbox_count(sesame)
    break_step(monkeypatch, sesame.audit, "record")
    with pytest.raises(Injected):
        sesame.helpdesk.disable(jeanne, agent, "Départ", "127.0.0.1")
    assert sesame.directory.get(jeanne.id).active and sesame.sessions.count_for(jeanne.id) == 1
    with pytest.raises(Injected):
        sesame.helpdesk.send_code_to_backup(jeanne, agent, "127.0.0.1")
    assert sesame.codes.live(jeanne.id, "helpdesk") is None and outbox_count(sesame) == mails
    with pytest.raises(Injected):
        sesame.helpdesk.code_for_slip(jeanne, agent, "127.0.0.1")
    assert sesame.codes.live(jeanne.id, "letter") is None
    monkeypatch.undo()
    sesame.helpdesk.disable(jeanne, agent, "Départ", "127.0.0.1")
    assert not sesame.directory.get(jeanne.id).active and sesame.sessions.count_for(jeanne.id) == 0
    with pytest.raises(Injected):
        break_step(monkeypatch, sesame.audit, "record")
        sesame.helpdesk.enable(jeanne, agent, "Retour", "127.0.0.1")
    assert not sesame.directory.get(jeanne.id).active


def test_the_outbox_worker_is_woken_only_once_the_mail_is_committed(sesame, jeanne):
    woken = []
    sesame.outbox.wake = lambda: woken.append(outbox_count(sesame))
    with sesame.store.write():
        sesame.notices.send("logout_everywhere", jeanne, when=sesame.store.now())
        assert woken == []
    assert woken == [1]
    with pytest.raises(Injected), sesame.store.write():
        sesame.notices.send("logout_everywhere", jeanne, when=sesame.store.now())
        raise Injected("rollback")
    assert woken == [1] and outbox_count(sesame) == 1
