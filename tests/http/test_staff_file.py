"""Issue 11 item 3, through Gestion's import page and `sesame import`: the staff
file's own identifiant and academic address are kept exactly, a clash is a line
error that imports nothing, a personal e-mail becomes a backup address the
person confirms with a code, and generated logins fit RFC 5321 (64 characters)."""

from __future__ import annotations

import pypdfium2
import pytest
from click.testing import CliRunner
from support.backup import Mailer
from support.database import cli_env
from support.helpdesk import make_staff, sign_in, upload
from support.journeys import GOOD, login
from support.web import SECRET, Page, get, submit

from pwa.cli import main

DOMAIN = "ac-aix-marseille.fr"
HEADER = "nom;prenom;date_naissance;numen;categorie;uai;etablissement;identifiant;adresse_academique;email"
PAUL = f"Martin;Paul;01/02/1980;13E24FILE0001;aesh;0130999A;Collège Test;pmartin-rh;paul.martin-rh@{DOMAIN};"
SOPHIE = f"Leroy;Sophie;03/04/1985;13E24FILE0002;aesh;0130999A;Collège Test;;;sophie.leroy7@{DOMAIN}"
NINA = "Blanc;Nina;05/06/1990;13E24FILE0003;aesh;0130999A;Collège Test;;;nina.perso@exemple.fr"
LONG_NAME = "Dupont-Montmorency de la Rochefoucauld-Saint-Exupéry Vasconcelos-Albuquerque"


