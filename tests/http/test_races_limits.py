"""Limits and staff actions asked twice at the same moment (two instances on one PostgreSQL,
two threads of one on SQLite): the caps hold, a grant is one row, a previewed import is applied
once, a leaver is disabled once, a letter request is resolved once, and the loser gets the usual
French answer, never an error. A barrier holds each pair of calls between their read and their
write, so without the store's lock both would read before either wrote."""

from __future__ import annotations

import pytest
from support.backup import Mailer
from support.races import both, errors, meet_after
from support.staff_file import DUPONT, ROSSI, csv_bytes
from support.web import JEAN

from pwa.security.roles import Roles
from pwa.services.accounts import AccountService
from pwa.services.app_passwords import MAX_ACTIVE, TooMany
from pwa.services.backup import CODES_PER_DAY
from pwa.services.codes import Codes
from pwa.services.guard import Result
from pwa.services.helpdesk import CALLER_CHECKS_PER_DAY, HelpDesk
from pwa.services.letter_requests import LetterRequests, Unresolvable
from pwa.services.staff_import import STALE, StaffImport
from pwa.stores.app_passwords import AppPasswordStore
from pwa.stores.letter_requests import LetterQueue

PERSO = "jean.perso@exemple.fr"
DONE = "Cette demande a déjà été traitée, ou elle n'existe pas."
DAY = 86400.0


@pytest.fixture
def jean(sesame, people, clock):
    return sesame.directory.by_login(JEAN.identifiant)


def test_the_reset_mail_cap_holds_when_two_requests_come_at_once(sesame, jean, smtp, tmp_path, monkeypatch):
    sesame.directory.set_backup_email(jean.id, PERSO)
    mailer = Mailer(sesame, smtp, tmp_path)
    for _ in range(CODES_PER_DAY - 1):
        assert not sesame.backup.request_reset(JEAN.identifiant, JEAN.birth, "10.0.0.1").throttled
    meet_after(monkeypatch, AccountService, "verify_birth")  # the cap read, the request not counted yet

    results = both(lambda i: sesame.backup.request_reset(JEAN.identifiant, JEAN.birth, f"10.0.0.{i + 2}"))

    assert not errors(results), errors(results)
    assert sorted(r.throttled for r in results) == [False, True]
    assert [r.verdict.reason for r in results if r.throttled] == ["codes"]  # "Trop de codes" on the page
    assert len([m for m in mailer.deliver() if m[0] == [PERSO]]) == CODES_PER_DAY


def test_the_resend_cap_holds_when_two_resends_come_at_once(sesame, jean, monkeypatch):
    sesame.directory.set_backup_email(jean.id, PERSO)
    first = sesame.backup.request_reset(JEAN.identifiant, JEAN.birth, "10.0.0.1")
    for _ in range(CODES_PER_DAY - 2):
        assert sesame.backup.resend_reset(first.account_id, first.subject, "10.0.0.1").allowed
    throttle = type(sesame.throttle)
    meet_after(monkeypatch, throttle, "noted")  # the cap read (the first of its two counts)

    results = both(lambda i: sesame.backup.resend_reset(first.account_id, first.subject, "10.0.0.1"))

    assert not errors(results), errors(results)
    assert sorted(r.allowed for r in results) == [False, True]
    assert sesame.codes.issued_since(jean.id, "backup_reset", 0) == CODES_PER_DAY


def test_the_verification_mail_cap_holds_when_two_requests_come_at_once(sesame, jean, monkeypatch):
    for _ in range(CODES_PER_DAY - 1):
        assert sesame.backup.send_verify_code(jean, PERSO, "10.0.0.1")
    meet_after(monkeypatch, type(sesame.backup), "codes_left_today")

    results = both(lambda i: sesame.backup.send_verify_code(jean, PERSO, "10.0.0.1"))

    assert not errors(results), errors(results)
    assert sorted(results) == [False, True]
    assert sesame.codes.issued_since(jean.id, "backup_verify", 0) == CODES_PER_DAY


def test_the_app_password_limit_holds_when_two_are_created_at_once(sesame, jean, monkeypatch):
    create = sesame.app_passwords.create
    for n in range(MAX_ACTIVE - 1):
        create(jean, name=f"Téléphone {n}", scope="mail", days=None, client="10.0.0.1")
    meet_after(monkeypatch, AppPasswordStore, "public_ids")  # the limits read, nothing added yet

    results = both(lambda i: create(jean, name=f"Tablette {i}", scope="mail", days=None, client="10.0.0.1"))

    assert [r.reason for r in results if isinstance(r, TooMany)] == ["active"]  # the page's French sentence
    assert len(sesame.app_passwords.for_account(jean)) == MAX_ACTIVE


