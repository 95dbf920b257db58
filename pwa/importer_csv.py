"""Reading the HR staff file (CSV text) into checked rows. Pure: text in, rows and
French errors out. Every problem is reported with its file line (the header is
line 1), so HR fixes the whole file in one pass. Messages never repeat a NUMEN or
a birth date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field

from pwa.names import ascii_fold, base_identifiant, base_local_part, fits_rfc5321
from pwa.services.identity import normalise_numen, parse_birth_date, valid_numen

# Column → accepted header spellings, compared after `_key` (case, accents, spaces ignored).
COLUMNS: dict[str, tuple[str, ...]] = {
    "nom": ("nom", "nomdusage", "nomusage"),
    "prenom": ("prenom", "prenomusuel"),
    "date_naissance": ("datenaissance", "datedenaissance", "naissance", "ddn"),
    "numen": ("numen",),
    "categorie": ("categorie", "categoriedepersonnel", "categoriepersonnel"),
    "uai": ("uai", "codeuai", "rne"),
    "etablissement": ("etablissement", "nometablissement", "nomdeletablissement"),
    "email": (
        "email",
        "mail",
        "courriel",
        "emailpersonnel",
        "courrielpersonnel",
        "adressemail",
        "adresseemail",
        "adressepersonnelle",
    ),
    # Optional (issue 11): kept exactly when given, generated only when missing.
    "identifiant": ("identifiant", "login", "uid"),
    "adresse_academique": (
        "adresseacademique",
        "emailacademique",
        "mailacademique",
        "courrielacademique",
        "adressemelacademique",
    ),
    # Optional: every first name and the birth name, for postal letter requests.
    "prenoms": ("prenoms", "tousprenoms", "touslesprenoms", "prenomsetatcivil", "autresprenoms"),
    "nom_naissance": ("nomnaissance", "nomdenaissance", "nompatronymique", "nomdefamille"),
    # Optional (issue 15): the HR id that links the row to its directory entry (SESAME_LDAP_HR_ID).
    "hr_id": ("hrid", "idrh", "identifiantrh", "matricule"),
}
REQUIRED = ("nom", "prenom", "date_naissance", "numen", "categorie", "uai", "etablissement")
LABELS = {
    "nom": "nom",
    "prenom": "prénom",
    "date_naissance": "date de naissance",
    "numen": "NUMEN",
    "categorie": "catégorie",
    "uai": "UAI",
    "etablissement": "établissement",
    "email": "e-mail",
    "identifiant": "identifiant",
    "adresse_academique": "adresse académique",
    "prenoms": "prénoms",
    "nom_naissance": "nom de naissance",
    "hr_id": "identifiant RH",
}

CATEGORIES = ("aesh", "premier_degre", "second_degre", "administratif", "prive")
# Friendly spellings, compared after `_category_key` (filler words dropped).
_CATEGORY_SPELLINGS = {
    "aesh": ("aesh", "avs", "accompagnantelevessituationhandicap", "accompagnanteelevessituationhandicap"),
    "premier_degre": ("premierdegre", "1erdegre", "1degre", "1d", "premier", "1er", "ecoles", "pe"),
    "second_degre": (
        "seconddegre",
        "2nddegre",
        "2ddegre",
        "2degre",
        "2d",
        "second",
        "2nd",
        "cpe",
        "conseillerprincipaleducation",
        "psy",
        "psyen",
        "psychologue",
        "psychologueeducationnationale",
    ),
    "administratif": ("administratif", "administrative", "administratifs", "admin", "atss", "atos"),
    "prive": ("prive", "privee"),
}
_CATEGORY_LOOKUP = {s: code for code, spellings in _CATEGORY_SPELLINGS.items() for s in spellings}
_CATEGORY_LOOKUP.update({code.replace("_", ""): code for code in CATEGORIES})
# Words that qualify a category without changing it: "enseignant du 1er degré".
_CATEGORY_FILLER = frozenset(
    "enseignant enseignante enseignants enseignantes enseignement personnel personnels "
    "professeur professeurs professeure prof maitre maitres de du des d l le la les en "
    "sous contrat".split()
)
ACCEPTED_CATEGORIES = "AESH, 1er degré, 2nd degré (dont CPE et psychologues), administratif, privé"

UAI_FORMAT = re.compile(r"^[0-9]{7}[A-Z]$")
_EMAIL_FORMAT = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# What the login form accepts (pwa.views.forms.identifiant), at most 64 characters.
_IDENTIFIANT_FORMAT = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$")
_ACADEMIC_LOCAL = re.compile(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$")
# The shapes parse_birth_date reads: JJ/MM/AAAA (or - .) and AAAA-MM-JJ.
_DATE_SHAPE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})|(\d{4})-(\d{1,2})-(\d{1,2})")
_MAX_NAME = 100


@dataclass(frozen=True)
class StaffRow:
    """One checked person. The clear NUMEN and birth date stay out of repr()."""

    line: int
    first_name: str
    last_name: str
    birth_date: dt.date = field(repr=False)
    numen: str = field(repr=False)
    category: str
    uai: str
    etablissement: str
    email: str | None = None
    identifiant: str | None = None  # lower case, as given by the file
    academic_address: str | None = None  # lower case, as given by the file
    first_names: str | None = None  # every first name, "Marie Claire Odile"
    birth_name: str | None = None
    hr_id: str | None = None


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: about the whole file
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"Ligne {self.line} : {self.message}"


@dataclass(frozen=True)
class ParseResult:
    rows: list[StaffRow]
    errors: list[RowError]


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", ascii_fold(text))


def category_code(raw: str) -> str | None:
    """`1er degré`, `CPE`, `AESH`, `second_degre`… → the category code, or None."""
    words = re.split(r"[^a-z0-9]+", ascii_fold(raw))
    return _CATEGORY_LOOKUP.get("".join(w for w in words if w not in _CATEGORY_FILLER))


def _map_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column → index, and the problems found in the header."""
    spelling_to_column = {s: col for col, spellings in COLUMNS.items() for s in spellings}
    positions: dict[str, int] = {}
    problems = []
    for index, name in enumerate(header):
        column = spelling_to_column.get(_key(name))
        if column in positions:
            problems.append(
                f"la colonne « {LABELS[column]} » apparaît deux fois "
                f"(« {header[positions[column]].strip()} » et « {name.strip()} »)"
            )
        elif column:
            positions[column] = index  # other columns are allowed and ignored
    missing = [LABELS[c] for c in REQUIRED if c not in positions]
    if missing:
        s = "s" if len(missing) > 1 else ""
        found = ", ".join(f"« {h.strip()} »" for h in header if h.strip()) or "aucune"
        problems.append(
            f"colonne{s} obligatoire{s} absente{s} : {', '.join(missing)} "
            f"(colonnes trouvées : {found} ; séparateur « ; », « , » ou tabulation)"
        )
    return positions, problems


