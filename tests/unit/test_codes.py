"""One-time codes (DESIGN §5 table): hashed at rest, single use, lifetimes,
attempt limits, a new code voids the previous one."""

from __future__ import annotations

import pytest

from pwa.services.codes import ALPHABET, Check, grouped, normalise


@pytest.fixture
def account(sesame, people):
    return sesame.directory.by_login("jdupont")


@pytest.mark.parametrize(
    "purpose, length", [("backup_verify", 6), ("backup_reset", 6), ("helpdesk", 8), ("letter", 12)]
)
def test_codes_have_the_length_and_alphabet_of_their_purpose(sesame, account, purpose, length):
    code = sesame.codes.issue(account.id, purpose)
    assert len(code) == length
    assert set(code) <= set(ALPHABET)
    stored = sesame.store.one("select digest from codes where account_id = ?", (account.id,))
    assert code not in stored["digest"] and code.lower() not in stored["digest"]


def test_a_code_works_once_and_is_case_and_spacing_insensitive(sesame, account):
    code = sesame.codes.issue(account.id, "letter")
    typed = " " + grouped(code).lower() + " "
    assert sesame.codes.check(account.id, "letter", typed) is Check.OK
    assert sesame.codes.check(account.id, "letter", code) is Check.VOID


def test_a_code_is_bound_to_its_account_and_purpose(sesame, people):
    jean, jeanne = sesame.directory.by_login("jdupont"), sesame.directory.by_login("jdupont1")
    code = sesame.codes.issue(jean.id, "helpdesk")
    sesame.codes.issue(jeanne.id, "helpdesk")
    assert sesame.codes.check(jeanne.id, "helpdesk", code) is Check.WRONG
    assert sesame.codes.check(jean.id, "backup_reset", code) is Check.NONE
    assert sesame.codes.check(jean.id, "helpdesk", code) is Check.OK


def test_the_fifth_wrong_mailed_code_voids_it(sesame, account):
    code = sesame.codes.issue(account.id, "backup_reset")
    wrong = "".join(ALPHABET[(ALPHABET.index(c) + 1) % 32] for c in code)
    assert [sesame.codes.check(account.id, "backup_reset", wrong) for _ in range(4)] == [Check.WRONG] * 4
    assert sesame.codes.check(account.id, "backup_reset", wrong) is Check.VOID
    assert sesame.codes.check(account.id, "backup_reset", code) is Check.VOID


def test_wrong_letter_codes_never_void_the_code(sesame, account):
    code = sesame.codes.issue(account.id, "letter")
    for _ in range(30):
        assert sesame.codes.check(account.id, "letter", "AAAA-AAAA-AAAA") is Check.WRONG
    assert sesame.codes.check(account.id, "letter", code) is Check.OK


@pytest.mark.parametrize("purpose, lifetime", [("backup_reset", 600), ("helpdesk", 1800), ("letter", 30 * 86400)])
def test_codes_expire(sesame, account, clock, purpose, lifetime):
    code = sesame.codes.issue(account.id, purpose)
    clock.now += lifetime - 1
    assert sesame.codes.live(account.id, purpose) is not None
    clock.now += 2
    assert sesame.codes.check(account.id, purpose, code) is Check.EXPIRED


def test_a_new_code_voids_the_previous_one(sesame, account):
    old = sesame.codes.issue(account.id, "letter")
    new = sesame.codes.issue(account.id, "letter")
    assert old != new
    assert sesame.codes.check(account.id, "letter", old) is Check.WRONG
    assert sesame.codes.check(account.id, "letter", new) is Check.OK


def test_normalise_ignores_case_spaces_and_hyphens():
    assert normalise(" abcd-EFGH jkLM ") == "ABCDEFGHJKLM"
