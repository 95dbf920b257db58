"""Demo data: about twenty fictitious staff, loaded through the real import,
listed with their test data on the demo page so anyone can try every journey.
Every name, date and NUMEN here is invented (NUMENs contain DEMO)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pwa.services.identity import numen_index


@dataclass(frozen=True)
class DemoPerson:
    nom: str
    prenom: str
    date_naissance: str  # JJ/MM/AAAA
    numen: str
    categorie: str
    uai: str
    etablissement: str
    password: str | None = None  # already activated with this password
    note: str = ""


_COLLEGE = ("0130999A", "Collège des Calanques (fictif)")
_LYCEE = ("0130998B", "Lycée du Vieux-Port (fictif)")
_ECOLE = ("0130997C", "École élémentaire des Oliviers (fictive)")

DEMO_STAFF: tuple[DemoPerson, ...] = (
    DemoPerson(
        "Dupont",
        "Jean",
        "14/07/1985",
        "13E24DEMO0001",
        "aesh",
        *_COLLEGE,
        note="Nouvel AESH : pas encore de mot de passe.",
    ),
    DemoPerson(
        "Dupont",
        "Jeanne",
        "02/03/1990",
        "13E24DEMO0002",
        "aesh",
        *_COLLEGE,
        note="Homonyme : son identifiant reçoit un chiffre.",
    ),
    DemoPerson("Dupont", "Julien", "21/11/1978", "13E19DEMO0003", "second_degre", *_LYCEE, note="Deuxième homonyme."),
    DemoPerson(
        "Martin",
        "Léa",
        "05/09/1996",
        "13E23DEMO0004",
        "aesh",
        *_ECOLE,
        password="Calanque-Bleue-Soleil-42",
        note="Compte déjà activé : essayez la connexion.",
    ),
    DemoPerson(
        "de la Fontaine",
        "Éloïse",
        "30/01/1982",
        "13E05DEMO0005",
        "premier_degre",
        *_ECOLE,
        note="Particule : identifiant « edelafontaine ».",
    ),
    DemoPerson("N'Diaye", "Aminata", "12/12/1993", "13E22DEMO0006", "aesh", *_LYCEE),
    DemoPerson(
        "Lefèvre-Morel",
        "Jean-Pierre",
        "08/06/1971",
        "13E98DEMO0007",
        "administratif",
        *_LYCEE,
        note="Prénom composé : il garde son trait d'union dans l'adresse.",
    ),
    DemoPerson(
        "Cœur", "Benoît", "17/04/1988", "13E12DEMO0008", "second_degre", *_COLLEGE, note="« œ » devient « oe »."
    ),
    DemoPerson("Nguyen", "Thi Mai", "25/08/1999", "13E24DEMO0009", "aesh", *_ECOLE),
    DemoPerson("Benali", "Yasmine", "03/02/1994", "13E21DEMO0010", "aesh", *_COLLEGE),
    DemoPerson(
        "Roux",
        "Camille",
        "19/10/1986",
        "13E10DEMO0011",
        "premier_degre",
        *_ECOLE,
        password="Trois-Cigales-Sur-Un-Pin",
        note="Compte déjà activé.",
    ),
    DemoPerson("Garcia", "Lucas", "11/05/1991", "13E17DEMO0012", "second_degre", *_LYCEE),
    DemoPerson("Petit", "Chloé", "28/02/1997", "13E24DEMO0013", "aesh", *_LYCEE),
    DemoPerson("Moreau", "Hugo", "07/07/1983", "13E08DEMO0014", "administratif", *_COLLEGE),
    DemoPerson("Fournier", "Inès", "15/03/2000", "13E24DEMO0015", "aesh", *_ECOLE),
    DemoPerson("Girard", "Nathan", "22/09/1975", "13E99DEMO0016", "prive", *_LYCEE),
    DemoPerson("Bonnet", "Manon", "09/01/1992", "13E20DEMO0017", "aesh", *_COLLEGE),
    DemoPerson("Mercier", "Théo", "30/06/1989", "13E15DEMO0018", "premier_degre", *_ECOLE),
    DemoPerson("Le Goff", "Maëlys", "04/12/1995", "13E23DEMO0019", "aesh", *_LYCEE),
    DemoPerson(
        "Müller", "Anaïs", "16/08/1980", "13E07DEMO0020", "second_degre", *_COLLEGE, note="« ü » devient « u »."
    ),
    DemoPerson(
        "Lambert",
        "Sophie",
        "13/05/1979",
        "13E02DEMO0021",
        "administratif",
        *_LYCEE,
        password="Quatre-Mouettes-Sur-Le-Quai",
        note="Assistance : voir « Gestion » plus bas.",
    ),
    DemoPerson(
        "Perrin",
        "Marc",
        "24/10/1974",
        "13E00DEMO0022",
        "administratif",
        *_COLLEGE,
        password="Deux-Barques-Dans-La-Brume",
        note="Gestionnaire : voir « Gestion » plus bas.",
    ),
)


@dataclass(frozen=True)
class DemoStaff:
    """A demo person with a staff role and an OTP app already set up (the
    staff area asks for a second factor): the key is shown on /demo."""

    numen: str  # which DEMO_STAFF person
    role: str
    uai: str | None  # None: the whole académie
    totp_key: str  # base32, invented for the demo


DEMO_ROLES: tuple[DemoStaff, ...] = (
    DemoStaff("13E02DEMO0021", "assistance", None, "DEMOASSISTANCESOPHIELAMBERT23456"),
    DemoStaff("13E00DEMO0022", "gestionnaire", _COLLEGE[0], "DEMOGESTIONNAIREMARCPERRIN234567"),
)


def demo_csv() -> bytes:
    out = io.StringIO()
    out.write("nom;prenom;date_naissance;numen;categorie;uai;etablissement\n")
    for p in DEMO_STAFF:
        out.write(f"{p.nom};{p.prenom};{p.date_naissance};{p.numen};{p.categorie};{p.uai};{p.etablissement}\n")
    return out.getvalue().encode("utf-8")


def seed_demo(sesame) -> int:
    """Load the demo staff (idempotent) and activate the ones with a password."""
    from pwa.importer import import_staff, parse_staff_csv

    store = sesame.store
    parsed = parse_staff_csv(demo_csv())
    if parsed.errors:
        raise RuntimeError(f"demo data invalid: {parsed.errors}")
    with store.write():
        import_staff(parsed.rows, store=store, directory=sesame.directory, keys=sesame.keys)
        sesame.directory.mark_demo([numen_index(sesame.keys, p.numen) for p in DEMO_STAFF])
    store.set_meta("demo", "1")
    for person in DEMO_STAFF:
        account = demo_account(sesame, person)
        if person.password and account is not None and not account.activated:
            sesame.directory.set_password_hash(account.id, sesame.hashing.hash(person.password))
    for staff in DEMO_ROLES:
        account = demo_account(sesame, next(p for p in DEMO_STAFF if p.numen == staff.numen))
        sesame.roles.grant(account.id, staff.role, staff.uai, by="demo")
        if not sesame.authenticators.for_account(account.id, "totp"):
            sesame.authenticators.add_totp(account.id, staff.totp_key, 0)
    return len(DEMO_STAFF)


def demo_account(sesame, person: DemoPerson):
    return sesame.directory.by_numen_index(numen_index(sesame.keys, person.numen))