def staff_file(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def accounts(sesame) -> int:
    return sesame.store.one("select count(*) as n from accounts")["n"]


@pytest.fixture
def gestionnaire(client, sesame, people, clock):
    """Jeanne Dupont (jdupont1), gestionnaire of Collège Test, signed in with her OTP app."""
    make_staff(sesame, "jdupont1", role="gestionnaire")
    sign_in(client, clock, "jdupont1")
    return clock


def row_errors(page: Page) -> list[str]:
    return [li.get_text(" ", strip=True) for li in page.soup.select("#row-errors-title ~ ul li")]


def test_the_files_identifiant_and_address_are_kept_exactly(client, sesame, gestionnaire):
    page = upload(client, staff_file(PAUL, SOPHIE, NINA))
    assert page.status == 200, page.text()[:500]
    assert "3 personnes importées : 3 nouvelles" in page.text()
    paul = sesame.directory.by_login("pmartin-rh")
    assert paul is not None and paul.email == f"paul.martin-rh@{DOMAIN}"
    assert sesame.directory.by_login(f"PAUL.MARTIN-RH@{DOMAIN}").id == paul.id
    # The e-mail column in the mail domain is the academic address; the identifiant is generated.
    sophie = sesame.directory.by_login(f"sophie.leroy7@{DOMAIN}")
    assert sophie is not None and sophie.identifiant == "sleroy" and sophie.personal_email is None
    # Nothing given: both generated, as before.
    nina = sesame.directory.by_login("nblanc")
    assert nina.email == f"nina.blanc@{DOMAIN}"


def test_a_generated_login_never_takes_one_the_file_gives(client, sesame, gestionnaire):
    """Row 2 would generate `pmartin`; row 3 gives `pmartin` to someone else."""
    pierre = "Martin;Pierre;07/08/1975;13E24FILE0009;aesh;0130999A;Collège Test;;;"
    given = f"Martin;Paul;01/02/1980;13E24FILE0001;aesh;0130999A;Collège Test;pmartin;pierre.martin@{DOMAIN};"
    assert upload(client, staff_file(pierre, given)).status == 200
    assert sesame.directory.by_login("pmartin").first_name == "Paul"
    assert sesame.directory.by_login(f"pierre.martin@{DOMAIN}").first_name == "Paul"
    generated = sesame.directory.by_login("pmartin1")
    assert generated.first_name == "Pierre" and generated.email == f"pierre.martin1@{DOMAIN}"


def test_a_clash_is_a_line_error_and_nothing_is_imported(client, sesame, gestionnaire):
    before = accounts(sesame)
    takes_jean = "Martin;Paul;01/02/1980;13E24FILE0001;aesh;0130999A;Collège Test;jdupont;;"
    twice = f"Leroy;Sophie;03/04/1985;13E24FILE0002;aesh;0130999A;Collège Test;;paul.martin@{DOMAIN};"
    first = f"Blanc;Nina;05/06/1990;13E24FILE0003;aesh;0130999A;Collège Test;;paul.martin@{DOMAIN};"
    outside = "Roux;Lina;05/06/1991;13E24FILE0004;aesh;0130999A;Collège Test;;lina.roux@gmail.com;"
    page = upload(client, staff_file(takes_jean, first, twice, outside))
    assert page.status == 422
    assert row_errors(page) == [
        "Ligne 2 : identifiant « jdupont » déjà attribué à une autre personne",
        f"Ligne 4 : adresse académique « paul.martin@{DOMAIN} » en double (déjà ligne 3)",
        f"Ligne 5 : adresse académique hors du domaine @{DOMAIN}",
    ]
    assert "aucune ligne n'a été importée" in page.text()
    assert accounts(sesame) == before
    # The same person (same NUMEN) may be given the identifiant they already have.
    jean_again = "Dupont;Jean;14/07/1985;13E24TEST0001;aesh;0130999A;Collège Test;jdupont;;"
    assert upload(client, staff_file(jean_again)).status == 200


def test_the_command_line_refuses_a_clash_too(tmp_path, sesame, people):
    csv = tmp_path / "agents.csv"
    csv.write_text(
        staff_file(f"Martin;Paul;01/02/1980;13E24FILE0001;aesh;0130999A;Collège Test;;jean.dupont@{DOMAIN};")
    )
    env = {**cli_env(sesame.settings), "SESAME_SECRET_KEY": SECRET}
    result = CliRunner().invoke(main, ["import", "--oui", str(csv)], env=env)
    assert result.exit_code == 1
    assert f"Ligne 2 : adresse académique « jean.dupont@{DOMAIN} » déjà attribué" in result.output
    assert "Aucune ligne n'a été importée." in result.output
    assert sesame.directory.by_login("pmartin") is None


def test_a_personal_email_is_a_backup_address_to_confirm(client, sesame, gestionnaire, smtp, tmp_path):
    mailer = Mailer(sesame, smtp, tmp_path)
    page = upload(client, staff_file(PAUL, NINA))
    assert page.status == 200
    assert "1 adresse personnelle (ligne 3) : elle deviendra adresse de secours" in page.text()
    nina = sesame.directory.by_login("nblanc")
    assert nina.backup_email is None, "not a backup address before it is confirmed"

    # Nina signs in: her address waits for her, filled in, on "Adresse de secours".
    sesame.directory.set_password_hash(nina.id, sesame.hashing.hash(GOOD))
    client.cookies.clear()
    assert login(client, "nblanc", GOOD).h1 == "Mon compte"
    offer = get(client, "/compte/adresse-de-secours")
    assert offer.value("adresse") == "nina.perso@exemple.fr"
    assert "service du personnel" in offer.text()
    mailer.deliver()
    sent = submit(client, offer, "/compte/adresse-de-secours")
    assert sent.h1 == "Vérifier l'adresse de secours"
    assert sesame.directory.get(nina.id).backup_email is None
    done = submit(client, sent, "/compte/adresse-de-secours/code", code=mailer.code("nina.perso@exemple.fr"))
    assert done.h1 == "Mon compte"
    assert sesame.directory.get(nina.id).backup_email == "nina.perso@exemple.fr"
    # Confirmed: no longer offered, and a re-import does not report it again.
    assert "service du personnel" not in get(client, "/compte/adresse-de-secours").text()
    assert not sesame.directory.needs_backup(nina.id)


def _long_rows(count: int) -> list[str]:
    return [
        f"{LONG_NAME};Marie-Claire-Odile;01/01/198{n};13E24LONG000{n};aesh;0130999A;Collège Test;;;"
        for n in range(count)
    ]


def test_long_compound_names_give_logins_within_64_characters(client, sesame, gestionnaire, tmp_path):
    assert upload(client, staff_file(*_long_rows(3))).status == 200
    rows = sesame.store.query(
        "select identifiant, email from accounts where identifiant like 'm%' and length(identifiant) > 40 order by id"
    )
    assert len(rows) == 3
    locals_ = [r["email"].split("@")[0] for r in rows]
    assert all(len(x) <= 64 for x in locals_ + [r["identifiant"] for r in rows])
    assert locals_ == [
        "marie-claire-odile.dupontmontmorencydelarochefoucauldsaint",
        "marie-claire-odile.dupontmontmorencydelarochefoucauldsaint1",
        "marie-claire-odile.dupontmontmorencydelarochefoucauldsaint2",
    ], "shortened at word boundaries, the same every time"
    assert rows[0]["identifiant"] == "mdupontmontmorencydelarochefoucauldsaintexuperyvasconcelos"
    # The letter prints the address on one line, not cut inside a name.
    account = sesame.directory.by_login(rows[2]["identifiant"])
    pdf = sesame.letters.print([(account, "Collège Test")], base_url="https://sesame.test", actor="test")
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert any(account.email in line for line in text.splitlines()), text


def test_the_rules_are_the_same_in_a_second_database(tmp_path):
    """Deterministic: a fresh database gives the same logins for the same names."""
    from pwa.directory import SqliteDirectory
    from pwa.importer import import_staff
    from pwa.importer_csv import parse_staff_text
    from pwa.security.keys import Keys
    from pwa.store import Store

    results = []
    for name in ("a", "b"):
        store = Store(tmp_path / f"{name}.db")
        store.migrate()
        directory = SqliteDirectory(store, DOMAIN)
        parsed = parse_staff_text(staff_file(*_long_rows(2)))
        import_staff(parsed.rows, store=store, directory=directory, keys=Keys.from_secret("k" * 40))
        results.append([(r["identifiant"], r["email"]) for r in store.query("select * from accounts order by id")])
        store.close()
    assert results[0] == results[1]


def test_import_staff_itself_refuses_a_clash_and_writes_nothing(sesame, people):
    """The callers check first; the import function checks again, inside its transaction."""
    from pwa.importer import ImportRefused, import_staff
    from pwa.importer_csv import parse_staff_text

    before = accounts(sesame)
    rows = parse_staff_text(
        staff_file(NINA, "Roux;Lina;05/06/1991;13E24FILE0004;aesh;0130999A;Collège Test;jdupont1;;")
    ).rows
    with pytest.raises(ImportRefused) as refused:
        import_staff(rows, store=sesame.store, directory=sesame.directory, keys=sesame.keys)
    assert [str(e) for e in refused.value.errors] == [
        "Ligne 3 : identifiant « jdupont1 » déjà attribué à une autre personne"
    ]
    assert accounts(sesame) == before


def test_the_command_line_reports_pending_backup_addresses(tmp_path, sesame, people):
    csv = tmp_path / "agents.csv"
    csv.write_text(staff_file(PAUL, NINA))
    env = {**cli_env(sesame.settings), "SESAME_SECRET_KEY": SECRET}
    result = CliRunner().invoke(main, ["import", "--oui", str(csv)], env=env)
    assert result.exit_code == 0, result.output
    assert "1 adresse personnelle (ligne 3) : elle deviendra adresse de secours" in result.output


def test_a_64_character_local_part_given_by_the_file_prints_on_one_line(client, sesame, gestionnaire):
    local = "marie-claire-odile.de-la-rochefoucauld-saint-exupery-vasconcelos"[:64]
    assert len(local) == 64
    too_long = f"Roux;Lina;05/06/1991;13E24FILE0005;aesh;0130999A;Collège Test;;{local}x@{DOMAIN};"
    refused = upload(client, staff_file(too_long))
    assert row_errors(refused) == ["Ligne 2 : adresse académique trop longue (64 caractères au plus avant le @)"]
    row = f"Roux;Lina;05/06/1991;13E24FILE0005;aesh;0130999A;Collège Test;;{local}@{DOMAIN};"
    assert upload(client, staff_file(row)).status == 200
    account = sesame.directory.by_login(f"{local}@{DOMAIN}")
    pdf = sesame.letters.print([(account, "Collège Test")], base_url="https://sesame.test", actor="test")
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert any(account.email in line for line in text.splitlines()), text


def test_an_activated_persons_login_never_changes_on_reimport(client, sesame, gestionnaire):
    """Before activation the file's login replaces the generated one; once the person
    has chosen a password the mail server knows them by it: a different value is a line
    error, and the same value (or an empty cell) imports as usual."""
    upload(client, staff_file(NINA))
    nina = sesame.directory.by_login("nblanc")
    renamed = NINA.replace(";;;nina.perso", ";nblanc-rh;;nina.perso")
    assert upload(client, staff_file(renamed)).status == 200
    assert sesame.directory.get(nina.id).identifiant == "nblanc-rh"  # not activated: adopted
    sesame.directory.set_password_hash(nina.id, sesame.hashing.hash(GOOD))
    refused = upload(client, staff_file(renamed.replace("nblanc-rh", "nblanc-autre")))
    assert refused.status == 422
    assert any("utilise déjà « nblanc-rh » (compte activé)" in e for e in row_errors(refused))
    assert sesame.directory.get(nina.id).identifiant == "nblanc-rh"
    assert upload(client, staff_file(renamed)).status == 200
    assert upload(client, staff_file(NINA)).status == 200
    assert sesame.directory.get(nina.id).identifiant == "nblanc-rh"
