"""One guarded attempt for every secret check (issue 13, item 2): each kind of
secret answers ok / wrong / paused-until, and when wrong answers pause the account
the owner gets the mail and the trail gets the event — the OTP app and recovery
codes included (they used to pause silently)."""

from __future__ import annotations

import datetime as dt

import pytest
from support.web import JEAN

from pwa.security.throttle import DAILY_BUDGET
from pwa.services.guard import Result

WRONG_BIRTH = dt.date(1970, 1, 1)
PAUSE_SUBJECT = "[Aix-Marseille] Trop d'essais sur votre compte : vérifications suspendues"


@pytest.fixture
def jean(sesame, people, clock):
    return sesame.directory.by_login(JEAN.identifiant)


def pause_mails(sesame, account) -> list[str]:
    rows = sesame.store.query("select to_addr from outbox where subject = ?", (PAUSE_SUBJECT,))
    return [r["to_addr"] for r in rows]


def pause_events(sesame, account) -> list[str]:
    return [e["event"] for e in sesame.audit.for_account(account.id, limit=100) if e["event"].endswith(".paused")]


def guess_until_paused(clock, attempt) -> None:
    """DAILY_BUDGET wrong answers from as many addresses, then one more is refused."""
    for n in range(DAILY_BUDGET):
        clock.now += 1
        answer = attempt(f"10.7.{n}.1")
        assert answer.result is Result.WRONG, n
    refused = attempt("192.0.2.99")
    assert refused.result is Result.PAUSED and refused.verdict.reason == "paused"
    assert refused.until == pytest.approx(refused.verdict.retry_after + clock.now)


def assert_owner_told(sesame, jean) -> None:
    assert pause_mails(sesame, jean) == [jean.email], "the owner is told once, by mail"
    assert pause_events(sesame, jean) == ["account.paused"]


def test_wrong_passwords_pause_the_account_and_tell_the_owner(sesame, jean, clock):
    guess_until_paused(clock, lambda ip: sesame.accounts.authenticate(JEAN.identifiant, "mauvais", ip))
    assert_owner_told(sesame, jean)


def test_wrong_numen_and_birth_date_pause_the_account_and_tell_the_owner(sesame, jean, clock):
    guess_until_paused(clock, lambda ip: sesame.accounts.verify_numen(JEAN.identifiant, WRONG_BIRTH, JEAN.numen, ip))
    assert_owner_told(sesame, jean)


def test_wrong_birth_dates_with_the_numen_alone_pause_the_account_and_tell_the_owner(sesame, jean, clock):
    guess_until_paused(clock, lambda ip: sesame.accounts.identify_by_numen(WRONG_BIRTH, JEAN.numen, ip))
    assert_owner_told(sesame, jean)


def test_wrong_birth_dates_for_the_backup_address_pause_the_account_and_tell_the_owner(sesame, jean, clock):
    guess_until_paused(clock, lambda ip: sesame.accounts.verify_birth(JEAN.identifiant, jean, WRONG_BIRTH, ip))
    assert_owner_told(sesame, jean)


def test_wrong_otp_codes_pause_the_account_and_tell_the_owner(sesame, jean, clock):
    sesame.authenticators.add_totp(jean.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 0)
    guess_until_paused(clock, lambda ip: sesame.factors.totp_attempt(jean, "000000", ip))
    assert_owner_told(sesame, jean)


def test_wrong_recovery_codes_pause_the_account_and_tell_the_owner(sesame, jean, clock):
    sesame.authenticators.add_totp(jean.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 0)
    sesame.authenticators.new_recovery_codes(jean.id)
    guess_until_paused(clock, lambda ip: sesame.factors.recovery_attempt(jean, "ZZZZ-ZZZZ-ZZ", ip))
    assert_owner_told(sesame, jean)


def test_wrong_mailed_reset_codes_pause_the_account_and_tell_the_owner(sesame, jean, clock):
    subject = sesame.guard.subject(JEAN.identifiant, jean)
    guess_until_paused(clock, lambda ip: sesame.backup.check_reset_code(jean.id, subject, "ZZZZZZ", ip))
    assert_owner_told(sesame, jean)


def test_wrong_letter_codes_slow_their_address_never_the_owner(sesame, jean, clock):
    """Letter and help-desk codes throttle the client (DESIGN §5): the fifth wrong code
    from one address waits; the owner's account is not paused, so nobody is mailed."""
    for _ in range(5):
        clock.now += 1
        checked = sesame.signin.check_code(jean, "ABCD-EFGH-JKLM", "198.51.100.3")
        assert checked.attempt.result is Result.WRONG and checked.code_id is None
    waiting = sesame.signin.check_code(jean, "ABCD-EFGH-JKLM", "198.51.100.3")
    assert waiting.attempt.result is Result.PAUSED and waiting.attempt.verdict.reason == "delay"
    assert waiting.attempt.until > clock.now
    assert sesame.accounts.authenticate(JEAN.identifiant, "mauvais", "198.51.100.3").result is Result.WRONG
    assert pause_mails(sesame, jean) == [] and pause_events(sesame, jean) == []


def test_the_help_desk_caller_check_answers_the_same_kinds(sesame, jean, clock):
    """Three caller checks a day per account: a match is ok, a mismatch is wrong, the
    fourth is paused until the window passes (the account itself is not paused)."""
    agent = sesame.directory.by_login("jdupont1")
    answers = [
        sesame.helpdesk.check_caller(jean, agent, birth=JEAN.birth, numen=JEAN.numen, client="10.0.0.1"),
        sesame.helpdesk.check_caller(jean, agent, birth=WRONG_BIRTH, numen=JEAN.numen, client="10.0.0.1"),
        sesame.helpdesk.check_caller(jean, agent, birth=WRONG_BIRTH, numen=JEAN.numen, client="10.0.0.1"),
        sesame.helpdesk.check_caller(jean, agent, birth=JEAN.birth, numen=JEAN.numen, client="10.0.0.1"),
    ]
    assert [a.attempt.result for a in answers] == [Result.OK, Result.WRONG, Result.WRONG, Result.PAUSED]
    assert answers[-1].attempt.until > clock.now and not answers[-1].done
    assert pause_mails(sesame, jean) == [] and pause_events(sesame, jean) == []