def test_the_help_desk_caller_checks_hold_when_two_agents_check_at_once(sesame, jean, monkeypatch):
    agent = sesame.directory.by_login("jdupont1")
    check = sesame.helpdesk.check_caller
    for _ in range(CALLER_CHECKS_PER_DAY - 1):
        check(jean, agent, birth=JEAN.birth, numen="13E24TEST9999", client="10.0.0.1")
    meet_after(monkeypatch, HelpDesk, "checks_left")

    results = both(lambda i: check(jean, agent, birth=JEAN.birth, numen=JEAN.numen, client="10.0.0.1"))

    assert not errors(results), errors(results)
    assert sorted(r.attempt.result.value for r in results) == sorted([Result.OK.value, Result.PAUSED.value])
    assert sesame.audit.count(jean.id, "helpdesk.caller_checked", since=0) == CALLER_CHECKS_PER_DAY


@pytest.mark.parametrize("uai", [None, "0130999A"], ids=["academie", "etablissement"])
def test_a_role_granted_twice_at_once_is_one_grant(sesame, jean, monkeypatch, uai):
    meet_after(monkeypatch, Roles, "grants")

    results = both(lambda i: sesame.roles.grant(jean.id, "gestionnaire", uai, by=f"agent{i}"))

    assert not errors(results), errors(results)
    assert sorted(results) == [False, True], "the second one is told the grant already existed"
    assert [g for g in sesame.roles.every_grant() if g["account_id"] == jean.id] == [
        {"account_id": jean.id, "role": "gestionnaire", "uai": uai}
    ]


def test_a_preview_confirmed_twice_at_once_is_applied_once(sesame, jean, monkeypatch):
    imports = sesame.staff_import()
    preview = imports.preview(jean.id, csv_bytes(DUPONT, ROSSI), uais=None, complete=False)
    assert preview.plan is not None and not preview.file_error
    before = len(sesame.store.query("select id from audit where event = 'import'"))
    meet_after(monkeypatch, StaffImport, "_checked")  # the kept file read and checked again

    results = both(lambda i: imports.confirm(jean.id, preview.token, uais=None, actor="agent", client="10.0.0.1"))

    assert not errors(results), errors(results)
    assert sorted(bool(r.report) for r in results) == [False, True]
    assert [r.file_error for r in results if not r.report] == [STALE]
    assert len(sesame.store.query("select id from audit where event = 'import'")) == before + 1


def test_a_leaver_disabled_by_two_runs_at_once_is_disabled_once(sesame, jean, clock, monkeypatch):
    sesame.directory.set_leaving(jean.id, leaving_since=clock.now - 100 * DAY, left_at=None)
    leavers = sesame.leavers()
    meet_after(monkeypatch, type(sesame.directory), "leaving_due")

    results = both(lambda i: leavers.disable_due())

    assert not errors(results), errors(results)
    assert sorted(len(r) for r in results) == [0, 1], "the account is reported by one run"
    assert sesame.audit.count(jean.id, "account.left", since=0) == 1
    assert not sesame.directory.get(jean.id).active


def test_a_letter_request_resolved_by_two_agents_at_once_is_resolved_once(sesame, jean, monkeypatch):
    jeanne = sesame.directory.by_login("jdupont1")
    sesame.letter_requests.submit(
        first_name="Inconnu", last_name="Personne", uai=jean.uai, birth=JEAN.birth, client="c"
    )
    [request] = sesame.letter_requests.to_review(None)
    meet_after(monkeypatch, LetterRequests, "_waiting")  # both agents saw it in review

    def resolve(i: int) -> str:
        if i == 0:
            sesame.letter_requests.attach(request["id"], jean, agent=jeanne, client="10.0.0.1")
        else:
            sesame.letter_requests.reject(request["id"], "Personne inconnue", agent=jeanne, client="10.0.0.2")
        return "done"

    results = both(resolve)

    assert sorted(map(str, results)) == sorted(["done", DONE]), results
    assert [type(r) for r in results if r != "done"] == [Unresolvable]
    status = sesame.letter_requests.get(request["id"])["status"]
    assert status == ("queued" if results[0] == "done" else "rejected")
    events = [e["event"] for e in sesame.audit.for_account(jean.id, limit=50)]
    assert events.count("letter.request_attached") == (1 if status == "queued" else 0)


def test_two_requests_matched_at_once_leave_one_letter_queued(sesame, jean, monkeypatch):
    meet_after(monkeypatch, LetterQueue, "_cancel_queued")  # the older queued ones cancelled, the new not added

    results = both(lambda i: sesame.letters.request(jean, jean.uai, f"10.0.0.{i}"))

    assert not errors(results), errors(results)
    queued = sesame.store.one(
        "select count(*) as n from letter_requests where account_id = ? and status = 'queued'", (jean.id,)
    )
    assert queued == {"n": 1}, "one letter to print, not two"


def test_a_letter_printed_by_two_agents_at_once_is_printed_once(sesame, jean, monkeypatch):
    people = sesame.letters.accounts(identifiants=[JEAN.identifiant])
    meet_after(monkeypatch, Codes, "live_letters")  # both agents started their batch

    results = both(lambda i: sesame.letters.print(people, base_url="https://sesame.test", actor=f"agent{i}"))

    assert not errors(results), errors(results)
    assert sesame.audit.count(jean.id, "letter.printed", since=0) == 1
    live = sesame.codes.live_letters([jean.id])
    assert len(live) == 1, "the letter printed is the one that works: the other agent did not void it"
