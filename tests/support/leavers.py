"""Staff who leave (issue 15): a school of five, and the files that list it whole or in part,
on either directory backend (with LDAP, each person has an entry the import links to)."""

from __future__ import annotations

import datetime as dt

from support.web import JEAN, JEANNE, Person

UAI = "0130999A"
ANA = Person("amartin", "ana.martin@ac-aix-marseille.fr", dt.date(1991, 4, 1), "13E24TEST0011")
# identifiant, address, first name, last name, birth date, NUMEN
SCHOOL = [
    (JEAN, "Jean", "Dupont", "14/07/1985"),
    (JEANNE, "Jeanne", "Dupont", "02/03/1990"),
    (ANA, "Ana", "Martin", "01/04/1991"),
    (
        Person("bnoel", "bob.noel@ac-aix-marseille.fr", dt.date(1979, 5, 6), "13E24TEST0012"),
        "Bob",
        "Noël",
        "06/05/1979",
    ),
    (
        Person("cpetit", "cy.petit@ac-aix-marseille.fr", dt.date(1988, 8, 9), "13E24TEST0013"),
        "Cy",
        "Petit",
        "09/08/1988",
    ),
]
LEAVING = ["Martin Ana (0130999A)", "Noël Bob (0130999A)", "Petit Cy (0130999A)"]


def school_csv(*identifiants: str) -> str:
    """The staff file listing these people of the school (all of them by default)."""
    lines = ["identifiant;nom;prenom;date_naissance;numen;categorie;uai;etablissement"]
    for person, first, last, birth in SCHOOL:
        if not identifiants or person.identifiant in identifiants:
            lines.append(f"{person.identifiant};{last};{first};{birth};{person.numen};aesh;{UAI};Collège Test")
    return "\n".join(lines) + "\n"


def add_entries(slapd, base: str) -> None:
    for person, first, last, _ in SCHOOL:
        slapd.add_person(base, person.identifiant, person.email, first, last, uai=UAI)


def seed_school(sesame, backend: str, request, ldap_base: str | None) -> None:
    """The whole school imported (an ordinary import)."""
    from pwa.importer import import_staff, parse_staff_csv

    if backend == "ldap":
        add_entries(request.getfixturevalue("slapd"), ldap_base)
    parsed = parse_staff_csv(school_csv().encode())
    assert not parsed.errors, parsed.errors
    import_staff(parsed.rows, store=sesame.store, directory=sesame.directory, keys=sesame.keys)


def complete_import(sesame, csv: str, uais=(UAI,)):
    """An applied import that is the complete list of `uais`, audited as the CLI does."""
    from pwa.importer import import_staff, parse_staff_csv

    parsed = parse_staff_csv(csv.encode())
    assert not parsed.errors, parsed.errors
    return import_staff(
        parsed.rows,
        store=sesame.store,
        directory=sesame.directory,
        keys=sesame.keys,
        complete=list(uais),
        audit=sesame.audit,
    )
