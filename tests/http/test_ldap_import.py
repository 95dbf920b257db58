"""The staff import with the académie's directory (issue 15): rows are linked to existing
entries by HR id, identifiant or academic address; rows with no entry are reported and
left out; creating entries is an option (SESAME_LDAP_CREATE), off by default."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from support.journeys import GOOD, set_password_with_numen
from support.web import JEAN, fast_hashing, make_settings

from pwa.app import create_app
from pwa.importer import import_command, import_staff, no_entry_note, parse_staff_csv

HEADER = "nom;prenom;date_naissance;numen;categorie;uai;etablissement"


@pytest.fixture
def backend() -> str:
    return "ldap"


def app_for(tmp_path, slapd, base, **overrides):
    return create_app(make_settings(tmp_path, **slapd.settings(base, **overrides)), hashing=fast_hashing())


def run_import(sesame, csv: str):
    parsed = parse_staff_csv(csv.encode())
    assert not parsed.errors, parsed.errors
    return import_staff(parsed.rows, store=sesame.store, directory=sesame.directory, keys=sesame.keys)


def test_rows_link_by_hr_id_identifiant_or_address_and_the_others_are_reported(tmp_path, slapd, ldap_base):
    slapd.add_person(
        ldap_base, "jdupont", "jean.dupont@ac-aix-marseille.fr", "Jean", "Dupont", employeeNumber="RH-0001"
    )
    slapd.add_person(ldap_base, "lmartin", "lea.martin@ac-aix-marseille.fr", "Léa", "Martin")
    slapd.add_person(ldap_base, "pmoreau", "paul.moreau@ac-aix-marseille.fr", "Paul", "Moreau")
    sesame = app_for(tmp_path, slapd, ldap_base, ldap_hr_id="employeeNumber").state.sesame
    csv = (
        f"identifiant RH;identifiant;adresse academique;{HEADER}\n"
        "RH-0001;;;Dupont;Jean;14/07/1985;13E24TEST0001;aesh;0130999A;Collège Test\n"
        ";lmartin;;Martin;Léa;05/09/1996;13E23TEST0003;aesh;0130999A;Collège Test\n"
        ";;paul.moreau@ac-aix-marseille.fr;Moreau;Paul;01/01/1980;13E24TEST0004;aesh;0130999A;Collège Test\n"
        ";;;Absent;Aline;02/02/1982;13E24TEST0005;aesh;0130999A;Collège Test\n"
        "RH-9999;inconnu;;Inconnu;Ian;03/03/1983;13E24TEST0006;aesh;0130999A;Collège Test\n"
    )
    report = run_import(sesame, csv)
    assert (report.created, report.no_entry) == (3, (5, 6))
    assert no_entry_note(report).startswith("2 personnes absentes de l'annuaire de l'académie (lignes 5, 6)")
    directory = sesame.directory
    assert {directory.by_login(u).last_name for u in ("jdupont", "lmartin", "pmoreau")} == {
        "Dupont",
        "Martin",
        "Moreau",
    }
    assert directory.count() == 3, "nothing written for the rows without an entry"
    assert not slapd.entry(f"uid=absent,{ldap_base}"), "no entry created by default"
    # A second import updates the same rows (the entries' UUIDs), creating nothing.
    again = run_import(sesame, csv)
    assert (again.created, again.updated, again.no_entry) == (0, 3, (5, 6))


def test_the_cli_reports_the_rows_without_an_entry(tmp_path, slapd, ldap_base):
    slapd.add_person(ldap_base, "jdupont", "jean.dupont@ac-aix-marseille.fr", "Jean", "Dupont")
    sesame = app_for(tmp_path, slapd, ldap_base).state.sesame
    path = tmp_path / "staff.csv"
    path.write_text(
        f"identifiant;{HEADER}\n"
        "jdupont;Dupont;Jean;14/07/1985;13E24TEST0001;aesh;0130999A;Collège Test\n"
        "absent;Absent;Aline;02/02/1982;13E24TEST0005;aesh;0130999A;Collège Test\n"
    )
    said = []
    code = import_command(
        path,
        store=sesame.store,
        directory=sesame.directory,
        keys=sesame.keys,
        echo=lambda text, err=False: said.append(text),
    )
    assert code == 0
    assert said[0].startswith("1 personne importée")
    assert said[1].startswith("1 personne absente de l'annuaire de l'académie (ligne 3) : non importée.")


def test_creating_entries_is_an_option_and_the_created_person_can_activate(tmp_path, slapd, ldap_base):
    app = app_for(tmp_path, slapd, ldap_base, ldap_create=True)
    sesame = app.state.sesame
    report = run_import(sesame, f"{HEADER}\nDupont;Jean;14/07/1985;13E24TEST0001;aesh;0130999A;Collège Test\n")
    assert (report.created, report.no_entry) == (1, ())
    entry = slapd.entry(
        f"uid=jdupont,{ldap_base}", "uid", "mail", "sn", "givenName", "departmentNumber", "userPassword"
    )
    assert entry["mail"] == [JEAN.email] and entry["sn"] == ["Dupont"] and entry["departmentNumber"] == ["0130999A"]
    assert not entry["userPassword"], "no password until the person chooses one"
    with TestClient(app, base_url="https://testserver") as client:
        assert set_password_with_numen(client, JEAN, GOOD).status == 200
    assert slapd.binds(f"uid=jdupont,{ldap_base}", GOOD)