def _clean_name(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _quoted(value: str) -> str:
    """` « value »`, unless it could be a NUMEN or a date (shifted columns)."""
    return "" if len(value) > 40 or re.search(r"\d{2}", value) else f" « {value} »"


def _check_birth_date(raw: str, today: dt.date | None) -> tuple[dt.date | None, str | None]:
    shape = _DATE_SHAPE.fullmatch(raw)
    if not shape:
        return None, "date de naissance illisible (attendu JJ/MM/AAAA ou AAAA-MM-JJ)"
    try:
        return parse_birth_date(raw, today=today), None
    except ValueError:
        pass
    year, month, day = (shape[4], shape[3], shape[1]) if shape[1] else shape.group(5, 6, 7)
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return None, "date de naissance impossible (ce jour n'existe pas)"
    return None, "date de naissance impossible (avant 1900 ou moins de 14 ans)"


def _check_numen(raw: str) -> tuple[str | None, str | None]:
    numen = normalise_numen(raw)
    if len(numen) != 13:
        return None, f"NUMEN invalide (13 caractères attendus, {len(numen)} trouvés)"
    if not valid_numen(numen):
        return None, ("NUMEN invalide (attendu : 2 chiffres, 1 lettre, 2 chiffres, puis 8 chiffres ou lettres)")
    return numen, None


def _check_row(values: dict[str, str], today: dt.date | None) -> tuple[dict, list[str]]:
    """The row's fields as StaffRow wants them, and the problems found."""
    problems = [f"{LABELS[c]} vide" for c in REQUIRED if not values[c]]
    first, last = _clean_name(values["prenom"]), _clean_name(values["nom"])
    checked: dict = {"first_name": first, "last_name": last, "etablissement": _clean_name(values["etablissement"])}
    if first and last:
        if max(len(first), len(last)) > _MAX_NAME:
            problems.append(f"nom ou prénom trop long (plus de {_MAX_NAME} caractères)")
        if any(c.isdigit() for c in first + last):  # a shifted column would store a NUMEN
            problems.append("nom ou prénom contenant des chiffres (colonnes décalées ?)")
        try:
            base_identifiant(first, last)
            base_local_part(first, last)
        except ValueError:
            problems.append("nom ou prénom sans lettre utilisable pour l'identifiant")
    if values["date_naissance"]:
        checked["birth_date"], problem = _check_birth_date(values["date_naissance"], today)
        problems += [problem] if problem else []
    if values["numen"]:
        checked["numen"], problem = _check_numen(values["numen"])
        problems += [problem] if problem else []
    if values["categorie"]:
        checked["category"] = category_code(values["categorie"])
        if checked["category"] is None:
            problems.append(
                f"catégorie{_quoted(values['categorie'])} inconnue (valeurs acceptées : {ACCEPTED_CATEGORIES})"
            )
    if values["uai"]:
        checked["uai"] = values["uai"].replace(" ", "").upper()
        if not UAI_FORMAT.match(checked["uai"]):
            problems.append("UAI invalide (7 chiffres suivis d'une lettre attendus, ex. 0130001A)")
    checked["email"] = values.get("email") or None
    if checked["email"] and (not fits_rfc5321(checked["email"]) or not _EMAIL_FORMAT.match(checked["email"])):
        problems.append("adresse e-mail invalide (64 caractères au plus avant le @)")
    problems += _check_logins(values, checked)
    for column, key in (("prenoms", "first_names"), ("nom_naissance", "birth_name")):
        checked[key] = _clean_name(values.get(column, "")) or None
        if checked[key] and (len(checked[key]) > _MAX_NAME or any(c.isdigit() for c in checked[key])):
            problems.append(f"{LABELS[column]} invalide (des lettres, {_MAX_NAME} caractères au plus)")
    return checked, problems


def _check_logins(values: dict[str, str], checked: dict) -> list[str]:
    """The file's own identifiant and academic address, when given: lower case,
    the shapes the sign-in form accepts, RFC 5321 lengths."""
    problems = []
    identifiant = values.get("identifiant", "").lower() or None
    if identifiant and not _IDENTIFIANT_FORMAT.match(identifiant):
        problems.append("identifiant invalide (lettres, chiffres, point ou tiret, 64 caractères au plus)")
    address = values.get("adresse_academique", "").lower() or None
    if address:
        local, _, domain = address.rpartition("@")
        if not local or not _ACADEMIC_LOCAL.match(local) or ".." in local or "." not in domain:
            problems.append("adresse académique invalide (attendu prenom.nom@domaine)")
        elif not fits_rfc5321(address):
            problems.append("adresse académique trop longue (64 caractères au plus avant le @)")
    checked["identifiant"], checked["academic_address"] = identifiant, address
    checked["hr_id"] = values.get("hr_id", "").strip() or None
    if checked["hr_id"] and (len(checked["hr_id"]) > 64 or not checked["hr_id"].isprintable()):
        problems.append("identifiant RH invalide (64 caractères au plus)")
    return problems


def _records(reader) -> list[tuple[int, list[str] | None]]:
    """(first file line, values) per record, None for an unreadable one. A quoted
    value may span lines: a record starts where the previous one ended."""
    records: list[tuple[int, list[str] | None]] = []
    last_line = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return records
        except csv.Error:  # e.g. a runaway quote swallowing the rest past the size limit
            return [*records, (last_line + 1, None)]
        records.append((last_line + 1, values))
        last_line = reader.line_num


def parse_staff_text(text: str, *, today: dt.date | None = None) -> ParseResult:
    """Check every row of the HR file; separator `;`, `,` or a tab (a tab-separated export),
    guessed from the header: the one it holds most of."""
    header_line = text.split("\n", 1)[0]
    separator = max(";,\t", key=header_line.count)  # a tie keeps the first: ; then ,
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = next(reader, [])
    positions, problems = _map_header(header)
    if problems:
        return ParseResult([], [RowError(1, p) for p in problems])
    rows: list[StaffRow] = []
    errors: list[RowError] = []
    first_line_of_numen: dict[str, int] = {}
    for line, record in _records(reader):
        if record is not None and not any(v.strip() for v in record):
            continue  # blank line
        if record is None or any("\n" in v or "\r" in v for v in record):
            errors.append(RowError(line, "retour à la ligne dans une valeur (guillemet non fermé ?)"))
            continue
        if any(v.strip() for v in record[len(header) :]):
            errors.append(
                RowError(
                    line, f"{len(record)} valeurs au lieu de {len(header)} (séparateur à l'intérieur d'une valeur ?)"
                )
            )
            continue
        values = {c: record[i].strip() if i < len(record) else "" for c, i in positions.items()}
        checked, row_problems = _check_row(values, today)
        numen = checked.get("numen")
        if numen and numen in first_line_of_numen:
            row_problems.append(f"NUMEN en double (déjà ligne {first_line_of_numen[numen]})")
        elif numen:
            first_line_of_numen[numen] = line
        errors.extend(RowError(line, p) for p in row_problems)
        if not row_problems:
            rows.append(StaffRow(line=line, **checked))
    if not rows and not errors:
        errors.append(RowError(None, "Le fichier ne contient aucune personne (seulement l'en-tête)."))
    return ParseResult(rows, errors)
