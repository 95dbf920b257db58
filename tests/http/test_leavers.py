"""Staff who leave (issue 15), on both directories: a complete list marks the people it lacks
leaving, the grace period passing disables them (never deletes), someone listed again is
restored; the preview names every change and writes nothing."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.database import cli_env as database_env
from support.leavers import ANA, LEAVING, UAI, complete_import, school_csv, seed_school
from support.web import JEAN, JEANNE

from pwa.cli import main
from pwa.importer import parse_staff_csv
from pwa.services.leavers import DAY, plan_import

LISTED = (JEAN.identifiant, JEANNE.identifiant)


@pytest.fixture(params=["sqlite", "ldap"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def school(sesame, backend, request, ldap_base):
    seed_school(sesame, backend, request, ldap_base)
    return sesame


def accounts(sesame) -> dict[str, dict]:
    rows = sesame.store.query("select identifiant, status, leaving_since, left_at from accounts")
    return {r["identifiant"]: r for r in rows}


def audit(sesame, event: str) -> list[dict]:
    return sesame.store.query("select * from audit where event = ? order by id", (event,))


def test_the_preview_names_every_change_and_writes_nothing(school, clock):
    before = accounts(school)
    csv = school_csv(*LISTED).replace("Jeanne;02/03/1990", "Jeanne-Marie;02/03/1990")
    parsed = parse_staff_csv((csv + ";Neuf;Nina;01/01/2000;13E24TEST0099;aesh;0130999A;Collège Test\n").encode())
    assert not parsed.errors, parsed.errors
    plan = plan_import(parsed.rows, directory=school.directory, keys=school.keys, complete=[UAI])
    assert plan.new == ("Neuf Nina (0130999A)",)
    assert plan.updated == ("Dupont Jeanne-Marie (0130999A)",)
    assert plan.unchanged == ("Dupont Jean (0130999A)",)
    assert list(plan.leaving) == LEAVING
    assert plan.restored == ()
    assert accounts(school) == before, "a preview changes nothing"
    ordinary = plan_import(parsed.rows, directory=school.directory, keys=school.keys)
    assert ordinary.leaving == (), "an ordinary import marks nobody leaving"


def test_a_complete_list_marks_the_three_missing_leaving_then_the_grace_period_disables_them(school, clock):
    report = complete_import(school, school_csv(*LISTED))
    assert list(report.plan.leaving) == LEAVING
    rows = accounts(school)
    assert [rows[i]["leaving_since"] for i in ("amartin", "bnoel", "cpetit")] == [clock.now] * 3
    assert rows["jdupont"]["leaving_since"] is None
    assert all(r["status"] == "active" for r in rows.values()), "leaving is not disabled yet"
    assert school.directory.leaving_by_uai([UAI]) == {UAI: 3}, "the dashboard's « Départs » column"
    (event,) = audit(school, "import")[-1:]
    assert json.loads(event["details"]) == {"complete": [UAI], "leaving": 3, "created": 0, "updated": 2}

    leavers = school.leavers()
    clock.now += (leavers.grace_days - 1) * DAY
    assert leavers.disable_due() == [], "still within the grace period"
    clock.now += 2 * DAY
    assert sorted(a.identifiant for a in leavers.disable_due()) == ["amartin", "bnoel", "cpetit"]
    rows = accounts(school)
    assert {i: rows[i]["status"] for i in ("amartin", "bnoel", "cpetit", "jdupont")} == {
        "amartin": "disabled",
        "bnoel": "disabled",
        "cpetit": "disabled",
        "jdupont": "active",
    }
    assert len(rows) == 5, "nobody is deleted"
    assert not school.directory.by_login("amartin").active, "the directory says so too (LDAP: the entry's lock)"
    assert len(audit(school, "account.left")) == 3
    assert leavers.disable_due() == [], "run again: nothing more"


def test_someone_listed_again_is_restored(school, clock):
    complete_import(school, school_csv(*LISTED))
    clock.now += 31 * DAY
    school.leavers().disable_due()
    report = complete_import(school, school_csv(*LISTED, ANA.identifiant))
    assert report.plan.restored == ("Martin Ana (0130999A)",)
    assert report.plan.leaving == (), "the others are already leaving: not marked twice"
    rows = accounts(school)
    assert (rows["amartin"]["status"], rows["amartin"]["leaving_since"], rows["amartin"]["left_at"]) == (
        "active",
        None,
        None,
    )
    assert school.directory.by_login("amartin").active, "LDAP: the lock is lifted"
    assert rows["bnoel"]["status"] == "disabled"
    assert [r["account_id"] for r in audit(school, "account.returned")] == [school.directory.by_login("amartin").id]


def test_a_person_listed_again_within_the_grace_period_is_never_disabled(school, clock):
    complete_import(school, school_csv(*LISTED))
    clock.now += DAY
    complete_import(school, school_csv())  # HR sends the whole list again
    clock.now += 60 * DAY
    assert school.leavers().disable_due() == []
    assert {r["status"] for r in accounts(school).values()} == {"active"}


def test_an_account_disabled_by_the_help_desk_is_not_reopened_by_a_later_file(school, clock):
    agent = school.directory.by_login("jdupont")
    school.helpdesk.disable(school.directory.by_login("amartin"), agent, "Fraude", "127.0.0.1")
    complete_import(school, school_csv(*LISTED))
    complete_import(school, school_csv())
    assert accounts(school)["amartin"]["status"] == "disabled"


def cli_env(settings) -> dict[str, str]:
    from support.web import SECRET

    env = {**database_env(settings), "SESAME_SECRET_KEY": SECRET, "SESAME_PUBLIC_URL": settings.public_url}
    for key in ("directory", "ldap_url", "ldap_bind_dn", "ldap_bind_password", "ldap_base_dn", "ldap_ca_file"):
        value = getattr(settings, key, None)
        if value:
            env["SESAME_" + key.upper()] = str(value)
    if getattr(settings, "ldap_starttls", False):
        env["SESAME_LDAP_STARTTLS"] = "1"
    return env


def test_cli_dry_run_shows_the_preview_and_writes_nothing_then_a_confirmation_applies(school, settings, tmp_path):
    csv = tmp_path / "college.csv"
    csv.write_text(school_csv(*LISTED))
    before = accounts(school)
    runner = CliRunner()
    dry = runner.invoke(main, ["import", "--complet", "--uai", UAI, "--dry-run", str(csv)], env=cli_env(settings))
    assert dry.exit_code == 0, dry.output
    assert f"Départs : absentes de la liste complète ({UAI}) : 3" in dry.output
    for name in LEAVING:
        assert f"  - {name}" in dry.output
    assert "Inchangées : 2" in dry.output
    assert "Simulation (--dry-run) : rien n'a été enregistré." in dry.output
    assert accounts(school) == before

    no = runner.invoke(main, ["import", "--complet", "--uai", UAI, str(csv)], env=cli_env(settings), input="non\n")
    assert no.exit_code == 3 and "Import annulé : rien n'a été enregistré." in no.output
    assert accounts(school) == before
    yes = runner.invoke(main, ["import", "--complet", "--uai", UAI, str(csv)], env=cli_env(settings), input="oui\n")
    assert yes.exit_code == 0, yes.output
    assert "3 personnes marquées sur le départ." in yes.output
    assert accounts(school)["bnoel"]["leaving_since"] is not None


def test_cli_complete_needs_its_scope(settings):
    result = CliRunner().invoke(main, ["import", "--complet", "x.csv"], env=cli_env(settings))
    assert result.exit_code == 2
    assert "indiquez les établissements dont le fichier est la liste complète (--uai UAI)" in result.output


def test_sesame_leavers_lists_then_disables_those_past_the_grace_period(school, settings, clock):
    import time

    clock.now = time.time() - 40 * DAY  # the command runs on the real clock
    complete_import(school, school_csv(*LISTED))
    clock.now = time.time() - 10 * DAY
    complete_import(school, school_csv(JEAN.identifiant))  # Jeanne leaves later: still in her grace period
    dry = CliRunner().invoke(main, ["leavers", "--dry-run"], env=cli_env(settings))
    assert dry.exit_code == 0, dry.output
    assert "Départs après 30 jours : 3 comptes seraient désactivés." in dry.output
    assert "  - Martin Ana (amartin, 0130999A)" in dry.output and "jdupont1" not in dry.output
    assert {r["status"] for r in accounts(school).values()} == {"active"}
    done = CliRunner().invoke(main, ["leavers"], env=cli_env(settings))
    assert done.exit_code == 0 and "3 comptes désactivés." in done.output
    rows = accounts(school)
    assert [rows[i]["status"] for i in ("amartin", "bnoel", "cpetit", "jdupont1")] == ["disabled"] * 3 + ["active"]
