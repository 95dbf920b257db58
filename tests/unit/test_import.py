"""Staff import: parsing HR's CSV, all-or-nothing writing, the command's output."""

from __future__ import annotations

import datetime as dt

import pytest
from support.staff_file import DUPONT, HEADER, MARTIN, ROSSI, Echo, count, csv_bytes, run

from pwa.importer import (
    RowError,
    UnreadableFile,
    import_command,
    parse_staff_csv,
)
from pwa.importer_csv import category_code

# -- reading the file ---------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", ","])
@pytest.mark.parametrize("bom", [False, True])
def test_separators_and_bom(sep, bom):
    result = parse_staff_csv(csv_bytes(DUPONT, MARTIN, sep=sep, bom=bom))
    assert result.errors == []
    assert [(r.line, r.last_name, r.first_name) for r in result.rows] == [
        (2, "Dupont", "Jean"),
        (3, "Martin", "Hélène"),
    ]


def test_windows_1252_file():
    header = ["Nom", "Prénom", "Date de naissance", "NUMEN", "Catégorie", "UAI", "Établissement"]
    data = csv_bytes(MARTIN, header=header, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    (row,) = parse_staff_csv(data).rows
    assert (row.first_name, row.etablissement) == ("Hélène", "Lycée T")


def test_both_date_formats_give_the_same_date():
    french = parse_staff_csv(csv_bytes(DUPONT)).rows[0]
    iso = parse_staff_csv(csv_bytes([*DUPONT[:2], "1985-03-05", *DUPONT[3:]])).rows[0]
    assert french.birth_date == iso.birth_date == dt.date(1985, 3, 5)


@pytest.mark.parametrize(
    "header",
    [
        ["NOM", "PRENOM", "Date de naissance", "Numen", "CATÉGORIE", "uai", "Établissement"],
        ["Nom", "Prénom", "date_naissance", "NUMEN", "categorie", "UAI", "etablissement"],
        ["Nom d'usage", " prénom ", "DATE-NAISSANCE", "numen", "Catégorie", "RNE", "Nom établissement"],
    ],
)
def test_header_spellings(header):
    result = parse_staff_csv(csv_bytes(DUPONT, header=header))
    assert result.errors == [] and len(result.rows) == 1


def test_values_are_cleaned():
    row = ["  Le  Goff ", "Yann", "05/03/1985", "13 a05-0000 0009", "aesh", "0290001x", " Lycée "]
    (parsed,) = parse_staff_csv(csv_bytes(row, header=[*HEADER, "Email", "Remarque"])).rows
    assert (parsed.last_name, parsed.uai, parsed.etablissement) == ("Le Goff", "0290001X", "Lycée")
    assert parsed.numen == "13A0500000009"
    assert parsed.email is None


def test_repr_hides_numen_and_birth_date():
    (row,) = parse_staff_csv(csv_bytes(DUPONT)).rows
    assert "13A0500000001" not in repr(row) and "1985" not in repr(row)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("AESH", "aesh"),
        ("aesh", "aesh"),
        ("Accompagnant des élèves en situation de handicap", "aesh"),
        ("1er degré", "premier_degre"),
        ("enseignant 1er degre", "premier_degre"),
        ("Premier degré", "premier_degre"),
        ("Professeur des écoles", "premier_degre"),
        ("premier_degre", "premier_degre"),
        ("2nd degré", "second_degre"),
        ("Enseignant du second degré", "second_degre"),
        ("CPE", "second_degre"),
        ("psy", "second_degre"),
        ("Psy-EN", "second_degre"),
        ("second_degre", "second_degre"),
        ("Administratif", "administratif"),
        ("personnel administratif", "administratif"),
        ("privé", "prive"),
        ("Enseignant du privé sous contrat", "prive"),
        ("prive", "prive"),
        ("jardinier", None),
        ("enseignant", None),
    ],
)
def test_category_spellings(raw, code):
    assert category_code(raw) == code


def test_optional_email_column():
    header = [*HEADER, "Courriel"]
    good = parse_staff_csv(csv_bytes([*DUPONT, "jean.dupont@gmail.com"], header=header))
    assert good.rows[0].email == "jean.dupont@gmail.com"
    bad = parse_staff_csv(csv_bytes([*DUPONT, "jean.dupont at gmail"], header=header))
    assert bad.errors == [RowError(2, "adresse e-mail invalide (64 caractères au plus avant le @)")]


