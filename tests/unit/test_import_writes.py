"""The staff import writing to a real SQLite file: accounts created, re-imports idempotent,
namesakes, nothing written half-way, no clear NUMEN or birth date, personal digests,
progress and summary."""

from __future__ import annotations

import sys
import types

import pytest
from support.staff_file import DUPONT, HEADER, MARTIN, ROSSI, count, csv_bytes, run

from pwa import importer
from pwa.importer import (
    ImportReport,
    import_staff,
    parse_staff_csv,
    summary,
)
from pwa.services.identity import personal_digest
from pwa.store import Store


def test_import_creates_accounts(tmp_path, store, directory, keys):
    code, echo = run(tmp_path, csv_bytes(DUPONT, MARTIN, ROSSI), store=store, directory=directory, keys=keys)
    assert code == 0
    assert echo.out == ["3 personnes importées : 3 nouvelles, 0 mise à jour."]
    assert echo.err == []
    rows = store.query("select identifiant, email, category, uai from accounts order by id")
    assert rows == [
        {"identifiant": "jdupont", "email": "jean.dupont@ac-test.fr", "category": "aesh", "uai": "0130001A"},
        {"identifiant": "hmartin", "email": "helene.martin@ac-test.fr", "category": "second_degre", "uai": "0130002B"},
        {"identifiant": "lrossi", "email": "luca.rossi@ac-test.fr", "category": "administratif", "uai": "0130001A"},
    ]
    assert store.query("select uai, name from etablissements order by uai") == [
        {"uai": "0130001A", "name": "Collège Z"},
        {"uai": "0130002B", "name": "Lycée T"},
    ]
    assert all(a["password_hash"] is None for a in store.query("select * from accounts"))


def test_reimport_is_idempotent(tmp_path, store, directory, keys):
    data = csv_bytes(DUPONT, MARTIN, ROSSI)
    run(tmp_path, data, store=store, directory=directory, keys=keys)
    before = store.query("select * from accounts order by id")
    code, echo = run(tmp_path, data, store=store, directory=directory, keys=keys)
    assert code == 0
    assert echo.out == ["3 personnes importées : 0 nouvelle, 3 mises à jour."]
    after = store.query("select * from accounts order by id")
    strip = ("updated_at",)
    assert [{k: v for k, v in r.items() if k not in strip} for r in after] == [
        {k: v for k, v in r.items() if k not in strip} for r in before
    ]


def test_reimport_updates_names_and_keeps_logins(tmp_path, store, directory, keys):
    run(tmp_path, csv_bytes(MARTIN), store=store, directory=directory, keys=keys)
    married = ["Martin-Leroy", *MARTIN[1:4], "administratif", "0130001A", "Collège Z"]
    code, echo = run(tmp_path, csv_bytes(married, DUPONT), store=store, directory=directory, keys=keys)
    assert echo.out == ["2 personnes importées : 1 nouvelle, 1 mise à jour."]
    account = directory.by_login("hmartin")
    assert (account.last_name, account.email, account.category, account.uai) == (
        "Martin-Leroy",
        "helene.martin@ac-test.fr",
        "administratif",
        "0130001A",
    )
    assert count(store) == 2


def test_namesakes_inside_one_file(store, directory, keys):
    twins = [[*DUPONT[:3], f"13A05000000{i:02d}", *DUPONT[4:]] for i in range(10, 13)]
    result = parse_staff_csv(csv_bytes(*twins))
    report = import_staff(result.rows, store=store, directory=directory, keys=keys)
    assert report == ImportReport(created=3, updated=0)
    assert [r["identifiant"] for r in store.query("select identifiant from accounts")] == [
        "jdupont",
        "jdupont1",
        "jdupont2",
    ]


def test_failure_midway_writes_nothing(store, directory, keys, monkeypatch):
    rows = parse_staff_csv(csv_bytes(DUPONT, MARTIN, ROSSI)).rows
    real, calls = directory.set_secret_digests, []

    def failing(account_id, **digests):
        calls.append(account_id)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real(account_id, **digests)

    monkeypatch.setattr(directory, "set_secret_digests", failing)
    with pytest.raises(RuntimeError):
        import_staff(rows, store=store, directory=directory, keys=keys)
    assert (count(store), count(store, "etablissements")) == (0, 0)


def test_directory_must_share_the_store(tmp_path, directory, keys):
    other = Store(tmp_path / "other.db")
    try:
        with pytest.raises(ValueError):
            import_staff([], store=other, directory=directory, keys=keys)
    finally:
        other.close()


def test_no_clear_numen_or_birth_date_is_stored(tmp_path, store, directory, keys):
    header = [*HEADER, "email"]
    code, _ = run(
        tmp_path,
        csv_bytes([*DUPONT, "jean@example.org"], [*MARTIN, ""], header=header),
        store=store,
        directory=directory,
        keys=keys,
    )
    assert code == 0
    secrets = {"13A0500000001", "13A0500000002", "1985-03-05", "05/03/1985", "1979-11-30", "30/11/1979"}
    for table in store.db.table_names():
        for row in store.db[table].rows:
            for column, value in row.items():
                text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
                found = [s for s in secrets if s in text]
                assert not found, f"{table}.{column} holds {found}"
    store.close()
    for path in tmp_path.glob("t.db*"):
        raw = path.read_bytes()
        assert not [s for s in secrets if s.encode() in raw], path.name


def _fake_policy(tokens):
    module = types.ModuleType("pwa.policy")
    module.personal_tokens = lambda birth_date, numen: tokens(birth_date, numen)
    return module


def test_personal_digests_are_keyed_tokens(store, directory, keys, monkeypatch):
    fake = _fake_policy(lambda birth, numen: {birth.strftime("%d%m%Y"), numen})
    monkeypatch.setitem(sys.modules, "pwa.policy", fake)
    rows = parse_staff_csv(csv_bytes(DUPONT)).rows
    import_staff(rows, store=store, directory=directory, keys=keys)
    (account,) = [directory.by_login("jdupont")]
    expected = {personal_digest(keys, account.id, t) for t in ("05031985", "13A0500000001")}
    assert account.personal_digests == expected
    assert account.numen_digest and account.birth_digest


def test_no_personal_digests_while_policy_is_missing(store, directory, keys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pwa.policy", None)  # import raises ImportError
    import_staff(parse_staff_csv(csv_bytes(DUPONT)).rows, store=store, directory=directory, keys=keys)
    assert directory.by_login("jdupont").personal_digests == frozenset()


def test_progress(tmp_path, store, directory, keys, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 2)
    people = [[*DUPONT[:3], f"13A05000000{i:02d}", *DUPONT[4:]] for i in range(10, 15)]
    code, echo = run(tmp_path, csv_bytes(*people), store=store, directory=directory, keys=keys)
    assert code == 0
    assert echo.err == ["2 / 5 lignes enregistrées…", "4 / 5 lignes enregistrées…", "5 / 5 lignes enregistrées…"]


@pytest.mark.parametrize(
    ("report", "text"),
    [
        (ImportReport(140, 12), "152 personnes importées : 140 nouvelles, 12 mises à jour."),
        (ImportReport(1, 0), "1 personne importée : 1 nouvelle, 0 mise à jour."),
        (ImportReport(0, 2), "2 personnes importées : 0 nouvelle, 2 mises à jour."),
    ],
)
def test_summary(report, text):
    assert summary(report) == text