# -- errors --------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_line(tmp_path, store, directory, keys):
    lines = [
        DUPONT,  # 2
        [*MARTIN[:3], "13A050000000", *MARTIN[4:]],  # 3: 12 characters
        [""] * 7,  # 4: blank line (separators only)
        ROSSI,  # 5
        [*ROSSI[:2], "31/02/1990", "13A0500000004", *ROSSI[4:]],  # 6
        [*ROSSI[:3], "13A0500000005", "jardinier", *ROSSI[5:]],  # 7
        [*ROSSI[:3], "13A0500000006", "AESH", "013001A", "Collège"],  # 8
        ["Durand", "Paul", "05/03/1985", "13 a05 0000 0001", "CPE", "0130001A", "Collège"],  # 9
        ["Petit", "", "05/03/1985", "13A0500000007", "CPE", "0130001A", "Collège"],  # 10
        ["李", "王", "05/03/1985", "13A0500000008", "CPE", "0130001A", "Collège"],  # 11
        [*DUPONT[:3], "1A0500000009", *DUPONT[4:], "en trop"],  # 12
        ["Blanc", "Léa", "hier", "1305A00000010", "psy", "0130001A", "Collège"],  # 13
    ]
    code, echo = run(tmp_path, csv_bytes(*lines), store=store, directory=directory, keys=keys)
    assert code == 1
    assert echo.row_errors() == [
        (3, "NUMEN invalide (13 caractères attendus, 12 trouvés)"),
        (6, "date de naissance impossible (ce jour n'existe pas)"),
        (
            7,
            "catégorie « jardinier » inconnue (valeurs acceptées : AESH, 1er degré, "
            "2nd degré (dont CPE et psychologues), administratif, privé)",
        ),
        (8, "UAI invalide (7 chiffres suivis d'une lettre attendus, ex. 0130001A)"),
        (9, "NUMEN en double (déjà ligne 2)"),
        (10, "prénom vide"),
        (11, "nom ou prénom sans lettre utilisable pour l'identifiant"),
        (12, "8 valeurs au lieu de 7 (séparateur à l'intérieur d'une valeur ?)"),
        (13, "date de naissance illisible (attendu JJ/MM/AAAA ou AAAA-MM-JJ)"),
        (13, "NUMEN invalide (attendu : 2 chiffres, 1 lettre, 2 chiffres, puis 8 chiffres ou lettres)"),
    ]
    assert echo.err[-2:] == ["9 lignes en erreur.", "Aucune ligne n'a été importée."]
    assert echo.out == []
    assert (count(store), count(store, "etablissements")) == (0, 0)


def test_errors_never_repeat_a_numen_or_a_date():
    # Columns shifted: the NUMEN sits under "categorie", the date under "uai".
    row = ["Dupont", "Jean", "05/03/1985", "13A0500000001", "13A0500000001", "05/03/1985", "X"]
    errors = parse_staff_csv(csv_bytes(row)).errors
    assert len(errors) == 2
    assert not any("13A05" in str(e) or "1985" in str(e) for e in errors)


def test_digits_in_a_name_are_refused():
    """A NUMEN pushed into the name column by a shifted row must not be stored."""
    row = ["13A0500000001", "Jean", "05/03/1985", "13A0500000002", "AESH", "0130001A", "X"]
    assert parse_staff_csv(csv_bytes(row)).errors == [
        RowError(2, "nom ou prénom contenant des chiffres (colonnes décalées ?)")
    ]


def test_missing_column_is_one_clear_error(tmp_path, store, directory, keys):
    header = [h for h in HEADER if h != "numen"]
    row = [v for h, v in zip(HEADER, DUPONT, strict=True) if h != "numen"]
    code, echo = run(tmp_path, csv_bytes(row, header=header), store=store, directory=directory, keys=keys)
    assert code == 1
    assert echo.row_errors() == [
        (
            1,
            "colonne obligatoire absente : NUMEN (colonnes trouvées : « nom », « prenom », "
            "« date_naissance », « categorie », « uai », « etablissement » ; "
            "séparateur « ; », « , » ou tabulation)",
        )
    ]
    assert echo.err[-1] == "Aucune ligne n'a été importée."
    assert count(store) == 0


def test_tab_separated_file_reads_like_the_csv():
    tabs = parse_staff_csv(csv_bytes(DUPONT, sep="\t"))
    assert not tabs.errors
    assert tabs.rows == parse_staff_csv(csv_bytes(DUPONT)).rows


def test_wrong_separator_reads_as_missing_columns():
    errors = parse_staff_csv(csv_bytes(DUPONT, sep="|")).errors
    assert len(errors) == 1 and errors[0].line == 1
    assert errors[0].message.startswith("colonnes obligatoires absentes : nom, prénom,")


def test_duplicate_column():
    errors = parse_staff_csv(csv_bytes([*DUPONT, "X"], header=[*HEADER, "Nom d'usage"])).errors
    assert errors == [RowError(1, "la colonne « nom » apparaît deux fois (« nom » et « Nom d'usage »)")]


def test_duplicate_numen_written_differently():
    other = ["Durand", "Paul", "05/03/1985", "13a05 0000-0001", "CPE", "0130001A", "Collège"]
    result = parse_staff_csv(csv_bytes(DUPONT, MARTIN, other))
    assert result.errors == [RowError(4, "NUMEN en double (déjà ligne 2)")]


def test_runaway_quote_is_reported_at_its_line():
    data = csv_bytes(DUPONT) + b'Martin;"H\xc3\xa9l\xc3\xa8ne;1979-11-30\r\nRossi;Luca\r\n'
    assert parse_staff_csv(data).errors == [RowError(3, "retour à la ligne dans une valeur (guillemet non fermé ?)")]


def test_header_only_file():
    assert parse_staff_csv(csv_bytes()).errors == [
        RowError(None, "Le fichier ne contient aucune personne (seulement l'en-tête).")
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x03\x04\x14\x00\x06\x00",  # an .xlsx workbook
        "nom;prenom\r\n".encode("utf-16"),
        b"nom;pr\x81nom\r\n",  # neither UTF-8 nor Windows-1252
    ],
)
def test_unreadable_files(tmp_path, store, directory, keys, data):
    with pytest.raises(UnreadableFile):
        parse_staff_csv(data)
    code, echo = run(tmp_path, data, store=store, directory=directory, keys=keys)
    assert code == 2
    assert len(echo.err) == 1 and echo.err[0].startswith("Fichier « ")
    assert echo.out == []


def test_missing_file(tmp_path, store, directory, keys):
    echo = Echo()
    path = tmp_path / "absent.csv"
    assert import_command(path, store=store, directory=directory, keys=keys, echo=echo) == 2
    assert echo.err == [f"Impossible de lire le fichier « {path} » : fichier introuvable."]


# -- writing ---------------------------------------------------------------------------
